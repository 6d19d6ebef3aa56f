/**
 * Every report by name, for the CLI and the HTTP API: summaries (a JSON document, and one or
 * more sheets for CSV/XLSX) and lists (rows streamed in keyset batches, paged for JSON over HTTP).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Sql } from '../db/sql.js';
import { invalid } from '../errors.js';
import { shanghaiMonth } from '../ledger/china-time.js';
import { INT_MAX } from '../validation.js';
import { ASSESSMENT_COLUMNS, countyAssessment } from './assessment.js';
import { type AnySheet, type Column, type ExportFormat, type ExportOptions, writeCsv, writeXlsxSheets } from './export.js';
import { fiveClears, fiveClearsSheets } from './five-clears.js';
import { FRESHNESS_COLUMNS, freshness } from './freshness.js';
import { WORKER_LIST_COLUMNS, type WorkerListName, type WorkerRow, workerListPage, workerListRows } from './lists.js';
import { NATIONAL_EXPORT_COLUMNS, nationalExportPage, nationalExportRows } from './national-export.js';
import {
  householdShortfallPage,
  QUOTA_COLUMNS,
  quotaCompliance,
  SHORTFALL_COLUMNS,
  type ShortfallRow,
  shortfallRows,
  workerShortfallPage,
} from './quota.js';
import type { GroupBy, ResolvedScope } from './scope.js';
import { resettlementSites, SITE_HOUSEHOLD_COLUMNS, siteHouseholdPage, siteHouseholdRows, siteSheets } from './sites.js';
import { SUBSIDY_LINE_COLUMNS, subsidyLedger, subsidyLines, subsidyLinesPage, subsidySheets } from './subsidies.js';
import { loadSubsidyRules, type SubsidyRules } from './subsidy-rules.js';
import {
  ZERO_EMPLOYMENT_COLUMNS,
  ZERO_MONTH_COLUMNS,
  zeroEmploymentMonthly,
  zeroEmploymentPage,
  zeroEmploymentRows,
} from './zero-employment.js';

export interface ReportParams {
  /** Group level of a summary (default: one below the scope; freshness: village). */
  by?: GroupBy;
  /** YYYY-MM (China time): zero-employment-monthly (required), national-export (default: this month). */
  month?: string;
  now?: Date;
  /** The subsidy rules (default: config/subsidy-rules.json). */
  subsidyRules?: SubsidyRules;
}

export interface SummaryReport {
  kind: 'summary';
  name: string;
  zh: string;
  en: string;
  run(sql: Sql, scope: ResolvedScope, params: ReportParams): Promise<{ data: object; sheets: AnySheet[] }>;
}

