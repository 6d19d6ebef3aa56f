/**
 * Job leads for conversations: which open leads match a worker, the service contact each shown
 * lead counts as (帮扶记录, §13), and a worker's interest in one.
 */
import type { Pool } from 'pg';
import { inTransaction, type Sql } from '../db/sql.js';
import { forbidden, notFound } from '../errors.js';
import type { Channel, JobLeadStatus } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, type RegionRef, type Staff } from '../staff/scope.js';

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

// ───────────────────────────── Staff: the county job database (§13) ─────────────────────────────

/** What staff write on a job lead. */
export interface JobLeadFields {
  title: string;
  employer: string;
  place: string;
  industry?: string | null;
  wageMin?: number | null;
  wageMax?: number | null;
  slots?: number;
  requirements?: string | null;
  skills?: string[];
  outOfProvince?: boolean;
  /** A Jiangsu partner city (苏陕协作 placements). */
  partnerCity?: string | null;
  source?: string | null;
  expiresAt?: Date | null;
}

/** A lead as staff read it: status as it stands now (an OPEN lead past expiresAt reads EXPIRED), with its counts. */
export interface JobLeadView {
  id: number;
  regionId: number;
  regionCode: string;
  regionName: string;
  title: string;
  employer: string;
  place: string;
  industry: string | null;
  wageMin: number | null;
  wageMax: number | null;
  slots: number;
  requirements: string | null;
  skills: string[];
  outOfProvince: boolean;
  partnerCity: string | null;
  source: string | null;
  status: JobLeadStatus;
  expiresAt: Date | null;
  createdById: number | null;
  createdAt: Date;
  updatedAt: Date;
  /** Workers who said they are interested (有意向). */
  interests: number;
  /** Service contacts (帮扶记录) the lead counts as: each time it was shown to a worker. */
  serviceContacts: number;
}

