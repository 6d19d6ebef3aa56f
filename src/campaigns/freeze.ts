/**
 * Freezing a campaign's recipients at launch: one INSERT … SELECT writes a QUEUED OutboundMessage
 * row per person and channel (unique per campaign, person and channel), with its text, in the same
 * transaction that marks the campaign RUNNING. From then on the ledger, not the audience filter,
 * says who gets the campaign: a crash, a retry or a second launch job freezes nobody twice.
 */
import { smsSegments, smsText } from '../channels/twilio/sms-text.js';
import type { Db } from '../db/database.js';
import { inTransaction, type Sql } from '../db/sql.js';
import type { CampaignKind } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { subtreeFilter } from '../staff/scope.js';
import { type Audience, audienceSchema, audienceSql, channelFor, OPTED_OUT, type RegionRef } from './audience.js';
import { type Content, contentSchema, textsFor } from './content.js';

export interface FreezeDeps {
  db: Db;
  texts: Texts;
  maxPerDay: number;
  maxPerWeek: number;
  /** Chunks written at once (default 2: one per core of a small database server). */
  concurrency?: number;
}

export interface FreezeStats {
  /** People the filter selects in the region. */
  audience: number;
  optedOut: number;
  /** Over the frequency cap (per day or week). */
  capped: number;
  noAddress: number;
  /** JOB_LEADS: people no open lead matches (or every matching lead reached its cap). */
  noMatch: number;
  frozen: number;
  byChannel: Record<string, number>;
  /** How long the freeze took. */
  ms: number;
}

export interface CampaignRow {
  id: number;
  kind: CampaignKind;
  status: string;
  audience: Audience;
  content: Content;
  region: RegionRef;
  generation: number;
}

export async function loadCampaign(sql: Sql, id: number, lock = false): Promise<CampaignRow | null> {
  const r = await sql.query<{
    id: number;
    kind: CampaignKind;
    status: string;
    audience: unknown;
    content: unknown;
    generation: number;
    regionId: number;
    code: string;
    level: RegionRef['level'];
  }>(
    `SELECT c.id, c.kind, c.status, c.audience, c.content, c.generation, r.id AS "regionId", r.code, r.level
       FROM "Campaign" c JOIN "Region" r ON r.id = c."regionId" WHERE c.id = $1 ${lock ? 'FOR UPDATE OF c' : ''}`,
    [id],
  );
  const c = r.rows[0];
  if (!c) return null;
  return {
    id: c.id,
    kind: c.kind,
    status: c.status,
    audience: audienceSchema.parse(c.audience),
    content: contentSchema.parse(c.content),
    region: { id: c.regionId, code: c.code, level: c.level },
    generation: c.generation,
  };
}

/**
 * The candidates: everyone the filter selects, with their channel and why they would be left out.
 * Shared by the preview (counts only) and the freeze.
 */
async function candidatesSql(
  sql: Sql,
  c: CampaignRow,
  deps: Pick<FreezeDeps, 'maxPerDay' | 'maxPerWeek'>,
  now: Date,
  ids?: [number, number],
) {
  const a = await audienceSql(sql, c.region, c.audience, ids ? 8 : 6, now);
  const params: unknown[] = [
    c.id,
    new Date(now.getTime() - 86_400_000).toISOString(),
    new Date(now.getTime() - 7 * 86_400_000).toISOString(),
    deps.maxPerDay,
    deps.maxPerWeek,
    ...(ids ?? []),
    ...a.params,
  ];
  // Campaign messages already received recently, counted in one pass (a chunk counts only its
  // own workers' messages, so the chunks together read the week's messages once). This
  // campaign's own rows do not count: a repeated freeze must find the same people.
  const text = `
    SELECT w.id AS wid, w.language, h."zeroEmployment" AS zero, ${channelFor(c.content.channel)} AS ch,
           ${OPTED_OUT} AS opted,
           (COALESCE(rc.day, 0) >= $4 OR COALESCE(rc.week, 0) >= $5) AS capped
      FROM "Worker" w
      JOIN "Household" h ON h.id = w."householdId"
      LEFT JOIN (SELECT "workerId", count(*) FILTER (WHERE "queuedAt" > $2::timestamp(3)) AS day, count(*) AS week
                   FROM "OutboundMessage"
                  WHERE kind = 'BROADCAST' AND status <> 'CANCELLED' AND "queuedAt" > $3::timestamp(3)
                    AND "campaignId" IS DISTINCT FROM $1 ${ids ? 'AND "workerId" BETWEEN $6 AND $7' : ''}
                  GROUP BY "workerId") rc ON rc."workerId" = w.id
     WHERE ${ids ? 'w.id BETWEEN $6 AND $7 AND ' : ''}${a.where}`;
  return { text, params };
}

