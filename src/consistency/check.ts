/**
 * A run of the consistency check over a region's subtree: every rule's statement (rules.ts) once,
 * into a temporary table, then three set-based writes keep the findings — a finding still there
 * is seen again, a new one opened, an open one in the region no longer found is resolved — and
 * one writes the villages' tallies (records checked, consistent), from which any region's share
 * of consistent records is a sum. Each village with open findings has one open staff task
 * (kind consistency_findings) that the next run updates rather than duplicates, and closes once
 * the village has none.
 *
 * The whole run is one transaction under one advisory lock, so two runs (a nightly province run
 * and a county's on-demand one) never interleave their writes, and a run that fails leaves the
 * findings as they were.
 */
import type { Db } from '../db/database.js';
import { inTransaction, type Sql } from '../db/sql.js';
import { notFound } from '../errors.js';
import { findRegion, REGION_COLUMN, type RegionRef } from '../staff/scope.js';
import { RULES, type Rule, ruleStatements } from './rules.js';

/** Staff task kind of a village's open findings. */
export const CONSISTENCY_TASK_KIND = 'consistency_findings';

/** Key of the advisory lock every run takes (one run at a time in the ledger). */
const RUN_LOCK = 0x636f6e73; // 'cons'

export type RunTrigger = 'nightly' | 'staff';

export interface RunOptions {
  regionId: number;
  trigger: RunTrigger;
  staffUserId?: number | null;
  /** A queued run (ConsistencyRun row, status queued) to carry out; default a new one. */
  runId?: number;
  /** Title of a new village task (staff read it in Chinese). */
  taskTitle: string;
  now?: Date;
}

export interface RunSummary {
  runId: number;
  region: RegionRef;
  checked: number;
  found: number;
  opened: number;
  resolved: number;
  tasksOpened: number;
  tasksClosed: number;
  byRule: Record<Rule, number>;
  /** Milliseconds per rule's statement, and for the writes after them. */
  timings: Record<string, number>;
}

const FOUND_COLUMNS = `rule, entity, "entityId", "workerId", "householdId", "villageId", "townshipId", "countyId", "cityId",
  "provinceId", details`;

async function timed<T>(timings: Record<string, number>, key: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[key] = Math.round(performance.now() - t0);
  }
}

