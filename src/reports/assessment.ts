/**
 * The county assessment (§22): what the annual poverty-alleviation assessment looks at in
 * employment — zero-employment households cleared (动态清零), poor workers working away this year
 * against last year, Jiangsu–Shaanxi cooperation placements (苏陕协作), ledger use (台账使用管理)
 * and the share of consistent records — for a region and per group below it, as of `now`, for
 * the China calendar year of `now` (this year, to date) and the year before. Definitions (README,
 * "County assessment"):
 *
 * - zero-employment: ZeroEmploymentSpell of the region's households — on the list now (not
 *   cleared), entered this year, cleared this year, of those cleared within 30 days (Annex 1: one
 *   person employed within a month), and the median and mean days from entering to clearing.
 * - working away: a worker counts for a year when a status of theirs in 省内县外, 省外 or 苏陕协作
 *   held on some day of it — an employment event in such a status effective before the year ends,
 *   whose next event (by the ledger's status order) takes effect after the year began, or never.
 *   So a worker away since last year counts for both years. 苏陕协作 alone for the cooperation.
 * - ledger use: workers whose status was reported or confirmed in the 7 days before `now` (§3),
 *   of all workers; services (job lead, training offer, staff call or visit, job referral) given
 *   this year to date per willing worker (labour, and neither 丧失劳动能力 nor 暂时无就业意愿).
 * - consistency: the share of records without a finding in the latest consistency run
 *   (src/consistency, `consistentShare`).
 */
import { consistentShare } from '../consistency/index.js';
import type { Db } from '../db/database.js';
import type { Sql } from '../db/sql.js';
import { CHINA_UTC_OFFSET_MS, shanghaiDate, shanghaiDay } from '../ledger/china-time.js';
import { SERVICE_KINDS, STALE_AFTER_MS } from '../ledger/program-rules.js';
import { int, NOT_WILLING_STATUSES, numOrNull, percent, totalAndGroups } from './common.js';
import type { Column } from './export.js';
import { type GroupBy, groupLevel, type RegionLevel, type ResolvedScope, regionColumn } from './scope.js';

/** Statuses that count as working away from home (外出务工): outside the county. */
export const AWAY_STATUSES = ['EMPLOYED_IN_PROVINCE', 'EMPLOYED_OUT_OF_PROVINCE', 'EMPLOYED_JIANGSU'] as const;
/** Annex 1: a zero-employment household should have someone employed within a month. */
export const CLEAR_WITHIN_DAYS = 30;

export interface AssessmentRow {
  regionId: number;
  code: string;
  name: string;
  zeroOpen: number;
  zeroEntered: number;
  zeroCleared: number;
  zeroClearedWithinMonth: number;
  zeroClearedWithinMonthPercent: number | null;
  medianDaysToClear: number | null;
  meanDaysToClear: number | null;
  awayThisYear: number;
  awayLastYear: number;
  /** awayThisYear − awayLastYear. */
  awayChange: number;
  jiangsuThisYear: number;
  jiangsuLastYear: number;
  jiangsuChange: number;
  workers: number;
  confirmedLast7Days: number;
  confirmedPercent: number | null;
  willingWorkers: number;
  servicesThisYear: number;
  /** servicesThisYear ÷ willingWorkers, two decimals. */
  servicesPerWilling: number | null;
  consistencyChecked: number;
  consistentRecords: number;
  consistentPercent: number | null;
}

export interface AssessmentReport {
  report: 'assessment';
  scope: ResolvedScope;
  groupLevel: RegionLevel;
  year: number;
  asOf: string;
  total: AssessmentRow;
  groups: AssessmentRow[];
}

interface ZeroSqlRow {
  g: number | null;
  open: string;
  entered: string;
  cleared: string;
  within: string;
  median: string | null;
  mean: string | null;
}
interface AwaySqlRow {
  g: number | null;
  awayThis: string;
  awayLast: string;
  jsThis: string;
  jsLast: string;
}
interface UseSqlRow {
  g: number | null;
  workers: string;
  fresh: string;
  willing: string;
}
interface ServiceSqlRow {
  g: number | null;
  services: string;
}

/** Start of a China calendar year as an instant, and as a date. */
const yearStart = (y: number) => new Date(Date.UTC(y, 0, 1) - CHINA_UTC_OFFSET_MS);

