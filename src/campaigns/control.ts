/**
 * The campaign use cases behind the API and the CLI: create, preview, launch, pause, resume,
 * cancel, progress. Every state change is one conditional UPDATE (status moves only along
 * DRAFT → SCHEDULED → RUNNING ⇄ PAUSED → COMPLETED | CANCELLED) written with its audit entry in
 * one transaction; queue work is added after the commit.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { inTransaction, type Sql } from '../db/sql.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import { CampaignKind, type CampaignStatus } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import type { Queues } from '../queues/queues.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, findRegion, type RegionRef, type Staff } from '../staff/scope.js';
import { type Audience, audienceSchema, regionsByCode } from './audience.js';
import { contentSchema, FLOW_OF } from './content.js';
import { completeIfDone, planDispatch } from './dispatch.js';
import { type CampaignRow, freezeCampaign, loadCampaign, previewCounts } from './freeze.js';

export interface CampaignDeps {
  db: Db;
  queues: Queues;
  texts: Texts;
  config: Pick<Config, 'CAMPAIGN_MAX_PER_DAY' | 'CAMPAIGN_MAX_PER_WEEK' | 'DISPATCH_BATCH_SIZE' | 'DISPATCH_SLICE_SIZE'>;
}

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (China time)');

export const scheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('now') }).strict(),
  z.object({ type: z.literal('at'), at: z.iso.datetime({ offset: true }) }).strict(),
  /** Every week on a day (0 = Sunday) at a time, China time. */
  z.object({ type: z.literal('weekly'), dayOfWeek: z.number().int().min(0).max(6), time }).strict(),
  /** Every month on a day (1-28, so every month has it) at a time, China time. */
  z.object({ type: z.literal('monthly'), day: z.number().int().min(1).max(28), time }).strict(),
]);

export const createCampaignSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(CampaignKind),
    /** The region it targets: the caller's own region or one inside it. */
    regionCode: z.string().regex(/^\d{2,12}$/, 'expected a region code of 2-12 digits'),
    audience: audienceSchema.default({}),
    content: contentSchema.default({}),
    schedule: scheduleSchema.default({ type: 'now' }),
  })
  .strict();

export type CreateCampaign = z.input<typeof createCampaignSchema>;

const TEXT_KINDS = new Set<string>(['POLICY_NOTICE', 'ZERO_EMPLOYMENT']);

function cronOf(s: z.infer<typeof scheduleSchema>): string | null {
  if (s.type === 'weekly') return `${Number(s.time.slice(3))} ${Number(s.time.slice(0, 2))} * * ${s.dayOfWeek}`;
  if (s.type === 'monthly') return `${Number(s.time.slice(3))} ${Number(s.time.slice(0, 2))} ${s.day} * *`;
  return null;
}

export interface CampaignView {
  id: number;
  name: string;
  kind: CampaignKind;
  status: string;
  regionCode: string;
  audience: unknown;
  content: unknown;
  scheduleAt: Date | null;
  cron: string | null;
  parentId: number | null;
  recipients: number;
  stats: unknown;
  launchedAt: Date | null;
  completedAt: Date | null;
  pausedAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
}

const VIEW = `SELECT c.id, c.name, c.kind, c.status, r.code AS "regionCode", c.audience, c.content, c."scheduleAt", c.cron,
                     c."parentId", c.recipients, c.stats, c."launchedAt", c."completedAt", c."pausedAt", c."cancelledAt", c."createdAt"
                FROM "Campaign" c JOIN "Region" r ON r.id = c."regionId"`;

/** The campaign if it exists inside the caller's scope (outside it reads as missing). */
export async function getCampaign(sql: Sql, staff: Pick<Staff, 'regionCode'>, id: number): Promise<CampaignView> {
  const r = await sql.query<CampaignView>(`${VIEW} WHERE c.id = $1`, [id]);
  const c = r.rows[0];
  if (!c || !codeInScope(staff, c.regionCode)) throw notFound(`campaign ${id} not found`);
  return c;
}

