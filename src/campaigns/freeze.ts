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
import { type Audience, audienceSchema, audienceSql, CHANNEL_FOR, OPTED_OUT, type RegionRef } from './audience.js';
import { type Content, contentSchema, textsFor } from './content.js';

export interface FreezeDeps {
  db: Db;
  texts: Texts;
  maxPerDay: number;
  maxPerWeek: number;
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
  // Campaign messages already received recently (this campaign's own rows do not count: a
  // repeated freeze must find the same people).
  const text = `
    SELECT w.id AS wid, w.language, h."zeroEmployment" AS zero, ${CHANNEL_FOR} AS ch,
           ${OPTED_OUT} AS opted,
           (COALESCE(rc.day, 0) >= $4 OR COALESCE(rc.week, 0) >= $5) AS capped
      FROM "Worker" w
      JOIN "Household" h ON h.id = w."householdId"
      LEFT JOIN (SELECT "workerId", count(*) FILTER (WHERE "queuedAt" > $2::timestamp(3)) AS day, count(*) AS week
                   FROM "OutboundMessage"
                  WHERE kind = 'BROADCAST' AND status <> 'CANCELLED' AND "queuedAt" > $3::timestamp(3)
                    AND "campaignId" IS DISTINCT FROM $1
                  GROUP BY "workerId") rc ON rc."workerId" = w.id
     WHERE ${a.where}`;
  return { text, params };
}

const STATS_SELECT = `
  (SELECT count(*) FROM cand)::int AS audience,
  (SELECT count(*) FROM cand WHERE opted)::int AS "optedOut",
  (SELECT count(*) FROM cand WHERE NOT opted AND capped)::int AS capped,
  (SELECT count(*) FROM cand WHERE ch IS NULL AND NOT opted AND NOT capped)::int AS "noAddress"`;

/** The counts a launch would freeze now, without writing anything. */
export async function previewCounts(
  sql: Sql,
  c: CampaignRow,
  deps: Pick<FreezeDeps, 'maxPerDay' | 'maxPerWeek'>,
  now = new Date(),
): Promise<Omit<FreezeStats, 'noMatch' | 'frozen'> & { recipients: number }> {
  const cand = await candidatesSql(sql, c, deps, now);
  const r = await sql.query<FreezeStats & { recipients: number; by: Record<string, number> | null }>(
    `WITH cand AS MATERIALIZED (${cand.text})
     SELECT ${STATS_SELECT},
            (SELECT count(*) FROM cand WHERE ch IS NOT NULL AND NOT opted AND NOT capped)::int AS recipients,
            (SELECT jsonb_object_agg(ch, n) FROM (SELECT ch, count(*)::int AS n FROM cand
                WHERE ch IS NOT NULL AND NOT opted AND NOT capped GROUP BY ch) x) AS by`,
    cand.params,
  );
  const row = r.rows[0]!;
  return {
    audience: row.audience,
    optedOut: row.optedOut,
    capped: row.capped,
    noAddress: row.noAddress,
    recipients: row.recipients,
    byChannel: row.by ?? {},
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

/**
 * Writes the campaign's rows and marks it RUNNING under a new generation, in one transaction.
 * Returns the counts (also stored on the campaign as stats).
 */
export async function freezeCampaign(
  deps: FreezeDeps,
  campaignId: number,
  now = new Date(),
): Promise<FreezeStats & { generation: number }> {
  return inTransaction(deps.db.pool, async (sql) => {
    const c = await loadCampaign(sql, campaignId, true);
    if (!c) throw new Error(`campaign ${campaignId} not found`);
    const cand = await candidatesSql(sql, c, deps, now);
    const params = [...cand.params];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const ok = `cand.ch IS NOT NULL AND NOT cand.opted AND NOT cand.capped`;
    let insert: string;
    if (c.kind === 'JOB_LEADS') {
      insert = jobLeadsInsert(c, ok, p, now);
    } else {
      const texts = await textsFor(sql, deps.texts, c.kind, c.content, c.region, now);
      const b = texts ? bodySql(texts, params) : { body: `''`, segments: '1' };
      insert = `INSERT INTO "OutboundMessage" (kind, "campaignId", "workerId", channel, language, body, segments, "queuedAt")
                SELECT 'BROADCAST', $1, cand.wid, cand.ch::"Channel", cand.language, ${b.body}, ${b.segments}, ${p(now.toISOString())}::timestamp(3)
                  FROM cand WHERE ${ok}
                ON CONFLICT ("campaignId", "workerId", channel) DO NOTHING
                RETURNING channel`;
    }
    const r = await sql.query<
      Omit<FreezeStats, 'frozen' | 'byChannel' | 'noMatch'> & { eligible: number; by: Record<string, number> | null }
    >(
      `WITH cand AS MATERIALIZED (${cand.text}),
            ins AS (${insert})
       SELECT ${STATS_SELECT},
              (SELECT count(*) FROM cand WHERE ${ok})::int AS eligible,
              (SELECT jsonb_object_agg(channel, n) FROM (SELECT channel, count(*)::int AS n FROM ins GROUP BY channel) x) AS by`,
      params,
    );
    const row = r.rows[0]!;
    // Rows frozen by an earlier attempt of this launch count too (ON CONFLICT skipped them).
    const all = await sql.query<{ channel: string; n: number }>(
      `SELECT channel, count(*)::int AS n FROM "OutboundMessage" WHERE "campaignId" = $1 GROUP BY channel`,
      [c.id],
    );
    const byChannel = Object.fromEntries(all.rows.map((x) => [x.channel, x.n]));
    const frozen = all.rows.reduce((s, x) => s + x.n, 0);
    const stats: FreezeStats = {
      audience: row.audience,
      optedOut: row.optedOut,
      capped: row.capped,
      noAddress: row.noAddress,
      noMatch: c.kind === 'JOB_LEADS' ? Math.max(0, row.eligible - frozen) : 0,
      frozen,
      byChannel,
    };
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
