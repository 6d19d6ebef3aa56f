/**
 * 五个一口清 (§19): for each village, township or county of a scope, the five things staff must
 * be able to state at once:
 *
 * 1. policy measures: POLICY_NOTICE campaign messages sent or delivered to workers of the area
 *    (campaigns, messages, workers reached, the last send);
 * 2. number of workers (all workers in the ledger, and those with labour capacity);
 * 3. employed people and wage level: average and median monthly wage of the employed, from their
 *    current employment events (events without a wage are left out of both);
 * 4. where they work: by region (县内 local, 省内县外 in province, 省外 out of province, 苏陕协作
 *    the Jiangsu partnership, with 公益性岗位 and 自主创业 shown apart) and by industry;
 * 5. unemployed people (未就业 and 返乡 without work) and their reasons (the current event's reason);
 *    unwilling, unable and unknown are counted beside them.
 *
 * Groups are regions one level below the scope unless the caller picks a level; only regions
 * with workers appear. `total` is the whole scope.
 */
import type { Sql } from '../db/sql.js';
import type { EmploymentStatus } from '../generated/prisma/enums.js';
import { EMPLOYED_STATUSES, int, UNEMPLOYED_STATUSES } from './common.js';
import type { AnySheet, Column } from './export.js';
import {
  type GroupBy,
  groupLevel,
  type RegionLevel,
  type ResolvedScope,
  regionColumn,
  resolveScope,
  type Scope,
} from './scope.js';

export interface Count {
  count: number;
}
export interface IndustryCount extends Count {
  industry: string;
}
export interface ReasonCount extends Count {
  reason: string;
}

export interface FiveClearsRow {
  regionId: number;
  code: string;
  name: string;
  policy: { campaigns: number; messages: number; workersReached: number; lastSentAt: Date | null };
  workers: { total: number; withLabor: number };
  employed: { count: number; withWage: number; avgWage: number | null; medianWage: number | null };
  byRegion: {
    local: number;
    inProvince: number;
    outOfProvince: number;
    jiangsu: number;
    publicWelfarePost: number;
    selfEmployed: number;
  };
  byIndustry: IndustryCount[];
  unemployed: { count: number; returnedHome: number; reasons: ReasonCount[] };
  unwilling: number;
  unableToWork: number;
  unknown: number;
}

export interface FiveClearsReport {
  report: 'five-clears';
  scope: ResolvedScope;
  groupLevel: RegionLevel;
  generatedAt: Date;
  total: FiveClearsRow;
  groups: FiveClearsRow[];
}

export interface FiveClearsOptions {
  by?: GroupBy | RegionLevel;
  now?: Date;
}

const NO_INDUSTRY = '未填写';
const NO_REASON = '未填写';

/** Running figures of one group (or of the total, key null). */
interface Acc {
  statuses: Map<EmploymentStatus, number>;
  total: number;
  withLabor: number;
  /** monthly wage → employed people with it (exact average and median without sorting a million rows). */
  wages: Map<number, number>;
  employedWithoutWage: number;
  industries: Map<string, number>;
  reasons: Map<string, number>;
}

const newAcc = (): Acc => ({
  statuses: new Map(),
  total: 0,
  withLabor: 0,
  wages: new Map(),
  employedWithoutWage: 0,
  industries: new Map(),
  reasons: new Map(),
});

const bump = <K>(m: Map<K, number>, k: K, n: number) => m.set(k, (m.get(k) ?? 0) + n);

/** Average and median (as percentile_cont(0.5): the mean of the two middle values) of a histogram. */
export function histogramStats(h: Map<number, number>): { n: number; avg: number | null; median: number | null } {
  const entries = [...h.entries()].sort((a, b) => a[0] - b[0]);
  const n = entries.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return { n, avg: null, median: null };
  const sum = entries.reduce((s, [v, c]) => s + v * c, 0);
  const at = (i: number): number => {
    let seen = 0;
    for (const [v, c] of entries) {
      seen += c;
      if (i < seen) return v;
    }
    return entries[entries.length - 1]![0];
  };
  const median = n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  return { n, avg: Math.round(sum / n), median: Math.round(median) };
}