/** Campaigns of the scope, newest first; optionally of one status, from an offset (console pages). */
export async function listCampaigns(
  sql: Sql,
  staff: Pick<Staff, 'regionCode'>,
  limit = 100,
  opts: { status?: CampaignStatus; offset?: number } = {},
): Promise<CampaignView[]> {
  const r = await sql.query<CampaignView>(
    `${VIEW} WHERE r.code LIKE $1 || '%' AND ($3::"CampaignStatus" IS NULL OR c.status = $3::"CampaignStatus")
      ORDER BY c.id DESC LIMIT $2 OFFSET $4`,
    [staff.regionCode, limit, opts.status ?? null, opts.offset ?? 0],
  );
  return r.rows;
}

/**
 * The region a new campaign targets (inside the caller's scope, 403 otherwise) and the audience it
 * will have: every audience region inside that region and existing now, plus what the kind implies.
 */
async function campaignTarget(
  deps: Pick<CampaignDeps, 'db'>,
  staff: Staff,
  kind: CampaignKind,
  regionCode: string,
  given: Audience,
): Promise<{ region: RegionRef; audience: Audience }> {
  const region = await findRegion(deps.db.pool, { code: regionCode });
  if (!region) throw invalid('body/regionCode', `names no region in the ledger (${regionCode})`);
  if (!codeInScope(staff, region.code)) throw forbidden(`region ${region.code} is outside your scope ${staff.regionCode}`);
  for (const code of given.regions ?? []) {
    if (!code.startsWith(region.code))
      throw invalid('body/audience/regions', `: ${code} is outside the campaign's region ${region.code}`);
  }
  // Every audience region must exist now, not only when the campaign is previewed or launched.
  if (given.regions?.length) await regionsByCode(deps.db.pool, given.regions);
  const audience =
    kind === 'ZERO_EMPLOYMENT'
      ? { ...given, zeroEmployment: true }
      : kind === 'TRAINING_FOLLOW_UP'
        ? { ...given, trainingFollowUpDue: true }
        : given;
  return { region, audience };
}

export async function createCampaign(deps: CampaignDeps, staff: Staff, input: CreateCampaign): Promise<CampaignView> {
  if (staff.role === 'VIEWER') throw forbidden('viewers cannot create campaigns');
  const c = createCampaignSchema.parse(input);
  const { region, audience } = await campaignTarget(deps, staff, c.kind, c.regionCode, c.audience);
  if (TEXT_KINDS.has(c.kind) && !c.content.text)
    throw invalid('body/content/text', 'is required for this kind (a text in zh-CN)');
  if (c.kind !== 'JOB_LEADS' && (c.content.leadIds || c.content.perLeadCap)) {
    throw invalid('body/content/leadIds', 'is only for job-lead campaigns');
  }
  if (c.schedule.type === 'at' && new Date(c.schedule.at).getTime() < Date.now() - 60_000) {
    throw invalid('body/schedule/at', 'is in the past');
  }
  return inTransaction(deps.db.pool, async (sql) => {
    const r = await sql.query<{ id: number }>(
      `INSERT INTO "Campaign" (name, kind, "regionId", audience, content, "scheduleAt", cron, "createdById", "updatedAt")
       VALUES ($1, $2::"CampaignKind", $3, $4::jsonb, $5::jsonb, $6::timestamp(3), $7, $8, now()) RETURNING id`,
      [
        c.name,
        c.kind,
        region.id,
        JSON.stringify(audience),
        JSON.stringify(c.content),
        c.schedule.type === 'at' ? new Date(c.schedule.at).toISOString() : null,
        cronOf(c.schedule),
        staff.userId,
      ],
    );
    const id = r.rows[0]!.id;
    await recordAudit(sql, {
      staffUserId: staff.userId,
      action: 'campaign.create',
      entity: 'Campaign',
      entityId: id,
      regionId: region.id,
      details: { kind: c.kind, name: c.name },
    });
    return getCampaign(sql, staff, id);
  });
}