/** The counts a launch would freeze now, without writing anything. */
export async function previewCounts(
  sql: Sql,
  c: CampaignRow,
  deps: Pick<FreezeDeps, 'maxPerDay' | 'maxPerWeek'>,
  now = new Date(),
): Promise<Omit<FreezeStats, 'noMatch' | 'frozen' | 'ms'> & { recipients: number }> {
  const cand = await candidatesSql(sql, c, deps, now);
  // One pass over the candidates, every count a FILTER of it.
  const ok = `ch IS NOT NULL AND NOT opted AND NOT capped`;
  const r = await sql.query<{
    audience: number;
    optedOut: number;
    capped: number;
    noAddress: number;
    recipients: number;
    sms: number;
    telegram: number;
    voice: number;
  }>(
    `SELECT count(*)::int AS audience,
            count(*) FILTER (WHERE opted)::int AS "optedOut",
            count(*) FILTER (WHERE NOT opted AND capped)::int AS capped,
            count(*) FILTER (WHERE ch IS NULL AND NOT opted AND NOT capped)::int AS "noAddress",
            count(*) FILTER (WHERE ${ok})::int AS recipients,
            count(*) FILTER (WHERE ${ok} AND ch = 'SMS')::int AS sms,
            count(*) FILTER (WHERE ${ok} AND ch = 'TELEGRAM')::int AS telegram,
            count(*) FILTER (WHERE ${ok} AND ch = 'VOICE')::int AS voice
       FROM (${cand.text}) cand`,
    cand.params,
  );
  const row = r.rows[0]!;
  return {
    audience: row.audience,
    optedOut: row.optedOut,
    capped: row.capped,
    noAddress: row.noAddress,
    recipients: row.recipients,
    byChannel: Object.fromEntries(
      (
        [
          ['SMS', row.sms],
          ['TELEGRAM', row.telegram],
          ['VOICE', row.voice],
        ] as const
      ).filter(([, n]) => n > 0),
    ),
  };
}

/** Text kinds: one body per language, chosen by the person's language (zh-CN when missing). */
function bodySql(texts: Record<string, string>, params: unknown[]): { body: string; segments: string } {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const langs = Object.keys(texts).filter((l) => l !== 'zh-CN');
  const zh = texts['zh-CN']!;
  const seg = (t: string) => smsSegments(smsText({ text: t }));
  const whenBody = langs.map((l) => `WHEN cand.language = ${p(l)}::text THEN ${p(texts[l])}::text`).join(' ');
  const body = langs.length ? `CASE ${whenBody} ELSE ${p(zh)}::text END` : `${p(zh)}::text`;
  const whenSeg = langs.map((l) => `WHEN cand.language = ${p(l)}::text THEN ${seg(texts[l]!)}`).join(' ');
  const segments = `CASE WHEN cand.ch <> 'SMS' THEN 1 ${whenSeg} ELSE ${seg(zh)} END`;
  return { body, segments };
}

/** Worker-id ranges a text or flow campaign is frozen in, written side by side. */
const FREEZE_CHUNKS = 8;