/** Creates a lead in a region; returns its id. */
export async function createJobLead(
  sql: Sql,
  lead: JobLeadFields & { regionId: number; createdById: number | null; now?: Date },
): Promise<number> {
  const now = (lead.now ?? new Date()).toISOString();
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "JobLead" ("regionId", title, employer, place, industry, "wageMin", "wageMax", slots, requirements, skills,
                            "outOfProvince", "partnerCity", source, "expiresAt", "createdById", "createdAt", "updatedAt")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11, $12, $13, $14::timestamp(3), $15, $16::timestamp(3), $16::timestamp(3))
     RETURNING id`,
    [
      lead.regionId,
      lead.title,
      lead.employer,
      lead.place,
      lead.industry ?? null,
      lead.wageMin ?? null,
      lead.wageMax ?? null,
      lead.slots ?? 1,
      lead.requirements ?? null,
      lead.skills ?? [],
      lead.outOfProvince ?? false,
      lead.partnerCity ?? null,
      lead.source ?? null,
      lead.expiresAt?.toISOString() ?? null,
      lead.createdById,
      now,
    ],
  );
  return r.rows[0]!.id;
}

const UPDATABLE = {
  title: 'title',
  employer: 'employer',
  place: 'place',
  industry: 'industry',
  wageMin: '"wageMin"',
  wageMax: '"wageMax"',
  slots: 'slots',
  requirements: 'requirements',
  skills: 'skills',
  outOfProvince: '"outOfProvince"',
  partnerCity: '"partnerCity"',
  source: 'source',
  expiresAt: '"expiresAt"',
  regionId: '"regionId"',
  status: 'status',
} as const;

export type JobLeadPatch = Partial<JobLeadFields & { regionId: number; status: JobLeadStatus }>;

/** Changes the given fields of a lead (undefined fields stay); false when there is no such lead. */
export async function updateJobLead(sql: Sql, id: number, patch: JobLeadPatch, now = new Date()): Promise<boolean> {
  const sets: string[] = [];
  const values: unknown[] = [id, now.toISOString()];
  for (const [key, column] of Object.entries(UPDATABLE) as [keyof typeof UPDATABLE, string][]) {
    const v = patch[key];
    if (v === undefined) continue;
    values.push(v instanceof Date ? v.toISOString() : v);
    const cast =
      key === 'expiresAt' ? '::timestamp(3)' : key === 'skills' ? '::text[]' : key === 'status' ? '::"JobLeadStatus"' : '';
    sets.push(`${column} = $${values.length}${cast}`);
  }
  const r = await sql.query(
    `UPDATE "JobLead" SET ${[...sets, `"updatedAt" = $2::timestamp(3)`].join(', ')} WHERE id = $1`,
    values,
  );
  return (r.rowCount ?? 0) > 0;
}

/** Takes a lead off the job database now: status EXPIRED, expiresAt no later than now. */
export async function expireJobLead(sql: Sql, id: number, now = new Date()): Promise<boolean> {
  const r = await sql.query(
    `UPDATE "JobLead" SET status = 'EXPIRED', "expiresAt" = LEAST(COALESCE("expiresAt", $2::timestamp(3)), $2::timestamp(3)),
            "updatedAt" = $2::timestamp(3)
      WHERE id = $1`,
    [id, now.toISOString()],
  );
  return (r.rowCount ?? 0) > 0;
}

/** The status a lead has now: an OPEN lead whose expiresAt has passed is EXPIRED. ($1: now) */
const EFFECTIVE_STATUS = `CASE WHEN j.status = 'OPEN' AND j."expiresAt" IS NOT NULL AND j."expiresAt" <= $1::timestamp(3)
                               THEN 'EXPIRED'::"JobLeadStatus" ELSE j.status END`;

const VIEW_COLUMNS = `j.id, j."regionId", g.code AS "regionCode", g.name AS "regionName", j.title, j.employer, j.place, j.industry,
  j."wageMin", j."wageMax", j.slots, j.requirements, COALESCE(j.skills, '{}') AS skills, j."outOfProvince", j."partnerCity",
  j.source, ${EFFECTIVE_STATUS} AS status, j."expiresAt", j."createdById", j."createdAt", j."updatedAt"`;

type LeadRow = Omit<JobLeadView, 'interests' | 'serviceContacts'>;

/** Adds interest and service-contact counts to leads, with one grouped query each. */
async function withCounts(sql: Sql, rows: LeadRow[]): Promise<JobLeadView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [interests, contacts] = await Promise.all([
    sql.query<{ id: number; n: string }>(
      `SELECT "jobLeadId" AS id, count(*) AS n FROM "JobLeadInterest" WHERE "jobLeadId" = ANY($1::int[]) GROUP BY 1`,
      [ids],
    ),
    sql.query<{ id: number; n: string }>(
      `SELECT "jobLeadId" AS id, count(*) AS n FROM "ServiceContact" WHERE "jobLeadId" = ANY($1::int[]) GROUP BY 1`,
      [ids],
    ),
  ]);
  const i = new Map(interests.rows.map((r) => [r.id, Number(r.n)]));
  const c = new Map(contacts.rows.map((r) => [r.id, Number(r.n)]));
  return rows.map((r) => ({ ...r, interests: i.get(r.id) ?? 0, serviceContacts: c.get(r.id) ?? 0 }));
}

/** One lead as staff read it, or null. */
export async function getJobLead(sql: Sql, id: number, now = new Date()): Promise<JobLeadView | null> {
  const r = await sql.query<LeadRow>(
    `SELECT ${VIEW_COLUMNS} FROM "JobLead" j JOIN "Region" g ON g.id = j."regionId" WHERE j.id = $2`,
    [now.toISOString(), id],
  );
  const [lead] = await withCounts(sql, r.rows);
  return lead ?? null;
}

export interface JobLeadQuery {
  /** Leads of regions whose code starts with this (a scope, or a region filter inside it). */
  regionCodePrefix: string;
  /** Status as it stands now (EXPIRED includes OPEN leads past their expiresAt). */
  status?: JobLeadStatus;
  /** Leads with an id below this (newest first). */
  beforeId?: number;
  /** Skip this many (page-numbered lists). */
  offset?: number;
  limit: number;
}

/** Leads newest first, by region subtree and status. */
export async function listJobLeads(sql: Sql, q: JobLeadQuery, now = new Date()): Promise<JobLeadView[]> {
  const r = await sql.query<LeadRow>(
    `SELECT ${VIEW_COLUMNS} FROM "JobLead" j JOIN "Region" g ON g.id = j."regionId"
      WHERE starts_with(g.code, $2) AND ($3::"JobLeadStatus" IS NULL OR ${EFFECTIVE_STATUS} = $3::"JobLeadStatus")
        AND ($4::int IS NULL OR j.id < $4)
      ORDER BY j.id DESC LIMIT $5 OFFSET $6`,
    [now.toISOString(), q.regionCodePrefix, q.status ?? null, q.beforeId ?? null, q.limit, q.offset ?? 0],
  );
  return withCounts(sql, r.rows);
}

// ───────────────────── Staff actions (API and console): scope, role, audit ─────────────────────

/** The lead when it exists inside the caller's scope; 404 otherwise (outside reads as missing). */
export async function jobLeadInScope(sql: Sql, staff: Pick<Staff, 'regionCode'>, id: number): Promise<JobLeadView> {
  const lead = await getJobLead(sql, id);
  if (!lead || !codeInScope(staff, lead.regionCode)) throw notFound(`no job lead ${id}`);
  return lead;
}

function requireWriter(staff: Staff): void {
  if (staff.role === 'VIEWER') throw forbidden('viewers cannot change job leads');
}

/** Adds a lead to a region the caller resolved inside their scope; audited with `details`. */
export async function addJobLead(
  pool: Pool,
  staff: Staff,
  region: RegionRef,
  fields: JobLeadFields,
  details: Record<string, unknown>,
): Promise<JobLeadView> {
  requireWriter(staff);
  if (!codeInScope(staff, region.code)) throw forbidden(`region ${region.code} is outside your scope`);
  const id = await inTransaction(pool, async (tx) => {
    const leadId = await createJobLead(tx, { ...fields, regionId: region.id, createdById: staff.userId });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'job_lead.create',
      entity: 'JobLead',
      entityId: leadId,
      regionId: region.id,
      details: { ...details, regionId: region.id, regionCode: region.code },
    });
    return leadId;
  });
  return (await getJobLead(pool, id))!;
}

/** Takes a lead of the caller's scope off the job database now; audited. */
export async function expireJobLeadAsStaff(pool: Pool, staff: Staff, id: number): Promise<JobLeadView> {
  const lead = await jobLeadInScope(pool, staff, id);
  requireWriter(staff);
  await inTransaction(pool, async (tx) => {
    await expireJobLead(tx, lead.id);
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'job_lead.expire',
      entity: 'JobLead',
      entityId: lead.id,
      regionId: lead.regionId,
      details: { previousStatus: lead.status },
    });
  });
  return (await getJobLead(pool, lead.id))!;
}

/** A worker who said 有意向 to a lead: when, on which channel, and where they live. */
export interface JobLeadInterestView {
  workerId: number;
  name: string;
  phone: string | null;
  villageName: string;
  townshipName: string;
  channel: Channel;
  createdAt: Date;
}

/** The workers interested in a lead, newest first (the lead's scope was checked by the caller). */
export async function listJobLeadInterests(
  sql: Sql,
  leadId: number,
  page: { limit: number; offset?: number },
): Promise<JobLeadInterestView[]> {
  const r = await sql.query<JobLeadInterestView>(
    `SELECT w.id AS "workerId", w.name, w.phone, v.name AS "villageName", t.name AS "townshipName", i.channel, i."createdAt"
       FROM "JobLeadInterest" i
       JOIN "Worker" w ON w.id = i."workerId"
       JOIN "Region" v ON v.id = w."villageId"
       JOIN "Region" t ON t.id = w."townshipId"
      WHERE i."jobLeadId" = $1
      ORDER BY i."createdAt" DESC, i.id DESC LIMIT $2 OFFSET $3`,
    [leadId, page.limit, page.offset ?? 0],
  );
  return r.rows;
}