export const draftPreviewSchema = createCampaignSchema.pick({ kind: true, regionCode: true, audience: true, content: true });

/**
 * The preview of a campaign not saved yet (the console's builder, as its filters change): the
 * same counts as previewCampaign for the campaign createCampaign would make from this input.
 */
export async function previewDraft(deps: CampaignDeps, staff: Staff, input: z.input<typeof draftPreviewSchema>) {
  const d = draftPreviewSchema.parse(input);
  const { region, audience } = await campaignTarget(deps, staff, d.kind, d.regionCode, d.audience);
  const row: CampaignRow = {
    id: 0,
    kind: d.kind,
    status: 'DRAFT',
    audience,
    content: d.content,
    region: { id: region.id, code: region.code, level: region.level },
    generation: 0,
  };
  return previewCounts(deps.db.pool, row, {
    maxPerDay: deps.config.CAMPAIGN_MAX_PER_DAY,
    maxPerWeek: deps.config.CAMPAIGN_MAX_PER_WEEK,
  });
}

/** How many people a launch would reach now, and why the others would be left out. */
export async function previewCampaign(deps: CampaignDeps, staff: Staff, id: number) {
  await getCampaign(deps.db.pool, staff, id);
  const c = await loadCampaign(deps.db.pool, id);
  return previewCounts(deps.db.pool, c!, {
    maxPerDay: deps.config.CAMPAIGN_MAX_PER_DAY,
    maxPerWeek: deps.config.CAMPAIGN_MAX_PER_WEEK,
  });
}

async function transition(
  deps: CampaignDeps,
  staff: Staff,
  id: number,
  action: string,
  from: string[],
  set: string,
): Promise<CampaignView> {
  const view = await getCampaign(deps.db.pool, staff, id);
  if (staff.role === 'VIEWER') throw forbidden('viewers cannot change campaigns');
  return inTransaction(deps.db.pool, async (sql) => {
    const r = await sql.query<{ id: number; regionId: number }>(
      `UPDATE "Campaign" SET ${set}, "updatedAt" = now() WHERE id = $1 AND status = ANY($2::"CampaignStatus"[]) RETURNING id, "regionId"`,
      [id, from],
    );
    if (!r.rows[0]) throw conflict('invalid_state', `cannot ${action.split('.')[1]} a campaign that is ${view.status}`);
    await recordAudit(sql, {
      staffUserId: staff.userId,
      action,
      entity: 'Campaign',
      entityId: id,
      regionId: r.rows[0].regionId,
      details: { from: view.status },
    });
    return getCampaign(sql, staff, id);
  });
}

const schedulerId = (id: number) => `campaign-${id}`;

/** A BullMQ job scheduler firing the campaign's runs in China time. */
export function scheduleRecurring(queues: Queues, id: number, cron: string) {
  return queues.campaign.upsertJobScheduler(
    schedulerId(id),
    { pattern: cron, tz: 'Asia/Shanghai' },
    { name: 'run', data: { action: 'run', campaignId: id } },
  );
}

/** Freezes and sends now, at its time, or on its recurrence (each run a campaign of its own). */
export async function launchCampaign(deps: CampaignDeps, staff: Staff, id: number): Promise<CampaignView> {
  const c = await transition(deps, staff, id, 'campaign.launch', ['DRAFT'], `status = 'SCHEDULED'`);
  if (c.cron) {
    await scheduleRecurring(deps.queues, id, c.cron);
  } else {
    const delay = c.scheduleAt ? Math.max(0, c.scheduleAt.getTime() - Date.now()) : 0;
    await deps.queues.campaign.add('launch', { action: 'launch', campaignId: id }, { jobId: `launch-${id}`, delay });
  }
  return c;
}

