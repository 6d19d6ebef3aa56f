/**
 * The survey's report for staff (set-based SQL: a county's employers in a few statements):
 * - the reporting rate per county and township for a month: monitored employers, those that have
 *   reported (any revision), the rate, and who has not — late once the month is past its due date;
 * - each employer's headcount and poor-household workers over the months (the latest revision of
 *   each month);
 * - the month's headcount-drop alerts.
 */
import type { Sql } from '../db/sql.js';
import { invalid } from '../errors.js';
import { lockAt } from './survey-calendar.js';

export interface RateRow {
  code: string;
  name: string;
  level: 'COUNTY' | 'TOWNSHIP';
  employers: number;
  reported: number;
  /** reported / employers, null without employers. */
  rate: number | null;
}

export interface Unreported {
  id: number;
  name: string;
  township: string;
  contactName: string | null;
  phone: string | null;
  /** Past the due date (the month locked) without a report. */
  late: boolean;
}

export interface AlertRow {
  taskId: number;
  employerId: number;
  employer: string;
  previous: number;
  headcount: number;
  fallPercent: number;
  status: string;
}

export interface SurveyReport {
  month: string;
  /** When the month locks (the 20th of the month after, China time). */
  lockAt: Date;
  rows: RateRow[];
  unreported: Unreported[];
  alerts: AlertRow[];
}

/**
 * The month's survey in a region (a county or township, or above: each county below it): an
 * employer counts when it was monitored during the month (added before the month locked, or it
 * reported the month all the same; not removed before the month began).
 */
export async function surveyReport(sql: Sql, q: { regionCode: string; month: string; now?: Date }): Promise<SurveyReport> {
  if (!/^\d{2,12}$/.test(q.regionCode)) throw invalid('regionCode', 'must be a region code');
  const now = q.now ?? new Date();
  const lock = lockAt(q.month);
  const monthStart = `${q.month}-01`;
  const base = `
    WITH a AS (
      SELECT e.id, e.name, e."contactName", e.phone, e."createdAt", t.code AS township_code, t.name AS township,
             EXISTS (SELECT 1 FROM "EmployerHeadcount" h WHERE h."employerId" = e.id AND h.month = $2) AS reported
        FROM "Employer" e JOIN "Region" t ON t.id = e."regionId"
       WHERE e."isKey" AND t.code LIKE $1 || '%'
         AND (e."removedAt" IS NULL OR e."removedAt" >= ($4::date AT TIME ZONE 'Asia/Shanghai'))
    ), e AS (SELECT * FROM a WHERE reported OR "createdAt" < $3::timestamp(3))`;
  const params = [q.regionCode, q.month, lock.toISOString(), monthStart];
  const rates = await sql.query<RateRow>(
    `${base}
     SELECT r.code, r.name, r.level::text AS level, count(e.id)::int AS employers, count(e.id) FILTER (WHERE e.reported)::int AS reported
       FROM "Region" r JOIN e ON e.township_code LIKE r.code || '%'
      WHERE r.level IN ('COUNTY', 'TOWNSHIP') AND r.code LIKE $1 || '%'
      GROUP BY r.code, r.name, r.level
      ORDER BY r.code`,
    params,
  );
  const unreported = await sql.query<Omit<Unreported, 'late'>>(
    `${base}
     SELECT id, name, township, "contactName", phone FROM e WHERE NOT reported ORDER BY township_code, name, id`,
    params,
  );
  const alerts = await sql.query<AlertRow>(
    `SELECT s.id AS "taskId", (s.details->>'employerId')::int AS "employerId", e.name AS employer,
            (s.details->>'previous')::int AS previous, (s.details->>'headcount')::int AS headcount,
            (s.details->>'fallPercent')::int AS "fallPercent", s.status::text AS status
       FROM "StaffTask" s JOIN "Region" t ON t.id = s."regionId"
       JOIN "Employer" e ON e.id = (s.details->>'employerId')::int
      WHERE s.kind = 'employer_headcount_drop' AND s.details->>'month' = $2 AND t.code LIKE $1 || '%'
      ORDER BY s.id`,
    [q.regionCode, q.month],
  );
  return {
    month: q.month,
    lockAt: lock,
    rows: rates.rows.map((r) => ({ ...r, rate: r.employers > 0 ? r.reported / r.employers : null })),
    unreported: unreported.rows.map((u) => ({ ...u, late: now >= lock })),
    alerts: alerts.rows,
  };
}

export interface SeriesPoint {
  month: string;
  headcount: number;
  povertyWorkers: number;
  revision: number;
}

/** An employer's month-end headcount and poor-household workers, oldest month first (latest revisions). */
export async function employerSeries(sql: Sql, employerId: number, months = 12): Promise<SeriesPoint[]> {
  const r = await sql.query<SeriesPoint>(
    `SELECT * FROM (
       SELECT DISTINCT ON (month) month, headcount, "povertyWorkers", revision
         FROM "EmployerHeadcount" WHERE "employerId" = $1
        ORDER BY month DESC, revision DESC
        LIMIT $2
     ) x ORDER BY month`,
    [employerId, months],
  );
  return r.rows;
}
