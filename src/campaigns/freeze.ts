/**
 * Freezing a campaign's recipients at launch: one INSERT … SELECT writes them as slices
 * (CampaignSlice: up to DISPATCH_SLICE_SIZE people of one channel in worker-id order), then the campaign is
 * marked RUNNING with its text per language. From then on the ledger, not the audience filter,
 * says who gets the campaign: a crash, a retry or a second launch job freezes nobody twice. Each
 * person's OutboundMessage row is written only when their batch is sent (src/campaigns/dispatch.ts).
 */
import type { Db } from '../db/database.js';
import { inTransaction, type Sql } from '../db/sql.js';
import type { CampaignKind } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { type Audience, audienceSchema, audienceSql, channelFor, OPTED_OUT, type RegionRef } from './audience.js';
import { type Content, contentSchema, textsFor } from './content.js';

export interface FreezeDeps {
  db: Db;
  texts: Texts;
  maxPerDay: number;
  maxPerWeek: number;
  /** People per slice: one dispatch job's worth (DISPATCH_SLICE_SIZE). */
  sliceSize: number;
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
 *
 * The frequency cap counts the campaigns launched in the last day and week that include the
 * person: from their frozen slices, or, for a campaign frozen as messages (before slices) or
 * cancelled part-way, from the messages it actually queued. This campaign does not count, so a
 * repeated freeze finds the same people.
 */
async function candidatesSql(sql: Sql, c: CampaignRow, deps: Pick<FreezeDeps, 'maxPerDay' | 'maxPerWeek'>, now: Date) {
  const a = await audienceSql(sql, c.region, c.audience, 6, now);
  const params: unknown[] = [
    c.id,
    new Date(now.getTime() - 86_400_000).toISOString(),
    new Date(now.getTime() - 7 * 86_400_000).toISOString(),
    deps.maxPerDay,
    deps.maxPerWeek,
    ...a.params,
  ];
  const text = `
    WITH recent AS MATERIALIZED (
      SELECT c.id, c."launchedAt" AS at,
             c.status = 'CANCELLED' OR NOT EXISTS (SELECT 1 FROM "CampaignSlice" s WHERE s."campaignId" = c.id) AS by_message
        FROM "Campaign" c WHERE c."launchedAt" > $3::timestamp(3) AND c.id <> $1
    ), rc AS (
      SELECT wid, count(*) FILTER (WHERE at > $2::timestamp(3)) AS day, count(*) AS week FROM (
        SELECT unnest(s."workerIds") AS wid, r.at FROM recent r JOIN "CampaignSlice" s ON s."campaignId" = r.id WHERE NOT r.by_message
        UNION ALL
        SELECT o."workerId", o."queuedAt" FROM recent r JOIN "OutboundMessage" o ON o."campaignId" = r.id
         WHERE r.by_message AND o.kind = 'BROADCAST' AND o.status <> 'CANCELLED' AND o."queuedAt" > $3::timestamp(3)
      ) x GROUP BY wid
    )
    SELECT w.id AS wid, w.language, h."zeroEmployment" AS zero, ${channelFor(c.content.channel)} AS ch,
           ${OPTED_OUT} AS opted,
           (COALESCE(rc.day, 0) >= $4 OR COALESCE(rc.week, 0) >= $5) AS capped
      FROM "Worker" w
      JOIN "Household" h ON h.id = w."householdId"
      LEFT JOIN rc ON rc.wid = w.id
     WHERE ${a.where}`;
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

/**
 * Freezes the campaign into slices, then marks it RUNNING under a new generation, with the counts
 * and (text kinds) the text per language. One statement reads the candidates once, counts who is
 * left out and why, and writes the slices; it runs under a per-campaign advisory lock and writes
 * nothing when slices already exist, so a retried or doubled launch job freezes nobody twice. A
 * crash after the slices were written leaves the campaign SCHEDULED; the retried launch finds the
 * slices, keeps them and starts sending.
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
  const texts = await textsFor(pool, deps.texts, c.kind, c.content, c.region, now);

  const counted = await inTransaction(pool, async (sql) => {
    await sql.query(`SELECT pg_advisory_xact_lock(hashtext('campaign-freeze'), $1)`, [c.id]);
    const done = await sql.query(`SELECT 1 FROM "CampaignSlice" WHERE "campaignId" = $1 LIMIT 1`, [c.id]);
    if (done.rowCount) return null;
    const cand = await candidatesSql(sql, c, deps, now);
    const params = [...cand.params];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const ok = `cand.ch IS NOT NULL AND NOT cand.opted AND NOT cand.capped`;
    // Each person's row in a slice: their id, and (JOB_LEADS) their leads as numbered choices.
    const people =
      c.kind === 'JOB_LEADS'
        ? jobLeadChoices(c, ok, p, now)
        : `SELECT cand.wid, cand.ch, NULL::jsonb AS choices FROM cand WHERE ${ok}`;
    const r = await sql.query<Omit<FreezeStats, 'noMatch' | 'frozen' | 'byChannel' | 'ms'> & { eligible: number }>(
      `WITH cand AS MATERIALIZED (${cand.text}),
       people AS (${people}),
       numbered AS (
         SELECT wid, ch, choices, (row_number() OVER (PARTITION BY ch ORDER BY wid) - 1) / ${p(deps.sliceSize)}::int AS n FROM people
       ), ins AS (
         INSERT INTO "CampaignSlice" ("campaignId", seq, channel, "workerIds", choices)
         SELECT $1, row_number() OVER (ORDER BY ch, n), ch::"Channel", ids, picks
           FROM (SELECT ch, n, array_agg(wid ORDER BY wid) AS ids,
                        ${c.kind === 'JOB_LEADS' ? 'jsonb_agg(choices ORDER BY wid)' : 'NULL::jsonb'} AS picks
                   FROM numbered GROUP BY ch, n) g
       )
       SELECT count(*)::int AS audience,
              count(*) FILTER (WHERE opted)::int AS "optedOut",
              count(*) FILTER (WHERE NOT opted AND capped)::int AS capped,
              count(*) FILTER (WHERE ch IS NULL AND NOT opted AND NOT capped)::int AS "noAddress",
              count(*) FILTER (WHERE ${ok.replaceAll('cand.', '')})::int AS eligible
         FROM cand`,
      params,
    );
    return r.rows[0]!;
  });

  return inTransaction(pool, async (sql) => {
    const locked = await sql.query<{ status: string; stats: { freeze?: FreezeStats } }>(
      `SELECT status, stats FROM "Campaign" WHERE id = $1 FOR UPDATE`,
      [c.id],
    );
    const all = await sql.query<{ channel: string; n: number }>(
      `SELECT channel, sum(cardinality("workerIds"))::int AS n FROM "CampaignSlice" WHERE "campaignId" = $1 GROUP BY channel`,
      [c.id],
    );
    const byChannel = Object.fromEntries(all.rows.map((x) => [x.channel, x.n]));
    const frozen = all.rows.reduce((sum, x) => sum + x.n, 0);
    // Counts of an earlier attempt that wrote the slices (this one found them) stay as they were.
    const earlier = locked.rows[0]?.stats.freeze;
    const stats: FreezeStats = counted
      ? {
          audience: counted.audience,
          optedOut: counted.optedOut,
          capped: counted.capped,
          noAddress: counted.noAddress,
          noMatch: c.kind === 'JOB_LEADS' ? Math.max(0, counted.eligible - frozen) : 0,
          frozen,
          byChannel,
          ms: Date.now() - started,
        }
      : (earlier ?? {
          audience: frozen,
          optedOut: 0,
          capped: 0,
          noAddress: 0,
          noMatch: 0,
          frozen,
          byChannel,
          ms: Date.now() - started,
        });
    const values = [c.id, now.toISOString(), frozen, JSON.stringify({ freeze: stats }), texts ? JSON.stringify(texts) : null];
    if (locked.rows[0]?.status !== 'SCHEDULED') {
      // Cancelled or paused while the slices were written: nothing of it goes out now.
      const g = await sql.query<{ generation: number }>(
        `UPDATE "Campaign" SET recipients = $3, stats = stats || $4::jsonb, texts = $5::jsonb,
                "launchedAt" = COALESCE("launchedAt", $2::timestamp(3))
          WHERE id = $1 RETURNING generation`,
        values,
      );
      return { ...stats, generation: g.rows[0]!.generation };
    }
    const g = await sql.query<{ generation: number }>(
      `UPDATE "Campaign"
          SET status = 'RUNNING', "launchedAt" = COALESCE("launchedAt", $2::timestamp(3)), recipients = $3,
              stats = stats || $4::jsonb, texts = $5::jsonb, generation = generation + 1, "updatedAt" = now()
        WHERE id = $1 RETURNING generation`,
      values,
    );
    return { ...stats, generation: g.rows[0]!.generation };
  });
}

/**
 * JOB_LEADS: each open lead reaching the campaign's region goes to at most `perLeadCap` matching
 * people, zero-employment households first (Annex 1), then those with more of the lead's skills;
 * each person gets up to three leads. The leads ride in the slice as the person's numbered
 * choices; the job-leads conversation shows them when the message is sent, and records each as a
 * service contact.
 */
function jobLeadChoices(c: CampaignRow, ok: string, p: (v: unknown) => string, now: Date): string {
  const leadFilter = c.content.leadIds?.length ? `AND j.id = ANY(${p(c.content.leadIds)}::int[])` : '';
  const cap = c.content.perLeadCap ? `${p(c.content.perLeadCap)}::int` : 'GREATEST(j.slots * 10, 50)';
  const overlap = `cardinality(ARRAY(SELECT unnest(j.skills) INTERSECT SELECT unnest(w.skills)))`;
  return `SELECT wid, ch, jsonb_agg(jsonb_build_object('key', rk::text, 'label', title, 'leadId', lid) ORDER BY rk) AS choices
      FROM (
        SELECT pairs.*, row_number() OVER (PARTITION BY wid ORDER BY overlap DESC, lid DESC) AS rk
          FROM (
            SELECT cand.wid, cand.ch, j.id AS lid, j.title, ${overlap} AS overlap,
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
     GROUP BY wid, ch`;
}