export async function countyAssessment(
  sql: Sql,
  scope: ResolvedScope,
  opts: { by?: GroupBy | RegionLevel; now?: Date } = {},
): Promise<AssessmentReport> {
  const now = opts.now ?? new Date();
  const level = groupLevel(scope, opts.by);
  const g = regionColumn(level);
  const s = regionColumn(scope.level);
  const [year] = shanghaiDate(now);
  const y0 = yearStart(year).toISOString();
  const ly0Day = `${year - 1}-01-01`;
  const y0Day = `${year}-01-01`;
  const today = shanghaiDay(now);
  const sets = (col: string) => `GROUPING SETS ((${col}), ())`;

  const zero = sql.query<ZeroSqlRow>(
    `SELECT h."${g}" AS g,
            count(*) FILTER (WHERE z."enteredAt" <= $3 AND (z."clearedAt" IS NULL OR z."clearedAt" > $3)) AS open,
            count(*) FILTER (WHERE z."enteredAt" >= $2 AND z."enteredAt" <= $3) AS entered,
            count(*) FILTER (WHERE z."clearedAt" >= $2 AND z."clearedAt" <= $3) AS cleared,
            count(*) FILTER (WHERE z."clearedAt" >= $2 AND z."clearedAt" <= $3
                               AND z."clearedAt" - z."enteredAt" <= make_interval(days => $4)) AS within,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM z."clearedAt" - z."enteredAt") / 86400)
              FILTER (WHERE z."clearedAt" >= $2 AND z."clearedAt" <= $3) AS median,
            avg(extract(epoch FROM z."clearedAt" - z."enteredAt") / 86400)
              FILTER (WHERE z."clearedAt" >= $2 AND z."clearedAt" <= $3) AS mean
       FROM "ZeroEmploymentSpell" z
       JOIN "Household" h ON h.id = z."householdId"
      WHERE h."${s}" = $1
      GROUP BY ${sets(`h."${g}"`)}`,
    [scope.regionId, y0, now.toISOString(), CLEAR_WITHIN_DAYS],
  );

  // Each event's status holds from its effective date until the next event's (the ledger's order).
  const away = sql.query<AwaySqlRow>(
    `WITH ev AS (
       SELECT e."workerId", w."${g}" AS g, e.status, e."effectiveDate",
              lead(e."effectiveDate") OVER (PARTITION BY e."workerId" ORDER BY e."effectiveDate", e."reportedAt", e.id) AS until
         FROM "EmploymentEvent" e
         JOIN "Worker" w ON w.id = e."workerId"
        WHERE w."${s}" = $1 AND e."effectiveDate" <= $5::date
     )
     SELECT g,
            count(DISTINCT "workerId") FILTER (WHERE status = ANY($2::"EmploymentStatus"[])
              AND "effectiveDate" <= $5::date AND (until IS NULL OR until > $4::date)) AS "awayThis",
            count(DISTINCT "workerId") FILTER (WHERE status = ANY($2::"EmploymentStatus"[])
              AND "effectiveDate" < $4::date AND (until IS NULL OR until > $3::date)) AS "awayLast",
            count(DISTINCT "workerId") FILTER (WHERE status = 'EMPLOYED_JIANGSU'
              AND "effectiveDate" <= $5::date AND (until IS NULL OR until > $4::date)) AS "jsThis",
            count(DISTINCT "workerId") FILTER (WHERE status = 'EMPLOYED_JIANGSU'
              AND "effectiveDate" < $4::date AND (until IS NULL OR until > $3::date)) AS "jsLast"
       FROM ev
      GROUP BY ${sets('g')}`,
    [scope.regionId, AWAY_STATUSES, ly0Day, y0Day, today],
  );

  const use = sql.query<UseSqlRow>(
    `SELECT w."${g}" AS g, count(*) AS workers,
            count(*) FILTER (WHERE w."statusConfirmedAt" >= $2 AND w."statusConfirmedAt" <= $3) AS fresh,
            count(*) FILTER (WHERE w."laborCapacity" <> 'NONE' AND w."currentStatus" <> ALL($4::"EmploymentStatus"[])) AS willing
       FROM "Worker" w
      WHERE w."${s}" = $1
      GROUP BY ${sets(`w."${g}"`)}`,
    [scope.regionId, new Date(now.getTime() - STALE_AFTER_MS).toISOString(), now.toISOString(), NOT_WILLING_STATUSES],
  );

  const services = sql.query<ServiceSqlRow>(
    `SELECT w."${g}" AS g, count(*) AS services
       FROM "ServiceContact" sc
       JOIN "Worker" w ON w.id = sc."workerId"
      WHERE w."${s}" = $1 AND sc.kind = ANY($2::"ServiceKind"[]) AND sc."occurredAt" >= $3 AND sc."occurredAt" <= $4
      GROUP BY ${sets(`w."${g}"`)}`,
    [scope.regionId, SERVICE_KINDS, y0, now.toISOString()],
  );

  const [zr, ar, ur, sr] = await Promise.all([zero, away, use, services]);
  const ids = [
    ...new Set([...zr.rows, ...ar.rows, ...ur.rows, ...sr.rows].map((x) => x.g).filter((x): x is number => x !== null)),
  ];
  // The total's share is the consistency check's own figure; the groups' come from the same
  // per-village tallies in one grouped query (a province by village has thousands of groups).
  const [share, tallies] = await Promise.all([
    consistentShare({ pool: sql } as Pick<Db, 'pool'>, scope.regionId),
    sql.query<{ g: number; checked: string; consistent: string }>(
      `SELECT t."${g}" AS g, sum(t.records) AS checked, sum(t.consistent) AS consistent
         FROM "ConsistencyTally" t WHERE t."${s}" = $1 GROUP BY 1`,
      [scope.regionId],
    ),
  ]);
  const shares = new Map<number | null, { checked: number; consistent: number }>([[null, share]]);
  for (const x of tallies.rows) shares.set(x.g, { checked: int(x.checked), consistent: int(x.consistent) });
  const at = <R extends { g: number | null }>(rows: R[], key: number | null) => rows.find((x) => x.g === key);

  const build = (key: number | null, regionId: number, code: string, name: string): AssessmentRow => {
    const z = at(zr.rows, key);
    const a = at(ar.rows, key);
    const u = at(ur.rows, key);
    const sv = at(sr.rows, key);
    const c = shares.get(key);
    const cleared = int(z?.cleared);
    const within = int(z?.within);
    const workers = int(u?.workers);
    const fresh = int(u?.fresh);
    const willing = int(u?.willing);
    const served = int(sv?.services);
    const awayThis = int(a?.awayThis);
    const awayLast = int(a?.awayLast);
    const jsThis = int(a?.jsThis);
    const jsLast = int(a?.jsLast);
    return {
      regionId,
      code,
      name,
      zeroOpen: int(z?.open),
      zeroEntered: int(z?.entered),
      zeroCleared: cleared,
      zeroClearedWithinMonth: within,
      zeroClearedWithinMonthPercent: percent(within, cleared),
      medianDaysToClear: numOrNull(z?.median, 1),
      meanDaysToClear: numOrNull(z?.mean, 1),
      awayThisYear: awayThis,
      awayLastYear: awayLast,
      awayChange: awayThis - awayLast,
      jiangsuThisYear: jsThis,
      jiangsuLastYear: jsLast,
      jiangsuChange: jsThis - jsLast,
      workers,
      confirmedLast7Days: fresh,
      confirmedPercent: percent(fresh, workers),
      willingWorkers: willing,
      servicesThisYear: served,
      servicesPerWilling: willing === 0 ? null : Math.round((served / willing) * 100) / 100,
      consistencyChecked: c?.checked ?? 0,
      consistentRecords: c?.consistent ?? 0,
      consistentPercent: c && c.checked > 0 ? percent(c.consistent, c.checked) : null,
    };
  };
  return {
    report: 'assessment',
    scope,
    groupLevel: level,
    year,
    asOf: today,
    ...(await totalAndGroups(sql, scope, ids, build)),
  };
}

