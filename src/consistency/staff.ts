/**
 * What staff read and do with the consistency check, for the API, the CLI (through the API) and
 * the console alike: a region's overview (share of consistent records, last run, open findings per
 * village and rule), the findings with the rule each breaks, the runs, and a check asked for now.
 * Everything is scoped to the staff user's region: a finding or run outside it answers 404, a
 * region outside it 403. Asking for a run needs ADMIN or OPERATOR and is audited.
 */
import type { Db } from '../db/database.js';
import { inTransaction, type Sql } from '../db/sql.js';
import { DomainError, forbidden, notFound } from '../errors.js';
import type { Queues } from '../queues/queues.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, findRegion, REGION_COLUMN, type RegionRef, regionWithin, type Staff } from '../staff/scope.js';
import { queueRun } from './check.js';
import { RULES, type Rule } from './rules.js';
import { type ConsistentShare, regionShare } from './share.js';

/** A region named by code, which must lie inside the staff user's scope; their own region by default. */
export async function scopeRegion(sql: Sql, staff: Staff, code?: string | null): Promise<RegionRef> {
  const region = await findRegion(sql, code ? { code } : { id: staff.regionId });
  if (!region) throw new DomainError(400, 'unknown_region', `no region ${code} in the ledger`);
  if (!codeInScope(staff, region.code)) throw forbidden(`region ${region.code} is outside your scope`);
  return region;
}

export interface RunView {
  id: number;
  region: { id: number; code: string; name: string };
  trigger: string;
  staffUserId: number | null;
  status: 'queued' | 'running' | 'finished' | 'failed';
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  checked: number;
  found: number;
  opened: number;
  resolved: number;
  tasksOpened: number;
  byRule: Record<string, number>;
  timings: Record<string, number>;
  error: string | null;
}

const RUN_SELECT = `SELECT r.id, jsonb_build_object('id', g.id, 'code', g.code, 'name', g.name) AS region, r.trigger,
       r."staffUserId", r.status, r."queuedAt", r."startedAt", r."finishedAt", r.checked, r.found, r.opened, r.resolved,
       r."tasksOpened", r."byRule", r.timings, r.error
  FROM "ConsistencyRun" r JOIN "Region" g ON g.id = r."regionId"`;

/** A run covers a region when its own region is that region or above it. */
const covers = (run: RunView, region: Pick<RegionRef, 'code'>) => regionWithin(run.region, region);

/** Runs that checked the region or a region inside it, or a region above it (the nightly province run), newest first. */
export async function listRuns(sql: Sql, region: RegionRef, limit: number): Promise<RunView[]> {
  // Runs are few (one a night per province, and the ones staff ask for): the newest are read and
  // matched by region code, in both directions, as scope decides everywhere.
  const r = await sql.query<RunView>(`${RUN_SELECT} ORDER BY r.id DESC LIMIT 1000`);
  return r.rows.filter((run) => covers(run, region) || regionWithin(region, run.region)).slice(0, limit);
}

/** One run the staff user may see (one of their scope, or one covering it); 404 otherwise. */
export async function runInScope(sql: Sql, staff: Staff, id: number): Promise<RunView> {
  const r = await sql.query<RunView>(`${RUN_SELECT} WHERE r.id = $1`, [id]);
  const run = r.rows[0];
  const home = { code: staff.regionCode };
  if (!run || !(codeInScope(staff, run.region.code) || regionWithin(run.region, home)))
    throw notFound(`no consistency run ${id}`);
  return run;
}

/**
 * Queues a check of the region (inside the caller's scope) and audits it; the caller puts the
 * job on the programs queue after this commits. Returns the run's id.
 */
export async function requestRun(sql: Sql, staff: Staff, region: RegionRef): Promise<number> {
  if (staff.role === 'VIEWER') throw forbidden('viewers read only: a check needs OPERATOR or ADMIN');
  if (!codeInScope(staff, region.code)) throw forbidden(`region ${region.code} is outside your scope`);
  const id = await queueRun(sql, { regionId: region.id, trigger: 'staff', staffUserId: staff.userId });
  await recordAudit(sql, {
    staffUserId: staff.userId,
    action: 'consistency.run',
    entity: 'ConsistencyRun',
    entityId: id,
    regionId: region.id,
    details: { regionCode: region.code },
  });
  return id;
}

export interface VillageFindings {
  village: { id: number; code: string; name: string };
  township: string;
  open: number;
  byRule: Partial<Record<Rule, number>>;
}

export interface Overview {
  region: RegionRef;
  share: ConsistentShare;
  lastRun: RunView | null;
  open: number;
  byRule: Record<Rule, number>;
  villages: VillageFindings[];
}