/** Opens a run row for a later run by the programs worker (on demand); returns its id. */
export async function queueRun(sql: Sql, opts: Pick<RunOptions, 'regionId' | 'trigger' | 'staffUserId'>): Promise<number> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "ConsistencyRun" ("regionId", trigger, "staffUserId", status) VALUES ($1, $2, $3, 'queued') RETURNING id`,
    [opts.regionId, opts.trigger, opts.staffUserId ?? null],
  );
  return r.rows[0]!.id;
}

/** Runs the check over the region's subtree. Throws not_found for a region the ledger lacks. */
export async function runConsistencyCheck(db: Pick<Db, 'pool'>, opts: RunOptions): Promise<RunSummary> {
  const now = opts.now ?? new Date();
  const at = now.toISOString();
  try {
    return await inTransaction(db.pool, (sql) => check(sql, opts, now, at));
  } catch (err) {
    if (opts.runId !== undefined) {
      await db.pool.query(
        `UPDATE "ConsistencyRun" SET status = 'failed', "finishedAt" = $2::timestamp(3), error = $3 WHERE id = $1`,
        [opts.runId, at, String((err as Error).message ?? err).slice(0, 500)],
      );
    }
    throw err;
  }
}

async function check(sql: Sql, opts: RunOptions, now: Date, at: string): Promise<RunSummary> {
  await sql.query('SELECT pg_advisory_xact_lock($1)', [RUN_LOCK]);
  const region = await findRegion(sql, { id: opts.regionId });
  if (!region) throw notFound(`no region ${opts.regionId}`);
  const column = REGION_COLUMN[region.level];
  const runId =
    opts.runId ??
    (
      await sql.query<{ id: number }>(
        `INSERT INTO "ConsistencyRun" ("regionId", trigger, "staffUserId", status) VALUES ($1, $2, $3, 'running') RETURNING id`,
        [opts.regionId, opts.trigger, opts.staffUserId ?? null],
      )
    ).rows[0]!.id;
  await sql.query(`UPDATE "ConsistencyRun" SET status = 'running', "startedAt" = $2::timestamp(3) WHERE id = $1`, [runId, at]);

  const timings: Record<string, number> = {};
  const byRule = Object.fromEntries(RULES.map((r) => [r, 0])) as Record<Rule, number>;
  await sql.query(
    `CREATE TEMP TABLE consistency_found (
       rule text, entity text, "entityId" int, "workerId" int, "householdId" int, "villageId" int, "townshipId" int,
       "countyId" int, "cityId" int, "provinceId" int, details jsonb) ON COMMIT DROP`,
  );
  for (const s of ruleStatements(column)) {
    const r = await timed(timings, s.rule, () =>
      sql.query(`INSERT INTO consistency_found (${FOUND_COLUMNS}) ${s.sql}`, [region.id, ...s.params]),
    );
    byRule[s.rule] = r.rowCount ?? 0;
  }
  await sql.query('CREATE INDEX ON consistency_found (entity, "entityId", rule)');
  await sql.query('ANALYZE consistency_found');

  const key = (a: string, b: string) => `(${a}.entity, ${a}."entityId", ${a}.rule) = (${b}.entity, ${b}."entityId", ${b}.rule)`;
  const resolved = await timed(timings, 'resolve', () =>
    sql.query(
      `UPDATE "ConsistencyFinding" f SET "resolvedAt" = $2::timestamp(3), "resolvedRunId" = $3
        WHERE f."${column}" = $1 AND f."resolvedAt" IS NULL
          AND NOT EXISTS (SELECT 1 FROM consistency_found t WHERE ${key('t', 'f')})`,
      [region.id, at, runId],
    ),
  );
  // A record moved to another village since: its open finding follows it.
  await timed(timings, 'seen', () =>
    sql.query(
      `UPDATE "ConsistencyFinding" f
          SET "lastSeenAt" = $1::timestamp(3), details = t.details, "workerId" = t."workerId", "householdId" = t."householdId",
              "villageId" = t."villageId", "townshipId" = t."townshipId", "countyId" = t."countyId", "cityId" = t."cityId",
              "provinceId" = t."provinceId"
         FROM consistency_found t
        WHERE f."resolvedAt" IS NULL AND ${key('f', 't')}`,
      [at],
    ),
  );
  const opened = await timed(timings, 'open', () =>
    sql.query(
      // The new ones are picked before anything is inserted: probing a table while inserting into
      // it would scan every row this statement already wrote (quadratic on a first province run).
      `WITH fresh AS MATERIALIZED (
         SELECT t.* FROM consistency_found t
          WHERE NOT EXISTS (SELECT 1 FROM "ConsistencyFinding" f WHERE f."resolvedAt" IS NULL AND ${key('f', 't')})
       )
       INSERT INTO "ConsistencyFinding" (${FOUND_COLUMNS}, "foundAt", "foundRunId", "lastSeenAt")
       SELECT ${FOUND_COLUMNS}, $1::timestamp(3), $2, $1::timestamp(3) FROM fresh`,
      [at, runId],
    ),
  );

  const checked = await timed(timings, 'tally', () => writeTallies(sql, column, region.id, runId, at));
  const tasks = await timed(timings, 'tasks', () => keepTasks(sql, column, region.id, runId, opts.taskTitle, at));
  const found = Object.values(byRule).reduce((a, b) => a + b, 0);
  await sql.query(
    `UPDATE "ConsistencyRun"
        SET status = 'finished', "finishedAt" = $2::timestamp(3), checked = $3, found = $4, opened = $5, resolved = $6,
            "tasksOpened" = $7, "byRule" = $8::jsonb, timings = $9::jsonb
      WHERE id = $1`,
    [
      runId,
      new Date(Math.max(Date.now(), now.getTime())).toISOString(),
      checked,
      found,
      opened.rowCount ?? 0,
      resolved.rowCount ?? 0,
      tasks.opened,
      JSON.stringify(byRule),
      JSON.stringify(timings),
    ],
  );
  return {
    runId,
    region,
    checked,
    found,
    opened: opened.rowCount ?? 0,
    resolved: resolved.rowCount ?? 0,
    tasksOpened: tasks.opened,
    tasksClosed: tasks.closed,
    byRule,
    timings,
  };
}

/**
 * Replaces the tallies of the region's villages: records = workers + households; a record is
 * inconsistent when it has a finding (a family contact's counts against its worker). Villages
 * without records any more lose their tally. Returns the records checked.
 */
async function writeTallies(sql: Sql, column: string, regionId: number, runId: number, at: string): Promise<number> {
  const r = await sql.query<{ records: string | null }>(
    `WITH rec AS (
       SELECT "villageId", "townshipId", "countyId", "cityId", "provinceId", count(*)::int AS n
         FROM "Worker" WHERE "${column}" = $1 GROUP BY 1, 2, 3, 4, 5
       UNION ALL
       SELECT "villageId", "townshipId", "countyId", "cityId", "provinceId", count(*)::int
         FROM "Household" WHERE "${column}" = $1 GROUP BY 1, 2, 3, 4, 5
     ), v AS (
       SELECT "villageId", min("townshipId") AS "townshipId", min("countyId") AS "countyId", min("cityId") AS "cityId",
              min("provinceId") AS "provinceId", sum(n)::int AS records
         FROM rec GROUP BY "villageId"
     ), bad AS (
       SELECT "villageId",
              (count(DISTINCT "workerId") FILTER (WHERE entity <> 'Household')
               + count(DISTINCT "householdId") FILTER (WHERE entity = 'Household'))::int AS n
         FROM consistency_found GROUP BY "villageId"
     ), gone AS (
       DELETE FROM "ConsistencyTally" t WHERE t."${column}" = $1 AND NOT EXISTS (SELECT 1 FROM v WHERE v."villageId" = t."villageId")
     ), up AS (
       INSERT INTO "ConsistencyTally" ("villageId", "townshipId", "countyId", "cityId", "provinceId", records, consistent, "runId",
                                       "checkedAt")
       SELECT v."villageId", v."townshipId", v."countyId", v."cityId", v."provinceId", v.records,
              GREATEST(v.records - COALESCE(bad.n, 0), 0), $2, $3::timestamp(3)
         FROM v LEFT JOIN bad ON bad."villageId" = v."villageId"
       ON CONFLICT ("villageId") DO UPDATE
          SET "townshipId" = EXCLUDED."townshipId", "countyId" = EXCLUDED."countyId", "cityId" = EXCLUDED."cityId",
              "provinceId" = EXCLUDED."provinceId", records = EXCLUDED.records, consistent = EXCLUDED.consistent,
              "runId" = EXCLUDED."runId", "checkedAt" = EXCLUDED."checkedAt"
     )
     SELECT sum(records)::text AS records FROM v`,
    [regionId, runId, at],
  );
  return Number(r.rows[0]?.records ?? 0);
}

/**
 * One open task per village with open findings: opened when the village has none open, else
 * brought up to date (count, run); an open one of a village left without findings is closed.
 */
async function keepTasks(
  sql: Sql,
  column: string,
  regionId: number,
  runId: number,
  title: string,
  at: string,
): Promise<{ opened: number; closed: number }> {
  const r = await sql.query<{ opened: number; closed: number }>(
    `WITH v AS (
       SELECT "villageId", count(*)::int AS n, jsonb_object_agg(rule, c) AS "byRule"
         FROM (SELECT "villageId", rule, count(*)::int AS c FROM consistency_found GROUP BY 1, 2) x
        GROUP BY "villageId"
     ), open_tasks AS (
       SELECT t.id, t."regionId" FROM "StaffTask" t
        WHERE t.kind = $2 AND t.status = 'OPEN'
          AND EXISTS (SELECT 1 FROM "ConsistencyTally" g WHERE g."villageId" = t."regionId" AND g."${column}" = $1)
     ), updated AS (
       UPDATE "StaffTask" t SET details = t.details || jsonb_build_object('findings', v.n, 'byRule', v."byRule", 'runId', $3::int)
         FROM v WHERE t.id IN (SELECT id FROM open_tasks) AND t."regionId" = v."villageId"
     ), opened AS (
       INSERT INTO "StaffTask" (kind, "regionId", title, details)
       SELECT $2, v."villageId", $4, jsonb_build_object('findings', v.n, 'byRule', v."byRule", 'runId', $3::int)
         FROM v WHERE NOT EXISTS (SELECT 1 FROM open_tasks o WHERE o."regionId" = v."villageId")
       RETURNING id
     ), closed AS (
       UPDATE "StaffTask" t
          SET status = 'DONE', "closedAt" = $5::timestamp(3),
              details = t.details || jsonb_build_object('closedBecause', 'consistent', 'findings', 0, 'runId', $3::int)
        WHERE t.id IN (SELECT id FROM open_tasks) AND NOT EXISTS (SELECT 1 FROM v WHERE v."villageId" = t."regionId")
       RETURNING id
     )
     SELECT (SELECT count(*)::int FROM opened) AS opened, (SELECT count(*)::int FROM closed) AS closed`,
    [regionId, CONSISTENCY_TASK_KIND, runId, title, at],
  );
  return r.rows[0] ?? { opened: 0, closed: 0 };
}