/** Stops sending within one batch; frozen rows stay QUEUED for resume. A recurring campaign skips its runs. */
export function pauseCampaign(deps: CampaignDeps, staff: Staff, id: number): Promise<CampaignView> {
  return transition(deps, staff, id, 'campaign.pause', ['RUNNING', 'SCHEDULED'], `status = 'PAUSED', "pausedAt" = now()`);
}

export async function resumeCampaign(deps: CampaignDeps, staff: Staff, id: number): Promise<CampaignView> {
  const before = await getCampaign(deps.db.pool, staff, id);
  // A campaign paused before its freeze (scheduled, recurring) goes back to waiting for its time.
  const target = before.launchedAt ? 'RUNNING' : 'SCHEDULED';
  const c = await transition(
    deps,
    staff,
    id,
    'campaign.resume',
    ['PAUSED'],
    `status = '${target}', "pausedAt" = NULL, generation = generation + 1`,
  );
  if (target === 'RUNNING') {
    const g = await deps.db.pool.query<{ generation: number }>(`SELECT generation FROM "Campaign" WHERE id = $1`, [id]);
    await planDispatch(deps, id, g.rows[0]!.generation);
  } else if (!c.cron) {
    await deps.queues.campaign.add(
      'launch',
      { action: 'launch', campaignId: id },
      {
        jobId: `launch-${id}-r${Date.now()}`,
        delay: c.scheduleAt ? Math.max(0, c.scheduleAt.getTime() - Date.now()) : 0,
      },
    );
  }
  return c;
}

/**
 * Nothing more goes out: messages not yet handed to a provider are CANCELLED (people whose message
 * was never written count as cancelled in the progress); a recurrence ends.
 */
export async function cancelCampaign(deps: CampaignDeps, staff: Staff, id: number): Promise<CampaignView> {
  const c = await transition(
    deps,
    staff,
    id,
    'campaign.cancel',
    ['DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED'],
    `status = 'CANCELLED', "cancelledAt" = now()`,
  );
  await deps.db.pool.query(
    `UPDATE "OutboundMessage" SET status = 'CANCELLED', "errorCode" = 'campaign_cancelled'
      WHERE "campaignId" = $1 AND status = 'QUEUED' AND "claimedAt" IS NULL`,
    [id],
  );
  if (c.cron) await deps.queues.campaign.removeJobScheduler(schedulerId(id));
  return c;
}

export interface Progress {
  id: number;
  status: string;
  recipients: number;
  queued: number;
  sent: number;
  delivered: number;
  failed: number;
  cancelled: number;
  replied: number;
  /** Share of recipients settled (sent, delivered, failed or cancelled). */
  percent: number;
  /** Messages settled per second over the last minute. */
  ratePerSecond: number;
  etaSeconds: number | null;
  launchedAt: Date | null;
  completedAt: Date | null;
  stats: unknown;
}