/**
 * Writes the campaign's rows, then marks it RUNNING under a new generation. The rows go in as
 * idempotent chunks over worker-id ranges, written `concurrency` at a time (an INSERT runs on one
 * core; a province of a million rows spends most of its time in index and foreign-key upkeep).
 * A crash part-way leaves the campaign SCHEDULED with some rows; the retried launch job writes the
 * rest (ON CONFLICT skips what is there) and only then starts sending. JOB_LEADS is one statement:
 * its per-lead caps rank people across the whole region.
 */
export async function freezeCampaign(
  deps: FreezeDeps,
  campaignId: number,
  now = new Date(),
): Promise<FreezeStats & { generation: number }> {
  const started = Date.now();
  const pool = deps.db.pool;
  const c = await loadCampaign(pool, campaignId);
  if (!c) throw new Error(`campaign ${campaignId} not found`);
  const counts = await previewCounts(pool, c, deps, now);
  const ok = `cand.ch IS NOT NULL AND NOT cand.opted AND NOT cand.capped`;
  let eligible = counts.recipients;

  if (c.kind === 'JOB_LEADS') {
    const cand = await candidatesSql(pool, c, deps, now);
    const params = [...cand.params];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    await pool.query(`WITH cand AS MATERIALIZED (${cand.text}) ${jobLeadsInsert(c, ok, p, now)}`, params);
  } else {
    const texts = await textsFor(pool, deps.texts, c.kind, c.content, c.region, now);
    const col = subtreeFilter(c.region);
    const range = await pool.query<{ lo: number | null; hi: number | null }>(
      `SELECT min(id) AS lo, max(id) AS hi FROM "Worker" WHERE "${col.column}" = $1`,
      [col.value],
    );
    const { lo, hi } = range.rows[0]!;
    const chunks: Array<[number, number]> = [];
    if (lo !== null && hi !== null) {
      const step = Math.ceil((hi - lo + 1) / FREEZE_CHUNKS);
      for (let a = lo; a <= hi; a += step) chunks.push([a, Math.min(hi, a + step - 1)]);
    }
    const writeChunk = async ([a, b]: [number, number]) => {
      const cand = await candidatesSql(pool, c, deps, now, [a, b]);
      const params = [...cand.params];
      const p = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      const body = texts ? bodySql(texts, params) : { body: `''`, segments: '1' };
      await pool.query(
        `INSERT INTO "OutboundMessage" (kind, "campaignId", "workerId", channel, language, body, segments, "queuedAt")
         SELECT 'BROADCAST', $1, cand.wid, cand.ch::"Channel", cand.language, ${body.body}, ${body.segments}, ${p(now.toISOString())}::timestamp(3)
           FROM (${cand.text}) cand WHERE ${ok}
         ON CONFLICT ("campaignId", "workerId", channel) DO NOTHING`,
        params,
      );
    };
    let next = 0;
    const lane = async () => {
      while (next < chunks.length) await writeChunk(chunks[next++]!);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 2, chunks.length)) }, lane));
    eligible = counts.recipients;
  }

  return inTransaction(pool, async (sql) => {
    const locked = await sql.query<{ status: string }>(`SELECT status FROM "Campaign" WHERE id = $1 FOR UPDATE`, [c.id]);
    // Rows frozen by an earlier attempt of this launch count too (ON CONFLICT skipped them).
    const all = await sql.query<{ channel: string; n: number }>(
      `SELECT channel, count(*)::int AS n FROM "OutboundMessage" WHERE "campaignId" = $1 GROUP BY channel`,
      [c.id],
    );
    const byChannel = Object.fromEntries(all.rows.map((x) => [x.channel, x.n]));
    const frozen = all.rows.reduce((sum, x) => sum + x.n, 0);
    const stats: FreezeStats = {
      audience: counts.audience,
      optedOut: counts.optedOut,
      capped: counts.capped,
      noAddress: counts.noAddress,
      noMatch: c.kind === 'JOB_LEADS' ? Math.max(0, eligible - frozen) : 0,
      frozen,
      byChannel,
      ms: Date.now() - started,
    };
    if (locked.rows[0]?.status !== 'SCHEDULED') {
      // Cancelled or paused while the rows were written: nothing of it goes out now.
      if (locked.rows[0]?.status === 'CANCELLED') {
        await sql.query(
          `UPDATE "OutboundMessage" SET status = 'CANCELLED', "errorCode" = 'campaign_cancelled' WHERE "campaignId" = $1 AND status = 'QUEUED'`,
          [c.id],
        );
      }
      const g = await sql.query<{ generation: number }>(
        `UPDATE "Campaign" SET recipients = $2, stats = stats || $3::jsonb, "launchedAt" = COALESCE("launchedAt", $4::timestamp(3))
          WHERE id = $1 RETURNING generation`,
        [c.id, frozen, JSON.stringify({ freeze: stats }), now.toISOString()],
      );
      return { ...stats, generation: g.rows[0]!.generation };
    }
    const g = await sql.query<{ generation: number }>(
      `UPDATE "Campaign"
          SET status = 'RUNNING', "launchedAt" = COALESCE("launchedAt", $2::timestamp(3)), recipients = $3,
              stats = stats || $4::jsonb, generation = generation + 1, "updatedAt" = now()
        WHERE id = $1 RETURNING generation`,
      [c.id, now.toISOString(), frozen, JSON.stringify({ freeze: stats })],
    );
    return { ...stats, generation: g.rows[0]!.generation };
  });
}

