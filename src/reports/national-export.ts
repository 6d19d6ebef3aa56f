/**
 * The monthly export for the national poverty-alleviation information system (§3): one row per
 * worker of the scope, in the columns of NATIONAL_EXPORT_COLUMNS (documented in README).
 *
 * For the current China month (or without a month) the status is the worker's current one. For a
 * past month it is the status as of that month's end: the event current then by the ledger's rule
 * (latest effective date on or before the last day, among events reported before the month
 * ended); a worker without such an event is UNKNOWN. "Last confirmed" is always the latest.
 */
import type { Sql } from '../db/sql.js';
import { invalid } from '../errors.js';
import { lastDayOfMonth, shanghaiMonth, shanghaiMonthBounds } from '../ledger/china-time.js';
import { CAPACITY_ZH, STATUS_ZH } from './common.js';
import type { Column } from './export.js';
import { type WorkerListOptions, type WorkerRow, workerListPage, workerListRows } from './lists.js';
import type { Scope } from './scope.js';

export const NATIONAL_EXPORT_COLUMNS: readonly Column<WorkerRow>[] = [
  { key: 'name', zh: '姓名', en: 'name' },
  { key: 'idMasked', zh: '身份证号(后4位)', en: 'id_number_masked' },
  { key: 'householdCode', zh: '户编号', en: 'household_code' },
  { key: 'provinceCode', zh: '省代码', en: 'province_code' },
  { key: 'cityCode', zh: '市代码', en: 'city_code' },
  { key: 'countyCode', zh: '县代码', en: 'county_code' },
  { key: 'townshipCode', zh: '乡镇代码', en: 'township_code' },
  { key: 'villageCode', zh: '村代码', en: 'village_code' },
  { key: 'laborCapacity', zh: '劳动能力', en: 'labor_capacity', value: (r) => CAPACITY_ZH[r.laborCapacity] },
  { key: 'status', zh: '就业状态', en: 'employment_status', value: (r) => STATUS_ZH[r.status] },
  { key: 'employer', zh: '就业单位', en: 'employer' },
  { key: 'place', zh: '就业地点', en: 'place' },
  { key: 'industry', zh: '行业', en: 'industry' },
  { key: 'monthlyWage', zh: '月收入', en: 'monthly_wage' },
  { key: 'insured', zh: '是否参保', en: 'insured' },
  { key: 'willingToWorkAway', zh: '外出务工意愿', en: 'willing_to_work_away' },
  { key: 'isReturnee', zh: '是否回流', en: 'returnee' },
  { key: 'statusDate', zh: '状态日期', en: 'status_date' },
  { key: 'lastConfirmedAt', zh: '最近确认时间', en: 'last_confirmed', date: 'date' },
];

/** How the export reads the ledger for `month` (YYYY-MM, default the current China month). */
export function nationalExportOptions(opts: { month?: string; now?: Date } = {}): WorkerListOptions & { now: Date } {
  const now = opts.now ?? new Date();
  const current = shanghaiMonth(now);
  const month = opts.month ?? current;
  const { end } = shanghaiMonthBounds(month);
  if (month > current) throw invalid('month', `${month} has not begun`);
  return { now, asOf: month < current ? { lastDay: lastDayOfMonth(month), end } : undefined };
}

/** Rows of the export for `month` (YYYY-MM, default the current China month). */
export function nationalExportRows(
  sql: Sql,
  scope: Scope,
  opts: { month?: string; now?: Date; batchSize?: number } = {},
): AsyncGenerator<WorkerRow> {
  return workerListRows(sql, scope, 'all', { ...nationalExportOptions(opts), batchSize: opts.batchSize });
}

/** One page of the export, after worker id `after`. */
export function nationalExportPage(
  sql: Sql,
  scope: Scope,
  after: number | null,
  limit: number,
  opts: { month?: string; now?: Date } = {},
): Promise<WorkerRow[]> {
  return workerListPage(sql, scope, 'all', after, limit, nationalExportOptions(opts));
}

/** File name of an export: national-export_<region code>_<YYYY-MM>.<ext>. */
export function nationalExportFileName(code: string, month: string, ext: 'csv' | 'xlsx'): string {
  return `national-export_${code}_${month}.${ext}`;
}