/** Counts by status from the ledger; replies are recipients who wrote back after the launch. */
export async function campaignProgress(
  deps: Pick<CampaignDeps, 'db'>,
  staff: Pick<Staff, 'regionCode'>,
  id: number,
): Promise<Progress> {
  const view = await getCampaign(deps.db.pool, staff, id);
  if (view.status === 'RUNNING') await completeIfDone(deps.db, id);
  const c = await getCampaign(deps.db.pool, staff, id);
  const r = await deps.db.pool.query<{ status: string; n: number; recent: number }>(
    `SELECT status, count(*)::int AS n,
            count(*) FILTER (WHERE COALESCE("deliveredAt", "sentAt", "failedAt") > now() - interval '60 seconds')::int AS recent
       FROM "OutboundMessage" WHERE "campaignId" = $1 GROUP BY status`,
    [id],
  );
  const by = Object.fromEntries(r.rows.map((x) => [x.status, x.n])) as Record<string, number>;
  // People of the frozen slices whose message is not written yet: waiting, or never to go.
  const written = r.rows.reduce((s, x) => s + x.n, 0);
  const unwritten = Math.max(0, c.recipients - written);
  if (c.status === 'CANCELLED') by.CANCELLED = (by.CANCELLED ?? 0) + unwritten;
  else by.QUEUED = (by.QUEUED ?? 0) + unwritten;
  const recent = r.rows.reduce((s, x) => s + x.recent, 0);
  const replied = c.launchedAt
    ? (
        await deps.db.pool.query<{ n: number }>(
          `SELECT count(DISTINCT i."workerId")::int AS n FROM "InboundMessage" i
            WHERE i."receivedAt" >= $2::timestamp(3) AND i."workerId" IS NOT NULL
              AND EXISTS (SELECT 1 FROM "OutboundMessage" o WHERE o."campaignId" = $1 AND o."workerId" = i."workerId")`,
          [id, c.launchedAt.toISOString()],
        )
      ).rows[0]!.n
    : 0;
  const total = Object.values(by).reduce((s, n) => s + n, 0);
  const queued = by.QUEUED ?? 0;
  const rate = recent / 60;
  return {
    id,
    status: c.status,
    recipients: c.recipients || total,
    queued,
    sent: by.SENT ?? 0,
    delivered: by.DELIVERED ?? 0,
    failed: by.FAILED ?? 0,
    cancelled: by.CANCELLED ?? 0,
    replied,
    percent: total ? Math.round(((total - queued) / total) * 1000) / 10 : 0,
    ratePerSecond: Math.round(rate * 10) / 10,
    etaSeconds: queued === 0 ? 0 : rate > 0 ? Math.ceil(queued / rate) : null,
    launchedAt: c.launchedAt,
    completedAt: c.completedAt,
    stats: c.stats,
  };
}

/** The campaign worker's 'launch': freeze (once) and plan the sending. */
export async function runLaunch(deps: CampaignDeps, campaignId: number): Promise<void> {
  const c = await loadCampaign(deps.db.pool, campaignId);
  if (!c) return;
  let generation = c.generation;
  if (c.status === 'SCHEDULED') {
    const caps = { maxPerDay: deps.config.CAMPAIGN_MAX_PER_DAY, maxPerWeek: deps.config.CAMPAIGN_MAX_PER_WEEK };
    const sliceSize = deps.config.DISPATCH_SLICE_SIZE;
    generation = (await freezeCampaign({ db: deps.db, texts: deps.texts, ...caps, sliceSize }, campaignId)).generation;
  } else if (c.status !== 'RUNNING') {
    return; // paused or cancelled before its time
  }
  await planDispatch(deps, campaignId, generation);
  if (FLOW_OF[c.kind] === undefined) await completeIfDone(deps.db, campaignId);
}

/**
 * The campaign worker's 'run' for a recurring campaign: a new campaign per run (its own frozen
 * rows and statistics), created once per scheduler firing even if the job is retried.
 */
export async function runRecurring(deps: CampaignDeps, parentId: number, runKey: string): Promise<number | null> {
  const child = await inTransaction(deps.db.pool, async (sql) => {
    const p = await sql.query<{ status: string }>(`SELECT status FROM "Campaign" WHERE id = $1 FOR UPDATE`, [parentId]);
    if (p.rows[0]?.status !== 'SCHEDULED') return null; // paused or cancelled: this run is skipped
    const existing = await sql.query<{ id: number }>(
      `SELECT id FROM "Campaign" WHERE "parentId" = $1 AND stats->>'runKey' = $2`,
      [parentId, runKey],
    );
    if (existing.rows[0]) return existing.rows[0].id;
    const r = await sql.query<{ id: number }>(
      `INSERT INTO "Campaign" (name, kind, "regionId", audience, content, "createdById", status, "parentId", stats, "updatedAt")
       SELECT name || ' ' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), kind, "regionId", audience, content,
              "createdById", 'SCHEDULED', id, jsonb_build_object('runKey', $2::text), now()
         FROM "Campaign" WHERE id = $1 RETURNING id`,
      [parentId, runKey],
    );
    return r.rows[0]!.id;
  });
  if (child !== null) await runLaunch(deps, child);
  return child;
}
