/**
 * Zero-employment households (零就业户, Annex 1): households with labour and nobody employed, as
 * the ledger flags them (Household.zeroEmployment, maintained by the status rule).
 *
 * - The list: household, village, category, labour count, since when and how many days it has
 *   been on the list (the open ZeroEmploymentSpell's enteredAt, else zeroEmploymentSince), and the
 *   services it received while on the list (ServiceContact of kind job lead, training offer or
 *   staff call since it entered). Ordered by household id; read in keyset batches.
 * - Monthly figures from ZeroEmploymentSpell for a China calendar month: households that entered
 *   the list, that left it, the median days to clear of those that left, and those still on it
 *   at the month's end.
 */
import type { Sql } from '../db/sql.js';
import type { HouseholdCategory } from '../generated/prisma/enums.js';
import { shanghaiMonthBounds } from '../ledger/china-time.js';
import { SERVICE_KINDS } from '../ledger/program-rules.js';
import { CATEGORY_ZH, daysBetween, int, numOrNull, totalAndGroups } from './common.js';
import { type Column, keysetBatches } from './export.js';
import {
  type GroupBy,
  groupLevel,
  type RegionLevel,
  type ResolvedScope,
  regionColumn,
  resolveScope,
  type Scope,
} from './scope.js';

export interface ZeroHouseholdRow {
  householdId: number;
  householdCode: string;
  headName: string | null;
  category: HouseholdCategory;
  villageCode: string;
  villageName: string;
  laborCount: number;
  since: Date | null;
  daysOnList: number | null;
  services: number;
}

export interface PageOptions {
  /** Rows after this key (the last row's householdId of the previous page). */
  after?: number | null;
  limit?: number;
  now?: Date;
}

/** One page of the list, ordered by household id. */
export async function zeroEmploymentPage(sql: Sql, scope: Scope, opts: PageOptions = {}): Promise<ZeroHouseholdRow[]> {
  const now = opts.now ?? new Date();
  const limit = opts.limit ?? 100;
  const s = regionColumn(scope.level);
  const r = await sql.query<{
    id: number;
    code: string;
    headName: string | null;
    category: HouseholdCategory;
    laborCount: number;
    vcode: string;
    vname: string;
    since: Date | null;
    services: string;
  }>(
    `SELECT h.id, h.code, h."headName", h.category, h."laborCount", v.code AS vcode, v.name AS vname, x.since,
            (SELECT count(*) FROM "ServiceContact" sc
              WHERE sc."householdId" = h.id AND sc.kind = ANY($3::"ServiceKind"[])
                AND (x.since IS NULL OR sc."occurredAt" >= x.since)) AS services
       FROM "Household" h
       JOIN "Region" v ON v.id = h."villageId"
       CROSS JOIN LATERAL (
         SELECT COALESCE(
           (SELECT z."enteredAt" FROM "ZeroEmploymentSpell" z
             WHERE z."householdId" = h.id AND z."clearedAt" IS NULL ORDER BY z."enteredAt" DESC LIMIT 1),
           h."zeroEmploymentSince") AS since
       ) x
      WHERE h."${s}" = $1 AND h."zeroEmployment" AND h.id > $2
      ORDER BY h.id
      LIMIT $4`,
    [scope.regionId, opts.after ?? 0, SERVICE_KINDS, limit],
  );
  return r.rows.map((row) => ({
    householdId: row.id,
    householdCode: row.code,
    headName: row.headName,
    category: row.category,
    villageCode: row.vcode,
    villageName: row.vname,
    laborCount: row.laborCount,
    since: row.since,
    daysOnList: daysBetween(row.since, now),
    services: int(row.services),
  }));
}

/** The whole list of the scope, a batch at a time. */
export function zeroEmploymentRows(
  sql: Sql,
  scope: Scope,
  opts: { now?: Date; batchSize?: number } = {},
): AsyncGenerator<ZeroHouseholdRow> {
  return keysetBatches(
    (after: number | null, limit) => zeroEmploymentPage(sql, scope, { after, limit, now: opts.now }),
    (r) => r.householdId,
    opts.batchSize ?? 2000,
  );
}