/**
 * JOB_LEADS: each open lead reaching the campaign's region goes to at most `perLeadCap` matching
 * people, zero-employment households first (Annex 1), then those with more of the lead's skills;
 * each person gets up to three leads. The leads ride on the row as its numbered choices; the
 * job-leads conversation shows them when the row is sent, and records each as a service contact.
 */
function jobLeadsInsert(c: CampaignRow, ok: string, p: (v: unknown) => string, now: Date): string {
  const leadFilter = c.content.leadIds?.length ? `AND j.id = ANY(${p(c.content.leadIds)}::int[])` : '';
  const cap = c.content.perLeadCap ? `${p(c.content.perLeadCap)}::int` : 'GREATEST(j.slots * 10, 50)';
  const overlap = `cardinality(ARRAY(SELECT unnest(j.skills) INTERSECT SELECT unnest(w.skills)))`;
  return `INSERT INTO "OutboundMessage" (kind, "campaignId", "workerId", channel, language, body, segments, choices, "queuedAt")
    SELECT 'BROADCAST', $1, wid, ch::"Channel", language, '', 1,
           jsonb_agg(jsonb_build_object('key', rk::text, 'label', title, 'leadId', lid) ORDER BY rk),
           ${p(now.toISOString())}::timestamp(3)
      FROM (
        SELECT pairs.*, row_number() OVER (PARTITION BY wid ORDER BY overlap DESC, lid DESC) AS rk
          FROM (
            SELECT cand.wid, cand.ch, cand.language, j.id AS lid, j.title, ${overlap} AS overlap,
                   row_number() OVER (PARTITION BY j.id ORDER BY cand.zero DESC, ${overlap} DESC, cand.wid) AS per_lead,
                   ${cap} AS cap
              FROM cand
              JOIN "Worker" w ON w.id = cand.wid
              JOIN "JobLead" j ON j."regionId" IN (w."countyId", w."cityId", w."provinceId")
             WHERE ${ok}
               AND j.status = 'OPEN' AND (j."expiresAt" IS NULL OR j."expiresAt" > ${p(now.toISOString())}::timestamp(3))
               AND (w."willingToWorkAway" IS DISTINCT FROM false OR (NOT j."outOfProvince" AND j."partnerCity" IS NULL))
               AND (COALESCE(cardinality(j.skills), 0) = 0 OR j.skills && w.skills)
               ${leadFilter}
          ) pairs
         WHERE per_lead <= cap
      ) ranked
     WHERE rk <= 3
     GROUP BY wid, ch, language
    ON CONFLICT ("campaignId", "workerId", channel) DO NOTHING
    RETURNING channel`;
}