export const ASSESSMENT_COLUMNS: readonly Column<AssessmentRow>[] = [
  { key: 'code', zh: '区划代码', en: 'Region code' },
  { key: 'name', zh: '地区', en: 'Region' },
  { key: 'zeroOpen', zh: '零就业户在册', en: 'Zero-employment households now' },
  { key: 'zeroEntered', zh: '本年新增零就业户', en: 'Entered this year' },
  { key: 'zeroCleared', zh: '本年清零户数', en: 'Cleared this year' },
  { key: 'zeroClearedWithinMonth', zh: '其中1个月内清零', en: 'Of them within 30 days' },
  { key: 'zeroClearedWithinMonthPercent', zh: '1个月内清零率(%)', en: 'Within 30 days (%)' },
  { key: 'medianDaysToClear', zh: '清零天数中位数', en: 'Median days to clear' },
  { key: 'meanDaysToClear', zh: '平均清零天数', en: 'Mean days to clear' },
  { key: 'awayThisYear', zh: '本年外出务工人数', en: 'Working away this year' },
  { key: 'awayLastYear', zh: '上年外出务工人数', en: 'Working away last year' },
  { key: 'awayChange', zh: '外出务工增减', en: 'Change' },
  { key: 'jiangsuThisYear', zh: '本年苏陕协作就业', en: 'Jiangsu–Shaanxi this year' },
  { key: 'jiangsuLastYear', zh: '上年苏陕协作就业', en: 'Jiangsu–Shaanxi last year' },
  { key: 'jiangsuChange', zh: '苏陕协作增减', en: 'Change (Jiangsu–Shaanxi)' },
  { key: 'workers', zh: '劳动力人数', en: 'Workers' },
  { key: 'confirmedLast7Days', zh: '7天内已更新', en: 'Confirmed in the last 7 days' },
  { key: 'confirmedPercent', zh: '7天更新率(%)', en: 'Confirmed in 7 days (%)' },
  { key: 'willingWorkers', zh: '有就业意愿劳动力', en: 'Willing workers' },
  { key: 'servicesThisYear', zh: '本年就业服务次数', en: 'Services this year' },
  { key: 'servicesPerWilling', zh: '人均就业服务次数', en: 'Services per willing worker' },
  { key: 'consistencyChecked', zh: '已校验记录', en: 'Records checked' },
  { key: 'consistentRecords', zh: '逻辑一致记录', en: 'Consistent records' },
  { key: 'consistentPercent', zh: '台账一致率(%)', en: 'Consistent (%)' },
];