export const ZERO_EMPLOYMENT_COLUMNS: readonly Column<ZeroHouseholdRow>[] = [
  { key: 'householdCode', zh: '户编号', en: 'Household code' },
  { key: 'headName', zh: '户主姓名', en: 'Head of household' },
  { key: 'villageCode', zh: '村代码', en: 'Village code' },
  { key: 'villageName', zh: '村', en: 'Village' },
  { key: 'category', zh: '户类别', en: 'Category', value: (r) => CATEGORY_ZH[r.category] },
  { key: 'laborCount', zh: '劳动力人数', en: 'Workers with labour' },
  { key: 'since', zh: '列入日期', en: 'On the list since', date: 'date' },
  { key: 'daysOnList', zh: '在册天数', en: 'Days on the list' },
  { key: 'services', zh: '已提供服务次数', en: 'Services received' },
];

export interface ZeroMonthRow {
  regionId: number | null;
  code: string;
  name: string;
  entered: number;
  cleared: number;
  medianDaysToClear: number | null;
  openAtMonthEnd: number;
}

export interface ZeroMonthReport {
  report: 'zero-employment-monthly';
  scope: ResolvedScope;
  month: string;
  groupLevel: RegionLevel;
  total: ZeroMonthRow;
  groups: ZeroMonthRow[];
}

/**
 * Spells entered and cleared in `month` (YYYY-MM, China time) in the scope, by group (default:
 * one level below the scope). Median days to clear counts spells cleared in the month, from
 * entering to clearing, in fractional days rounded to one decimal.
 */
export async function zeroEmploymentMonthly(
  sql: Sql,
  scopeIn: Scope | string,
  opts: { month: string; by?: GroupBy | RegionLevel },
): Promise<ZeroMonthReport> {
  const scope = await resolveScope(sql, scopeIn);
  const level = groupLevel(scope, opts.by);
  const { start, end } = shanghaiMonthBounds(opts.month);
  // The spell carries every level of the chain but the city; join the household for that one.
  const needsHousehold = scope.level === 'CITY' || level === 'CITY';
  const col = (l: RegionLevel) => (l === 'CITY' || needsHousehold ? `h."${regionColumn(l)}"` : `z."${regionColumn(l)}"`);
  const r = await sql.query<{
    g: number | null;
    entered: string;
    cleared: string;
    median_days: string | null;
    open_end: string;
  }>(
    `SELECT ${col(level)} AS g,
            count(*) FILTER (WHERE z."enteredAt" >= $2 AND z."enteredAt" < $3) AS entered,
            count(*) FILTER (WHERE z."clearedAt" >= $2 AND z."clearedAt" < $3) AS cleared,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM z."clearedAt" - z."enteredAt") / 86400)
              FILTER (WHERE z."clearedAt" >= $2 AND z."clearedAt" < $3) AS median_days,
            count(*) FILTER (WHERE z."enteredAt" < $3 AND (z."clearedAt" IS NULL OR z."clearedAt" >= $3)) AS open_end
       FROM "ZeroEmploymentSpell" z
       ${needsHousehold ? 'JOIN "Household" h ON h.id = z."householdId"' : ''}
      WHERE ${col(scope.level)} = $1
        AND z."enteredAt" < $3 AND (z."clearedAt" IS NULL OR z."clearedAt" >= $2)
      GROUP BY GROUPING SETS ((${col(level)}), ())`,
    [scope.regionId, start.toISOString(), end.toISOString()],
  );
  const ids = r.rows.map((x) => x.g).filter((x): x is number => x !== null);
  const byGroup = new Map(r.rows.map((x) => [x.g, x]));
  const build = (key: number | null, regionId: number, code: string, name: string) => {
    const x = byGroup.get(key);
    return {
      regionId,
      code,
      name,
      entered: int(x?.entered),
      cleared: int(x?.cleared),
      medianDaysToClear: numOrNull(x?.median_days, 1),
      openAtMonthEnd: int(x?.open_end),
    };
  };
  return {
    report: 'zero-employment-monthly',
    scope,
    month: opts.month,
    groupLevel: level,
    ...(await totalAndGroups(sql, scope, ids, build)),
  };
}

export const ZERO_MONTH_COLUMNS: readonly Column<ZeroMonthRow>[] = [
  { key: 'code', zh: '区划代码', en: 'Region code' },
  { key: 'name', zh: '地区', en: 'Region' },
  { key: 'entered', zh: '本月新增零就业户', en: 'Households entered' },
  { key: 'cleared', zh: '本月清零户数', en: 'Households cleared' },
  { key: 'medianDaysToClear', zh: '清零天数中位数', en: 'Median days to clear' },
  { key: 'openAtMonthEnd', zh: '月末在册户数', en: 'On the list at month end' },
];