export interface Page<R> {
  items: R[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export interface ListReport<R = unknown> {
  kind: 'list';
  name: string;
  zh: string;
  en: string;
  columns: readonly Column<R>[];
  rows(sql: Sql, scope: ResolvedScope, params: ReportParams): AsyncIterable<R>;
  page(sql: Sql, scope: ResolvedScope, params: ReportParams, after: string | undefined, limit: number): Promise<Page<R>>;
}

// biome-ignore lint/suspicious/noExplicitAny: lists have their own row types
export type ReportDef = SummaryReport | ListReport<any>;

const summary = (name: string, zh: string, en: string, run: SummaryReport['run']): SummaryReport => ({
  kind: 'summary',
  name,
  zh,
  en,
  run,
});

/** Groups then the scope's total, as the rows of a summary sheet. */
function withTotal<T extends { name: string }>(r: { groups: T[]; total: T }): T[] {
  return [...r.groups, { ...r.total, name: `${r.total.name}(合计)` }];
}

const badCursor = () => invalid('querystring/after', 'must be a cursor returned by the previous page');

function numericCursor(after: string | undefined): number | null {
  if (after === undefined || after === '') return null;
  const n = Number(after);
  if (!Number.isInteger(n) || n < 0 || n > INT_MAX) throw badCursor();
  return n;
}

function workerList(name: WorkerListName, zh: string, en: string): ListReport<WorkerRow> {
  return {
    kind: 'list',
    name,
    zh,
    en,
    columns: WORKER_LIST_COLUMNS[name],
    rows: (sql, scope, p) => workerListRows(sql, scope, name, { now: p.now }),
    async page(sql, scope, p, after, limit) {
      const items = await workerListPage(sql, scope, name, numericCursor(after), limit, { now: p.now });
      return { items, next: items.length === limit ? String(items[items.length - 1]?.workerId) : null };
    },
  };
}

const rulesOf = (p: ReportParams) => p.subsidyRules ?? loadSubsidyRules();
const monthOf = (p: ReportParams) => p.month ?? shanghaiMonth(p.now ?? new Date());

const REPORTS: ReportDef[] = [
  summary('five-clears', '五个一口清', 'Five clears (§19)', async (sql, scope, p) => {
    const data = await fiveClears(sql, scope, { by: p.by, now: p.now });
    return { data, sheets: fiveClearsSheets(data) };
  }),
  {
    kind: 'list',
    name: 'zero-employment',
    zh: '零就业户名单',
    en: 'Zero-employment households',
    columns: ZERO_EMPLOYMENT_COLUMNS,
    rows: (sql, scope, p) => zeroEmploymentRows(sql, scope, { now: p.now }),
    async page(sql, scope, p, after, limit) {
      const items = await zeroEmploymentPage(sql, scope, { after: numericCursor(after), limit, now: p.now });
      return { items, next: items.length === limit ? String(items[items.length - 1]?.householdId) : null };
    },
  },
  summary('zero-employment-monthly', '零就业户月度动态', 'Zero-employment households by month', async (sql, scope, p) => {
    const data = await zeroEmploymentMonthly(sql, scope, { month: p.month ?? shanghaiMonth(p.now ?? new Date()), by: p.by });
    return { data, sheets: [{ name: '零就业户月度动态', columns: ZERO_MONTH_COLUMNS, rows: withTotal(data) }] };
  }),
  summary('quota', '帮扶服务达标情况', 'Service-contact quota compliance (§13)', async (sql, scope, p) => {
    const data = await quotaCompliance(sql, scope, { by: p.by });
    return {
      data,
      sheets: [
        { name: '达标情况', columns: QUOTA_COLUMNS, rows: withTotal(data) },
        { name: '未达标名单', columns: SHORTFALL_COLUMNS, rows: shortfallRows(sql, scope) },
      ],
    };
  }),
  {
    kind: 'list',
    name: 'quota-shortfalls',
    zh: '帮扶服务未达标名单',
    en: 'Who falls short of the service quota',
    columns: SHORTFALL_COLUMNS,
    rows: (sql, scope) => shortfallRows(sql, scope),
    // Cursor "h<id>" while in households, "w<id>" in workers.
    async page(sql, scope, _p, after, limit): Promise<Page<ShortfallRow>> {
      const m = /^([hw])(\d{1,10})$/.exec(after ?? 'h0');
      if (!m || Number(m[2]) > INT_MAX) throw badCursor();
      let phase = m[1] as 'h' | 'w';
      let key: number | null = Number(m[2]);
      const items: ShortfallRow[] = [];
      if (phase === 'h') {
        items.push(...(await householdShortfallPage(sql, scope, key, limit)));
        if (items.length === limit) return { items, next: `h${items[items.length - 1]?.id}` };
        phase = 'w';
        key = 0;
      }
      items.push(...(await workerShortfallPage(sql, scope, key, limit - items.length)));
      return { items, next: items.length === limit ? `${phase}${items[items.length - 1]?.id}` : null };
    },
  },
  summary('freshness', '台账更新情况', 'Ledger freshness (stale over 7 days)', async (sql, scope, p) => {
    const data = await freshness(sql, scope, { by: p.by, now: p.now });
    return { data, sheets: [{ name: '台账更新情况', columns: FRESHNESS_COLUMNS, rows: withTotal(data) }] };
  }),
  workerList('employed', '已就业人员名单', 'Employed workers'),
  workerList('unemployed', '未就业人员名单', 'Unemployed workers'),
  workerList('willing-away', '有外出务工意愿人员名单', 'Workers willing to work away'),
  workerList('returnees', '回流人员名单', 'Returnees'),
  workerList('stale', '超过7天未更新人员名单', 'Workers not confirmed for over 7 days'),
  summary('subsidies', '补贴台账', 'Subsidy ledger (§14, §16)', async (sql, scope, p) => {
    const data = await subsidyLedger(sql, scope, rulesOf(p), { month: p.month, now: p.now });
    return { data, sheets: subsidySheets(sql, data) };
  }),
  {
    kind: 'list',
    name: 'subsidy-lines',
    zh: '补贴明细',
    en: 'Subsidy lines with their evidence',
    columns: SUBSIDY_LINE_COLUMNS,
    rows: (sql, scope, p) => subsidyLines(sql, scope, rulesOf(p), monthOf(p)),
    page: (sql, scope, p, after, limit) => subsidyLinesPage(sql, scope, rulesOf(p), monthOf(p), after, limit),
  },
  summary(
    'resettlement-sites',
    '易地搬迁安置点就业情况',
    'Relocated households by resettlement site (Annex 4)',
    async (sql, scope, p) => {
      const data = await resettlementSites(sql, scope);
      return { data, sheets: siteSheets(sql, data, p.now) };
    },
  ),
  {
    kind: 'list',
    name: 'site-households-without-employment',
    zh: '安置点无人就业户名单',
    en: 'Relocated households with labour and nobody employed',
    columns: SITE_HOUSEHOLD_COLUMNS,
    rows: (sql, scope, p) => siteHouseholdRows(sql, scope, { now: p.now }),
    async page(sql, scope, p, after, limit) {
      const items = await siteHouseholdPage(sql, scope, numericCursor(after), limit, { now: p.now });
      return { items, next: items.length === limit ? String(items[items.length - 1]?.householdId) : null };
    },
  },
  summary('assessment', '就业扶贫考核指标', 'County assessment (§22)', async (sql, scope, p) => {
    const data = await countyAssessment(sql, scope, { by: p.by, now: p.now });
    return { data, sheets: [{ name: `考核指标 ${data.year}`, columns: ASSESSMENT_COLUMNS, rows: withTotal(data) }] };
  }),
  {
    kind: 'list',
    name: 'national-export',
    zh: '全国扶贫开发信息系统月度导出',
    en: 'Monthly export for the national poverty-alleviation system',
    columns: NATIONAL_EXPORT_COLUMNS,
    rows: (sql, scope, p) => nationalExportRows(sql, scope, { month: p.month, now: p.now }),
    async page(sql, scope, p, after, limit) {
      const items = await nationalExportPage(sql, scope, numericCursor(after), limit, { month: p.month, now: p.now });
      return { items, next: items.length === limit ? String(items[items.length - 1]?.workerId) : null };
    },
  },
];

/** Reports of one month (YYYY-MM, China time): the month is part of their file name. */
export const MONTHLY_REPORTS: ReadonlySet<string> = new Set([
  'zero-employment-monthly',
  'national-export',
  'subsidies',
  'subsidy-lines',
]);

export const REPORT_NAMES: readonly string[] = REPORTS.map((r) => r.name);

export function findReport(name: string): ReportDef | undefined {
  return REPORTS.find((r) => r.name === name);
}

export function listReports(): readonly ReportDef[] {
  return REPORTS;
}

/** File name for a download: <report>_<region code>[_<month>].<ext>. */
export function reportFileName(def: ReportDef, scope: ResolvedScope, format: ExportFormat | 'json', month?: string): string {
  const needsMonth = MONTHLY_REPORTS.has(def.name);
  return `${def.name}_${scope.code}${needsMonth && month ? `_${month}` : ''}.${format}`;
}

/** Writes a report to `out` in the format and ends it. Lists stream in every format. */
export async function writeReport(
  def: ReportDef,
  sql: Sql,
  scope: ResolvedScope,
  params: ReportParams,
  format: ExportFormat | 'json',
  out: Writable,
  opts: ExportOptions = {},
): Promise<void> {
  if (def.kind === 'summary') return writeSummary(await def.run(sql, scope, params), format, out, opts);
  const rows = def.rows(sql, scope, params);
  if (format === 'json') return writeJsonArray(rows, out);
  if (format === 'csv') {
    await writeCsv(rows, def.columns, out, opts);
    return;
  }
  await writeXlsxSheets([{ name: def.zh, columns: def.columns, rows }], out, opts);
}

/** Writes a computed summary: JSON, its first sheet as CSV, or every sheet as XLSX. */
export async function writeSummary(
  result: { data: object; sheets: AnySheet[] },
  format: ExportFormat | 'json',
  out: Writable,
  opts: ExportOptions = {},
): Promise<void> {
  if (format === 'json') return endWith(out, `${JSON.stringify(result.data, null, 2)}\n`);
  if (format === 'csv') {
    const first = result.sheets[0] as AnySheet;
    await writeCsv(first.rows, first.columns, out, opts);
    return;
  }
  await writeXlsxSheets(result.sheets, out, opts);
}

async function endWith(out: Writable, text: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.on('error', reject);
    out.end(text, () => resolve());
  });
}

/** Streams rows as a JSON array, one row per line. */
async function writeJsonArray(rows: AsyncIterable<unknown>, out: Writable): Promise<void> {
  let first = true;
  if (!out.write('[')) await once(out, 'drain');
  for await (const row of rows) {
    if (!out.write(`${first ? '\n' : ',\n'}${JSON.stringify(row)}`)) await once(out, 'drain');
    first = false;
  }
  await endWith(out, first ? ']\n' : '\n]\n');
}