export async function fiveClears(sql: Sql, scopeIn: Scope | string, opts: FiveClearsOptions = {}): Promise<FiveClearsReport> {
  const scope = await resolveScope(sql, scopeIn);
  const level = groupLevel(scope, opts.by);
  const g = regionColumn(level);
  const s = regionColumn(scope.level);

  // Three plain GROUP BYs that PostgreSQL runs as parallel partial aggregates (no GROUPING SETS,
  // no ordered-set aggregate): counts by status and labour without touching the events; the
  // employed joined to their current event for wage and industry; the unemployed for the reason.
  // Totals, average and median are folded here from the (small) grouped rows.
  const counts = sql.query<{ g: number; status: EmploymentStatus; labor: boolean; n: string }>(
    `SELECT w."${g}" AS g, w."currentStatus" AS status, w."laborCapacity" <> 'NONE' AS labor, count(*) AS n
       FROM "Worker" w
      WHERE w."${s}" = $1
      GROUP BY 1, 2, 3`,
    [scope.regionId],
  );
  const employed = sql.query<{ g: number; wage: number | null; industry: string | null; n: string }>(
    `SELECT w."${g}" AS g, e."monthlyWage" AS wage, e.industry, count(*) AS n
       FROM "Worker" w
       JOIN "EmploymentEvent" e ON e.id = w."currentEventId"
      WHERE w."${s}" = $1 AND w."currentStatus" = ANY($2::"EmploymentStatus"[])
      GROUP BY 1, 2, 3`,
    [scope.regionId, EMPLOYED_STATUSES],
  );
  const unemployed = sql.query<{ g: number; reason: string | null; n: string }>(
    `SELECT w."${g}" AS g, e.reason, count(*) AS n
       FROM "Worker" w
       LEFT JOIN "EmploymentEvent" e ON e.id = w."currentEventId"
      WHERE w."${s}" = $1 AND w."currentStatus" = ANY($2::"EmploymentStatus"[])
      GROUP BY 1, 2`,
    [scope.regionId, UNEMPLOYED_STATUSES],
  );

  // Policy notices reaching the area: few campaigns, so start from them and their messages.
  const policy = sql.query<{ g: number | null; campaigns: string; messages: string; reached: string; last: Date | null }>(
    `SELECT w."${g}" AS g,
            count(DISTINCT m."campaignId") AS campaigns,
            count(*) AS messages,
            count(DISTINCT m."workerId") AS reached,
            max(COALESCE(m."deliveredAt", m."sentAt")) AS last
       FROM "Campaign" c
       JOIN "OutboundMessage" m ON m."campaignId" = c.id AND m.status IN ('SENT', 'DELIVERED')
       JOIN "Worker" w ON w.id = m."workerId"
      WHERE c.kind = 'POLICY_NOTICE' AND w."${s}" = $1
      GROUP BY GROUPING SETS ((w."${g}"), ())`,
    [scope.regionId],
  );

  const [countRes, employedRes, unemployedRes, policyRes] = await Promise.all([counts, employed, unemployed, policy]);

  const accs = new Map<number | null, Acc>([[null, newAcc()]]);
  const accsOf = (id: number): Acc[] => {
    let acc = accs.get(id);
    if (!acc) {
      acc = newAcc();
      accs.set(id, acc);
    }
    return [acc, accs.get(null)!];
  };
  for (const r of countRes.rows) {
    const n = int(r.n);
    for (const a of accsOf(r.g)) {
      bump(a.statuses, r.status, n);
      a.total += n;
      if (r.labor) a.withLabor += n;
    }
  }
  for (const r of employedRes.rows) {
    const n = int(r.n);
    for (const a of accsOf(r.g)) {
      if (r.wage === null) a.employedWithoutWage += n;
      else bump(a.wages, r.wage, n);
      bump(a.industries, r.industry?.trim() || NO_INDUSTRY, n);
    }
  }
  for (const r of unemployedRes.rows) {
    const n = int(r.n);
    for (const a of accsOf(r.g)) bump(a.reasons, r.reason?.trim() || NO_REASON, n);
  }

  const ids = [...accs.keys()].filter((id): id is number => id !== null);
  const regions = new Map<number, { code: string; name: string }>();
  if (ids.length) {
    const r = await sql.query<{ id: number; code: string; name: string }>(
      'SELECT id, code, name FROM "Region" WHERE id = ANY($1::int[])',
      [ids],
    );
    for (const row of r.rows) regions.set(row.id, { code: row.code, name: row.name });
  }
  const policyBy = new Map(policyRes.rows.map((p) => [p.g, p]));

  const build = (key: number | null, regionId: number, code: string, name: string): FiveClearsRow => {
    const a = accs.get(key) ?? newAcc();
    const p = policyBy.get(key);
    const st = (x: EmploymentStatus) => a.statuses.get(x) ?? 0;
    const wage = histogramStats(a.wages);
    return {
      regionId,
      code,
      name,
      policy: {
        campaigns: int(p?.campaigns),
        messages: int(p?.messages),
        workersReached: int(p?.reached),
        lastSentAt: p?.last ?? null,
      },
      workers: { total: a.total, withLabor: a.withLabor },
      employed: {
        count: EMPLOYED_STATUSES.reduce((sum, x) => sum + st(x), 0),
        withWage: wage.n,
        avgWage: wage.avg,
        medianWage: wage.median,
      },
      byRegion: {
        local: st('EMPLOYED_LOCAL'),
        inProvince: st('EMPLOYED_IN_PROVINCE'),
        outOfProvince: st('EMPLOYED_OUT_OF_PROVINCE'),
        jiangsu: st('EMPLOYED_JIANGSU'),
        publicWelfarePost: st('PUBLIC_WELFARE_POST'),
        selfEmployed: st('SELF_EMPLOYED'),
      },
      byIndustry: sortCounts(a.industries).map(([industry, count]) => ({ industry, count })),
      unemployed: {
        count: UNEMPLOYED_STATUSES.reduce((sum, x) => sum + st(x), 0),
        returnedHome: st('RETURNED_HOME'),
        reasons: sortCounts(a.reasons).map(([reason, count]) => ({ reason, count })),
      },
      unwilling: st('TEMPORARILY_UNWILLING'),
      unableToWork: st('UNABLE_TO_WORK'),
      unknown: st('UNKNOWN'),
    };
  };

  const groups = ids
    .map((id) => build(id, id, regions.get(id)?.code ?? '', regions.get(id)?.name ?? ''))
    .sort((a, b) => a.code.localeCompare(b.code));

  return {
    report: 'five-clears',
    scope,
    groupLevel: level,
    generatedAt: opts.now ?? new Date(),
    total: build(null, scope.regionId, scope.code, scope.name),
    groups,
  };
}

