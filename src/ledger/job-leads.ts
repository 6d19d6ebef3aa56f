/**
 * Job leads for conversations: which open leads match a worker, the service contact each shown
 * lead counts as (帮扶记录, §13), and a worker's interest in one.
 */
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';

export interface MatchedLead {
  id: number;
  title: string;
  employer: string;
  place: string;
  wageMin: number | null;
  wageMax: number | null;
}

/**
 * Up to `limit` OPEN, unexpired leads for the worker. A lead matches when:
 * - its region is the worker's county or an ancestor (city, province): county job databases and
 *   the lists pushed down to them (§13);
 * - the worker has not said they are unwilling to work away, or the lead is neither out of the
 *   province nor a partner-city (苏陕协作) placement;
 * - it asks for no skills, or for at least one the worker has (skills columns may be NULL: none).
 * Best first: more skills in common, then the worker's own county, then newest.
 */
export async function matchingJobLeads(sql: Sql, workerId: number, now = new Date(), limit = 3): Promise<MatchedLead[]> {
  const r = await sql.query<MatchedLead>(
    `SELECT j.id, j.title, j.employer, j.place, j."wageMin", j."wageMax"
       FROM "Worker" w
       JOIN "JobLead" j ON j."regionId" IN (w."countyId", w."cityId", w."provinceId")
      WHERE w.id = $1
        AND j.status = 'OPEN'
        AND (j."expiresAt" IS NULL OR j."expiresAt" > $2::timestamp(3))
        AND (w."willingToWorkAway" IS DISTINCT FROM false OR (NOT j."outOfProvince" AND j."partnerCity" IS NULL))
        AND (COALESCE(cardinality(j.skills), 0) = 0 OR j.skills && w.skills)
      ORDER BY cardinality(ARRAY(SELECT unnest(j.skills) INTERSECT SELECT unnest(w.skills))) DESC,
               (j."regionId" = w."countyId") DESC, j."createdAt" DESC, j.id DESC
      LIMIT $3`,
    [workerId, now.toISOString(), limit],
  );
  return r.rows;
}

/** One JOB_LEAD service contact per lead shown to the worker, tied to the message that showed it. */
export async function recordLeadsShown(
  sql: Sql,
  c: { workerId: number; jobLeadIds: number[]; channel: Channel; outboundMessageId?: bigint | null; now?: Date },
): Promise<void> {
  if (c.jobLeadIds.length === 0) return;
  await sql.query(
    `INSERT INTO "ServiceContact" (kind, "workerId", "householdId", channel, "outboundMessageId", "jobLeadId", "occurredAt")
     SELECT 'JOB_LEAD', w.id, w."householdId", $2::"Channel", $3, lead, $5::timestamp(3)
       FROM "Worker" w, unnest($4::int[]) AS lead
      WHERE w.id = $1`,
    [c.workerId, c.channel, c.outboundMessageId?.toString() ?? null, c.jobLeadIds, (c.now ?? new Date()).toISOString()],
  );
}

/** Records the worker's interest in a lead (once per lead and worker); true when it is new. */
export async function recordJobInterest(
  sql: Sql,
  i: { workerId: number; jobLeadId: number; channel: Channel; inboundMessageId?: string | null },
): Promise<boolean> {
  const r = await sql.query(
    `INSERT INTO "JobLeadInterest" ("jobLeadId", "workerId", channel, "inboundMessageId") VALUES ($1, $2, $3::"Channel", $4)
     ON CONFLICT ("jobLeadId", "workerId") DO NOTHING`,
    [i.jobLeadId, i.workerId, i.channel, i.inboundMessageId ?? null],
  );
  return (r.rowCount ?? 0) > 0;
}