/** The region's share of consistent records, its last finished run, and its open findings per village and rule. */
export async function consistencyOverview(sql: Sql, region: RegionRef, villageLimit = 500): Promise<Overview> {
  const col = REGION_COLUMN[region.level];
  const v = await sql.query<{ id: number; code: string; name: string; township: string; byRule: Record<Rule, number> }>(
    `SELECT v.id, v.code, v.name, t.name AS township, x."byRule"
       FROM (SELECT "villageId", jsonb_object_agg(rule, n) AS "byRule"
               FROM (SELECT "villageId", rule, count(*)::int AS n FROM "ConsistencyFinding"
                      WHERE "${col}" = $1 AND "resolvedAt" IS NULL GROUP BY 1, 2) f
              GROUP BY "villageId") x
       JOIN "Region" v ON v.id = x."villageId"
       LEFT JOIN "Region" t ON t.id = v."parentId"
      ORDER BY v.code
      LIMIT $2`,
    [region.id, villageLimit],
  );
  const byRule = Object.fromEntries(RULES.map((r) => [r, 0])) as Record<Rule, number>;
  const villages = v.rows.map((row) => {
    const open = Object.values(row.byRule).reduce((a, b) => a + b, 0);
    return { village: { id: row.id, code: row.code, name: row.name }, township: row.township, open, byRule: row.byRule };
  });
  const totals = await sql.query<{ rule: Rule; n: number }>(
    `SELECT rule, count(*)::int AS n FROM "ConsistencyFinding" WHERE "${col}" = $1 AND "resolvedAt" IS NULL GROUP BY rule`,
    [region.id],
  );
  for (const t of totals.rows) byRule[t.rule] = t.n;
  const runs = await listRuns(sql, region, 50);
  return {
    region,
    share: await regionShare(sql, region),
    lastRun: runs.find((r) => r.status === 'finished' && covers(r, region)) ?? null,
    open: totals.rows.reduce((a, t) => a + t.n, 0),
    byRule,
    villages,
  };
}

export interface FindingView {
  id: number;
  rule: Rule;
  entity: 'Worker' | 'Household' | 'FamilyContact';
  entityId: number;
  worker: { id: number; name: string } | null;
  household: { id: number; code: string; headName: string | null };
  village: { id: number; code: string; name: string };
  details: Record<string, unknown>;
  foundAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
}

export interface FindingQuery {
  rule?: Rule;
  /** open (default), resolved, or all. */
  state?: 'open' | 'resolved' | 'all';
  /** Findings with an id below this (newest first). */
  before?: number;
  limit: number;
}

const FINDING_SELECT = `SELECT f.id, f.rule, f.entity, f."entityId",
       CASE WHEN w.id IS NOT NULL THEN jsonb_build_object('id', w.id, 'name', w.name) END AS worker,
       jsonb_build_object('id', h.id, 'code', h.code, 'headName', h."headName") AS household,
       jsonb_build_object('id', v.id, 'code', v.code, 'name', v.name) AS village,
       f.details, f."foundAt", f."lastSeenAt", f."resolvedAt"
  FROM "ConsistencyFinding" f
  JOIN "Region" v ON v.id = f."villageId"
  JOIN "Household" h ON h.id = f."householdId"
  LEFT JOIN "Worker" w ON w.id = f."workerId"`;

/** Findings of the region (any level: a village gives that village's), newest first. */
export async function listFindings(
  sql: Sql,
  region: RegionRef,
  q: FindingQuery,
): Promise<{ items: FindingView[]; nextCursor: number | null }> {
  const state = q.state ?? 'open';
  const r = await sql.query<FindingView>(
    `${FINDING_SELECT}
      WHERE f."${REGION_COLUMN[region.level]}" = $1
        AND ($2::text IS NULL OR f.rule = $2)
        AND ($3 = 'all' OR (f."resolvedAt" IS NULL) = ($3 = 'open'))
        AND ($4::int IS NULL OR f.id < $4)
      ORDER BY f.id DESC
      LIMIT $5`,
    [region.id, q.rule ?? null, state, q.before ?? null, q.limit + 1],
  );
  const items = r.rows.slice(0, q.limit);
  return { items, nextCursor: r.rows.length > q.limit ? items[items.length - 1]!.id : null };
}

/** One finding inside the staff user's scope; 404 otherwise. */
export async function findingInScope(sql: Sql, staff: Staff, id: number): Promise<FindingView> {
  const r = await sql.query<FindingView>(`${FINDING_SELECT} WHERE f.id = $1`, [id]);
  const f = r.rows[0];
  if (!f || !codeInScope(staff, f.village.code)) throw notFound(`no consistency finding ${id}`);
  return f;
}

/**
 * Asks for a check of the region now: the queued run and its audit entry commit together, then
 * the run goes on the programs queue (the routine `consistency-check` with its id). Returns the run.
 */
export async function startRun(
  deps: { db: Pick<Db, 'pool'>; queues: Pick<Queues, 'programs'> },
  staff: Staff,
  region: RegionRef,
): Promise<RunView> {
  const id = await inTransaction(deps.db.pool, (sql) => requestRun(sql, staff, region));
  try {
    await deps.queues.programs.add(
      'consistency-check',
      { routine: 'consistency-check', runId: id },
      { jobId: `consistency-run-${id}`, attempts: 1, removeOnComplete: 100, removeOnFail: 100 },
    );
  } catch (err) {
    // Not on the queue: say so on the run rather than leave it queued for ever.
    await deps.db.pool.query(
      `UPDATE "ConsistencyRun" SET status = 'failed', "finishedAt" = $3::timestamp(3), error = $2 WHERE id = $1 AND status = 'queued'`,
      [id, `could not be queued: ${(err as Error).message}`.slice(0, 500), new Date().toISOString()],
    );
    throw err;
  }
  return runInScope(deps.db.pool, staff, id);
}