function sortCounts(m: Map<string, number> | undefined): [string, number][] {
  if (!m) return [];
  // Most first; ties in code-point order, the same whatever the process's locale.
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const listText = (items: { count: number }[], label: (i: never) => string) =>
  items.map((i) => `${label(i as never)} ${i.count}`).join('; ');

/** One flat row per group (and the total last): the CSV, and the first XLSX sheet. */
export const FIVE_CLEARS_COLUMNS: readonly Column<FiveClearsRow>[] = [
  { key: 'code', zh: '区划代码', en: 'Region code' },
  { key: 'name', zh: '地区', en: 'Region' },
  { key: 'policyCampaigns', zh: '政策宣传次数', en: 'Policy notices', value: (r) => r.policy.campaigns },
  { key: 'policyMessages', zh: '政策宣传条数', en: 'Policy messages sent', value: (r) => r.policy.messages },
  { key: 'policyReached', zh: '政策宣传覆盖人数', en: 'Workers reached', value: (r) => r.policy.workersReached },
  { key: 'policyLastSentAt', zh: '最近宣传时间', en: 'Last notice sent', value: (r) => r.policy.lastSentAt },
  { key: 'workers', zh: '劳动力人数', en: 'Workers', value: (r) => r.workers.total },
  { key: 'withLabor', zh: '有劳动能力人数', en: 'With labour capacity', value: (r) => r.workers.withLabor },
  { key: 'employed', zh: '已就业人数', en: 'Employed', value: (r) => r.employed.count },
  { key: 'avgWage', zh: '平均月收入(元)', en: 'Average monthly wage (yuan)', value: (r) => r.employed.avgWage },
  { key: 'medianWage', zh: '月收入中位数(元)', en: 'Median monthly wage (yuan)', value: (r) => r.employed.medianWage },
  { key: 'local', zh: '县内就业', en: 'Employed in county', value: (r) => r.byRegion.local },
  { key: 'inProvince', zh: '省内县外', en: 'In province, outside county', value: (r) => r.byRegion.inProvince },
  { key: 'outOfProvince', zh: '省外就业', en: 'Out of province', value: (r) => r.byRegion.outOfProvince },
  { key: 'jiangsu', zh: '苏陕协作', en: 'Jiangsu partnership', value: (r) => r.byRegion.jiangsu },
  { key: 'publicWelfarePost', zh: '公益性岗位', en: 'Public-welfare post', value: (r) => r.byRegion.publicWelfarePost },
  { key: 'selfEmployed', zh: '自主创业', en: 'Self-employed', value: (r) => r.byRegion.selfEmployed },
  {
    key: 'industries',
    zh: '行业分布',
    en: 'By industry',
    value: (r) => listText(r.byIndustry, (i: IndustryCount) => i.industry),
  },
  { key: 'unemployed', zh: '未就业人数', en: 'Unemployed', value: (r) => r.unemployed.count },
  { key: 'returnedHome', zh: '其中返乡', en: 'Of which returned home', value: (r) => r.unemployed.returnedHome },
  {
    key: 'reasons',
    zh: '未就业原因',
    en: 'Reasons for unemployment',
    value: (r) => listText(r.unemployed.reasons, (i: ReasonCount) => i.reason),
  },
  { key: 'unwilling', zh: '暂时无就业意愿', en: 'Temporarily unwilling', value: (r) => r.unwilling },
  { key: 'unableToWork', zh: '丧失劳动能力', en: 'Unable to work', value: (r) => r.unableToWork },
  { key: 'unknown', zh: '状态未知', en: 'Status unknown', value: (r) => r.unknown },
];

interface LabelRow {
  code: string;
  name: string;
  label: string;
  count: number;
}

const LABEL_COLUMNS = (zh: string, en: string): Column<LabelRow>[] => [
  { key: 'code', zh: '区划代码', en: 'Region code' },
  { key: 'name', zh: '地区', en: 'Region' },
  { key: 'label', zh, en },
  { key: 'count', zh: '人数', en: 'People' },
];

/** Rows for CSV (the first sheet) and XLSX (summary, industries, reasons). */
export function fiveClearsSheets(report: FiveClearsReport): AnySheet[] {
  const all = [...report.groups, { ...report.total, name: `${report.total.name}(合计)` }];
  const flat = <T extends { count: number }>(pick: (r: FiveClearsRow) => T[], label: (t: T) => string): LabelRow[] =>
    all.flatMap((r) => pick(r).map((t) => ({ code: r.code, name: r.name, label: label(t), count: t.count })));
  return [
    { name: '五个一口清', columns: FIVE_CLEARS_COLUMNS, rows: all },
    {
      name: '行业分布',
      columns: LABEL_COLUMNS('行业', 'Industry'),
      rows: flat(
        (r) => r.byIndustry,
        (t) => t.industry,
      ),
    },
    {
      name: '未就业原因',
      columns: LABEL_COLUMNS('未就业原因', 'Reason'),
      rows: flat(
        (r) => r.unemployed.reasons,
        (t) => t.reason,
      ),
    },
  ];
}
