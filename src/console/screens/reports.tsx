/**
 * 报表: every report of the registry (src/reports) as a page — its table(s) from the same columns
 * as its CSV/XLSX, a chart, a GET form for the region (inside the user's scope, the header's region
 * by default), the group level and the month — with CSV and XLSX downloads that are the staff
 * API's bytes. Besides the registry: training employment rates (src/programs/training.ts) and a
 * village's ledger sheet laid out for printing on A4 landscape like the county's paper ledger.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Sql } from '../../db/sql.js';
import { invalid, notFound } from '../../errors.js';
import { shanghaiMonth } from '../../ledger/china-time.js';
import { trainingRates } from '../../programs/training.js';
import { reportDownload } from '../../reports/download.js';
import { type CellValue, cellValue, type Column as ExportColumn } from '../../reports/export.js';
import { FIVE_CLEARS_COLUMNS, type FiveClearsReport } from '../../reports/five-clears.js';
import { findReport, listReports, MONTHLY_REPORTS, type ReportDef, type ReportParams } from '../../reports/index.js';
import { type WorkerRow, workerListRows } from '../../reports/lists.js';
import type { QuotaRow } from '../../reports/quota.js';
import { GROUP_BYS, type GroupBy, type ResolvedScope } from '../../reports/scope.js';
import { loadSubsidyRules } from '../../reports/subsidy-rules.js';
import { zeroEmploymentMonthly } from '../../reports/zero-employment.js';
import { LEVELS, levelIndex, REGION_CODE_PATTERN, type RegionRef } from '../../staff/scope.js';
import { barChart, lineChart } from '../charts.js';
import { type Ctx, ctxOf } from '../context.js';
import { parseForm } from '../forms.js';
import { consoleScope } from '../report-scope.js';
import { Badge, type Column, chinaDate, chinaTime, Field, Pager, Select, Table, withQuery } from '../ui.js';

/** Rows per page of a table. */
const PAGE = 50;
/** Lists page on the server up to this page; past it, the download has everything. */
const MAX_LIST_PAGE = 100;

const blank = (v: unknown) => (v === '' ? undefined : v);
const ReportQuery = z.object({
  region: z.preprocess(blank, z.string().regex(REGION_CODE_PATTERN, 'a region code of 2 to 12 digits').optional()),
  by: z.preprocess(blank, z.enum(GROUP_BYS as [GroupBy, ...GroupBy[]]).optional()),
  month: z.preprocess(
    blank,
    z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM')
      .optional(),
  ),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(10_000).default(1)),
});
const DownloadQuery = ReportQuery.extend({ format: z.enum(['csv', 'xlsx']) });
type Query = z.infer<typeof ReportQuery>;

/** Reports that take a month, and the ones that group by a level. */
const MONTHLY = MONTHLY_REPORTS;
const TRAINING = 'training-rates';
const SHEET = 'village-sheet';

export async function reportRoutes(app: FastifyInstance): Promise<void> {
  const { pool, prisma } = app.deps.db;

  /** The report's region: `code` (default: the header's region) inside the user's own scope. */
  const scopeOf = (ctx: Ctx, code: string | undefined): Promise<ResolvedScope> => consoleScope(pool, ctx, code);

  /** Regions offered in the form: the user's scope, the header's region, its children and the current one. */
  async function regionOptions(ctx: Ctx, current: ResolvedScope): Promise<Array<[string, string]>> {
    const children = await prisma.region.findMany({
      where: { parentId: ctx.user.region.id },
      orderBy: { code: 'asc' },
      select: { code: true, name: true },
      take: 500,
    });
    const seen = new Set<string>();
    const out: Array<[string, string]> = [];
    const add = (code: string, label: string) => {
      if (!seen.has(code)) out.push([code, label]);
      seen.add(code);
    };
    add(ctx.user.home.code, ctx.user.home.name);
    add(ctx.user.region.code, ctx.user.region.name);
    add(current.code, current.name);
    for (const c of children) add(c.code, `— ${c.name}`);
    return out;
  }

  app.get('/reports', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const rows = [
      ...listReports().map((d) => ({ name: d.name, title: titleOf(ctx, d), kind: d.kind as string, files: true })),
      { name: TRAINING, title: t('reports.training.title'), kind: 'summary', files: false },
      { name: SHEET, title: t('reports.sheet.title'), kind: 'print', files: false },
    ];
    const region = ctx.user.region.code;
    const columns: Column<(typeof rows)[number]>[] = [
      { label: t('reports.name'), cell: (r) => <a href={`/console/reports/${r.name}`}>{r.title}</a> },
      { label: t('common.kind'), cell: (r) => t(`reports.kinds.${r.kind}`) },
      {
        label: t('common.download'),
        cell: (r) =>
          r.files ? (
            <>
              <a href={`/console/reports/${r.name}/download?format=csv&region=${region}`}>{t('common.csv')}</a>
              {' · '}
              <a href={`/console/reports/${r.name}/download?format=xlsx&region=${region}`}>{t('common.xlsx')}</a>
            </>
          ) : (
            '—'
          ),
      },
    ];
    return reply.page(
      `${t('reports.title')} · ${ctx.user.region.name}`,
      <>
        <p class="muted">{t('reports.intro')}</p>
        <Table id="report-list" rows={rows} columns={columns} empty={t('common.empty')} />
      </>,
    );
  });

  app.get('/reports/:name/download', async (req, reply) => {
    const ctx = ctxOf(req);
    const def = findReport((req.params as { name: string }).name);
    if (!def) throw notFound(ctx.t('common.notFound'));
    const q = parseForm(DownloadQuery, req.query);
    const scope = await scopeOf(ctx, q.region);
    const file = await reportDownload(
      def,
      pool,
      scope,
      paramsOf(def, q, app.deps.config.SUBSIDY_RULES_FILE),
      q.format,
      { headers: ctx.lang === 'en' ? 'en' : 'zh-CN' },
      (err) => req.log.error({ err, report: def.name }, 'report download failed'),
    );
    return reply
      .header('content-type', file.contentType)
      .header('content-disposition', file.disposition)
      .header('cache-control', 'no-store')
      .send(file.body);
  });

  app.get(`/reports/${TRAINING}`, async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(ReportQuery, req.query);
    const scope = await scopeOf(ctx, q.region);
    const rates = await trainingRates(pool, { regionId: scope.regionId });
    const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
    const rate = (r: { rate: number | null; flagged: boolean }) =>
      r.flagged ? <Badge kind="bad">{`${pct(r.rate)} ${t('reports.belowGoal')}`}</Badge> : pct(r.rate);
    const chart =
      rates.institutions.length > 0
        ? barChart({
            categories: rates.institutions.map((i) => i.name),
            series: [
              { name: t('reports.training.rate'), values: rates.institutions.map((i) => Math.round((i.rate ?? 0) * 1000) / 10) },
            ],
            max: 100,
          })
        : null;
    return reply.page(
      `${t('reports.training.title')} · ${scope.name}`,
      <>
        <ReportForm
          ctx={ctx}
          action={`/console/reports/${TRAINING}`}
          regions={await regionOptions(ctx, scope)}
          scope={scope}
          q={q}
        />
        <p class="muted">{t('reports.training.intro')}</p>
        {chart ? <ChartBox title={t('reports.training.chart')} svg={chart} /> : null}
        <h2>{t('reports.training.institutions')}</h2>
        <Table
          id="report-table"
          rows={rates.institutions}
          empty={t('reports.training.none')}
          columns={[
            { label: t('reports.training.institution'), cell: (r) => r.name },
            { label: t('reports.training.courses'), cell: (r) => r.courses, num: true },
            { label: t('reports.training.trainees'), cell: (r) => r.trainees, num: true },
            { label: t('reports.training.followedUp'), cell: (r) => r.followedUp, num: true },
            { label: t('reports.training.employed'), cell: (r) => r.employed, num: true },
            { label: t('reports.training.rate'), cell: rate, num: true },
          ]}
        />
        <h2>{t('reports.training.courseList')}</h2>
        <Table
          rows={rates.courses}
          empty={t('reports.training.none')}
          columns={[
            { label: t('reports.training.course'), cell: (r) => r.title },
            { label: t('reports.training.trade'), cell: (r) => t(`flows:training.trades.${r.trade}`, { defaultValue: r.trade }) },
            { label: t('reports.training.endDate'), cell: (r) => r.endDate },
            { label: t('reports.training.trainees'), cell: (r) => r.trainees, num: true },
            { label: t('reports.training.employed'), cell: (r) => r.employed, num: true },
            {
              label: t('reports.training.rate'),
              cell: (r) => (r.pending ? <Badge kind="muted">{t('reports.training.pending')}</Badge> : rate(r)),
              num: true,
            },
          ]}
        />
      </>,
    );
  });

  app.get(`/reports/${SHEET}`, async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(ReportQuery, req.query);
    if (!q.region) {
      // Which village: those below the header's region.
      const villages = await prisma.region.findMany({
        where: { level: 'VILLAGE', code: { startsWith: ctx.user.region.code } },
        orderBy: { code: 'asc' },
        select: { code: true, name: true },
        take: 1000,
      });
      return reply.page(
        t('reports.sheet.title'),
        <form method="get" action={`/console/reports/${SHEET}`} class="filters">
          <Field label={t('reports.sheet.village')}>
            <Select name="region" required options={villages.map((v) => [v.code, `${v.name} ${v.code}`])} />
          </Field>
          <button type="submit">{t('reports.show')}</button>
        </form>,
      );
    }
    const scope = await scopeOf(ctx, q.region);
    if (scope.level !== 'VILLAGE') throw invalid('region', t('reports.sheet.notVillage'));
    const sheet = await villageSheet(pool, scope);
    return reply.page(
      `${sheet.chain.map((r) => r.name).join('')} · ${t('reports.sheet.heading')}`,
      <VillageSheet ctx={ctx} sheet={sheet} />,
    );
  });

  app.get('/reports/:name', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const def = findReport((req.params as { name: string }).name);
    if (!def) throw notFound(ctx.t('common.notFound'));
    const q = parseForm(ReportQuery, req.query);
    const scope = await scopeOf(ctx, q.region);
    const params = paramsOf(def, q, app.deps.config.SUBSIDY_RULES_FILE);
    const body =
      def.kind === 'summary' ? await summaryBody(ctx, def, scope, params, q) : await listBody(ctx, def, scope, params, q.page);
    const file = (format: 'csv' | 'xlsx') =>
      withQuery(`/console/reports/${def.name}/download`, { format, region: scope.code, by: q.by, month: q.month });
    return reply.page(
      `${titleOf(ctx, def)} · ${scope.name}`,
      <>
        <ReportForm
          ctx={ctx}
          action={`/console/reports/${def.name}`}
          regions={await regionOptions(ctx, scope)}
          scope={scope}
          q={q}
          by={def.kind === 'summary'}
          month={MONTHLY.has(def.name) ? (params.month ?? '') : undefined}
        />
        <p class="actions">
          <a class="button secondary" href={file('csv')} download>
            {t('reports.downloadCsv')}
          </a>
          <a class="button secondary" href={file('xlsx')} download>
            {t('reports.downloadXlsx')}
          </a>
          <a href="/console/reports">{t('reports.all')}</a>
        </p>
        {body}
      </>,
    );
  });

  async function summaryBody(
    ctx: Ctx,
    def: ReportDef & { kind: 'summary' },
    scope: ResolvedScope,
    params: ReportParams,
    q: Query,
  ) {
    const { t } = ctx;
    const result = await def.run(pool, scope, params);
    const first = result.sheets[0]!;
    const rows = Array.isArray(first.rows) ? (first.rows as object[]) : [];
    const data = result.data as { groups?: Array<Record<string, unknown>>; total?: Record<string, unknown> };
    // Charts show the groups of this page (a province by village has thousands).
    const groups = (data.groups ?? []).slice((q.page - 1) * PAGE, q.page * PAGE);
    const names = groups.map((g) => String(g.name));
    const num = (key: string) => groups.map((g) => Number(g[key] ?? 0));
    const col = (key: string) => first.columns.find((c) => c.key === key)!;
    const label = (key: string) => headerOf(ctx, col(key));
    let charts: Array<{ title: string; svg: string }> = [];
    let marks: Marks | undefined;
    let tables: Array<{ caption?: string; columns: readonly ExportColumn<object>[] }> = [{ columns: first.columns }];

    if (def.name === 'five-clears') {
      const r = result.data as FiveClearsReport;
      const where = ['local', 'inProvince', 'outOfProvince', 'jiangsu', 'publicWelfarePost', 'selfEmployed'] as const;
      const pick = (keys: string[]) => keys.map((k) => FIVE_CLEARS_COLUMNS.find((c) => c.key === k)!);
      tables = [
        {
          caption: t('reports.fiveClears.employment'),
          columns: pick([
            'name',
            'workers',
            'withLabor',
            'employed',
            'avgWage',
            'medianWage',
            'unemployed',
            'returnedHome',
            'unwilling',
            'unableToWork',
            'unknown',
          ]),
        },
        { caption: t('reports.fiveClears.where'), columns: pick(['name', ...where, 'industries']) },
        {
          caption: t('reports.fiveClears.policy'),
          columns: pick(['name', 'policyCampaigns', 'policyMessages', 'policyReached', 'policyLastSentAt', 'reasons']),
        },
      ] as typeof tables;
      charts = [
        {
          title: t('reports.fiveClears.byRegion'),
          svg: barChart({
            categories: names,
            series: where.map((k) => ({
              name: label(k),
              values: (groups as unknown as FiveClearsReport['groups']).map((g) => g.byRegion[k]),
            })),
            stacked: true,
          }),
        },
        {
          title: t('reports.fiveClears.byIndustry'),
          svg: barChart({
            categories: r.total.byIndustry.slice(0, 12).map((i) => i.industry),
            series: [{ name: label('employed'), values: r.total.byIndustry.slice(0, 12).map((i) => i.count) }],
          }),
        },
      ];
    } else if (def.name === 'zero-employment-monthly') {
      const month = params.month ?? shanghaiMonth(new Date());
      const months = lastMonths(month, 12);
      const series = await Promise.all(months.map((m) => zeroEmploymentMonthly(pool, scope, { month: m, by: q.by })));
      charts = [
        {
          title: t('reports.zeroMonthly.chart', { from: months[0], to: month }),
          svg: lineChart({
            categories: months,
            series: (['entered', 'cleared', 'openAtMonthEnd'] as const).map((k) => ({
              name: label(k),
              values: series.map((s) => s.total[k]),
            })),
          }),
        },
      ];
    } else if (def.name === 'quota') {
      marks = {
        workersShort: (r) => (r as QuotaRow).workersShort > 0,
        householdsShort: (r) => (r as QuotaRow).householdsShort > 0,
        workersMetPercent: (r) => ((r as QuotaRow).workersMetPercent ?? 100) < 100,
        householdsMetPercent: (r) => ((r as QuotaRow).householdsMetPercent ?? 100) < 100,
      };
      charts = [
        {
          title: t('reports.quota.chart'),
          svg: barChart({
            categories: names,
            series: [
              { name: label('workersMetPercent'), values: num('workersMetPercent') },
              { name: label('householdsMetPercent'), values: num('householdsMetPercent') },
            ],
            max: 100,
          }),
        },
      ];
    } else if (def.name === 'freshness') {
      marks = { stale: (r) => Number((r as { stale: number }).stale) > 0 };
      charts = [
        {
          title: t('reports.freshness.chart'),
          svg: barChart({
            categories: names,
            series: [
              { name: t('reports.freshness.fresh'), values: groups.map((g) => Number(g.workers) - Number(g.stale)) },
              { name: label('stale'), values: num('stale') },
            ],
            stacked: true,
          }),
        },
      ];
    }

    // Groups paged, the scope's total (the sheet's last row) under every page.
    const total = rows.length > 0 ? rows[rows.length - 1]! : undefined;
    const shown = rows.slice(0, -1).slice((q.page - 1) * PAGE, q.page * PAGE);
    const more = rows.length - 1 > q.page * PAGE;
    return (
      <div class="report">
        {'generatedAt' in result.data || 'month' in result.data ? (
          <p class="muted">
            {'month' in result.data ? `${t('reports.month')} ${String((result.data as { month: string }).month)} · ` : ''}
            {t('common.asOf', { time: chinaTime(new Date()) })}
          </p>
        ) : null}
        <div class="report-charts">
          {charts.map((c) => (
            <ChartBox title={c.title} svg={c.svg} />
          ))}
        </div>
        {tables.map((tb, i) => (
          <>
            {tb.caption ? <h2>{tb.caption}</h2> : null}
            <SheetTable
              ctx={ctx}
              id={i === 0 ? 'report-table' : undefined}
              columns={tb.columns}
              rows={total ? [...shown, total] : shown}
              marks={marks}
              totalRow={total}
            />
          </>
        ))}
        <Pager ctx={ctx} page={q.page} hasMore={more} />
        {def.name === 'quota' ? (
          <p>
            <a href={withQuery('/console/reports/quota-shortfalls', { region: scope.code })}>{t('reports.quota.shortfalls')}</a>
          </p>
        ) : null}
      </div>
    );
  }

  async function listBody(ctx: Ctx, def: ReportDef & { kind: 'list' }, scope: ResolvedScope, params: ReportParams, page: number) {
    const { t } = ctx;
    if (page > MAX_LIST_PAGE) return <p class="flash error">{t('reports.tooDeep')}</p>;
    // Keyset lists: read up to the end of this page in one query and show its last PAGE rows.
    const res = await def.page(pool, scope, params, undefined, page * PAGE);
    const rows = res.items.slice((page - 1) * PAGE) as object[];
    return (
      <div class="report list">
        <SheetTable ctx={ctx} id="report-table" columns={def.columns} rows={rows} />
        <Pager ctx={ctx} page={page} hasMore={res.next !== null && page < MAX_LIST_PAGE} />
      </div>
    );
  }
}

type Marks = Record<string, (row: object) => boolean>;

function titleOf(ctx: Ctx, def: ReportDef): string {
  return ctx.lang === 'en' ? def.en : def.zh;
}

function headerOf(ctx: Ctx, c: ExportColumn<never>): string {
  return ctx.lang === 'en' ? c.en : c.zh;
}

function paramsOf(def: ReportDef, q: { by?: GroupBy; month?: string }, rulesFile?: string): ReportParams {
  const month = MONTHLY.has(def.name) ? (q.month ?? shanghaiMonth(new Date())) : q.month;
  return { by: q.by, month, subsidyRules: loadSubsidyRules(rulesFile) };
}

/** `n` months up to and including `month` (YYYY-MM), oldest first. */
function lastMonths(month: string, n: number): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - (n - 1 - i), 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });
}

function ChartBox(props: { title: string; svg: string }) {
  return (
    <figure class="report-chart card">
      <figcaption>{props.title}</figcaption>
      <div class="chart" role="img" aria-label={props.title} dangerouslySetInnerHTML={{ __html: props.svg }} />
    </figure>
  );
}

/** A report's rows under the columns of its CSV: the same cells as the download. */
function SheetTable(props: {
  ctx: Ctx;
  columns: readonly ExportColumn<never>[];
  rows: object[];
  id?: string;
  marks?: Marks;
  totalRow?: object;
}) {
  const { ctx } = props;
  const lang = ctx.lang === 'en' ? 'en' : 'zh-CN';
  const bad = ctx.t('reports.belowGoal');
  const columns: Column<object>[] = props.columns.map((c) => {
    const col = c as ExportColumn<object>;
    const raw = (r: object): CellValue => (col.value ? col.value(r) : (r as Record<string, CellValue>)[col.key]);
    const isNum = (r: object) => typeof raw(r) === 'number';
    const numeric = props.rows.some(isNum) && props.rows.every((r) => isNum(r) || raw(r) === null || raw(r) === undefined);
    return {
      label: headerOf(ctx, c),
      num: numeric,
      cell: (r: object) => {
        const v = cellValue(col, r, lang);
        const shown = typeof v === 'number' ? v.toLocaleString('zh-CN') : v;
        const text = r === props.totalRow && col.key === 'name' ? <strong>{shown}</strong> : shown;
        return props.marks?.[col.key]?.(r) ? (
          <span class="badge bad" title={bad}>
            {text}
          </span>
        ) : (
          text
        );
      },
    };
  });
  return <Table id={props.id} rows={props.rows} columns={columns} empty={ctx.t('common.empty')} />;
}

function ReportForm(props: {
  ctx: Ctx;
  action: string;
  regions: Array<[string, string]>;
  scope: ResolvedScope;
  q: Query;
  by?: boolean;
  month?: string;
}) {
  const { ctx, scope, q } = props;
  const { t } = ctx;
  const levels = LEVELS.slice(levelIndex(scope.level)).map((l): [string, string] => [l.toLowerCase(), t(`reports.levels.${l}`)]);
  return (
    <form method="get" action={props.action} class="filters">
      <Field label={t('common.region')}>
        <Select name="region" value={scope.code} options={props.regions} />
      </Field>
      {props.by ? (
        <Field label={t('reports.by')}>
          <Select name="by" value={q.by ?? ''} options={levels} blank={t('reports.byDefault')} />
        </Field>
      ) : null}
      {props.month !== undefined ? (
        <Field label={t('reports.month')}>
          <input type="month" name="month" value={props.month} />
        </Field>
      ) : null}
      <button type="submit">{t('reports.show')}</button>
    </form>
  );
}

// ───────────────────────────── The village's ledger sheet ─────────────────────────────

interface SheetHousehold {
  code: string;
  headName: string | null;
  workers: WorkerRow[];
}

interface Sheet {
  chain: RegionRef[];
  households: SheetHousehold[];
  workers: number;
}

/** The village's households (by code) and their workers, as the ledger lists them. */
async function villageSheet(sql: Sql, village: ResolvedScope): Promise<Sheet> {
  const chain = await sql.query<RegionRef & { depth: number }>(
    `WITH RECURSIVE up AS (
       SELECT id, code, name, level, "parentId", 0 AS depth FROM "Region" WHERE id = $1
       UNION ALL SELECT r.id, r.code, r.name, r.level, r."parentId", up.depth + 1 FROM "Region" r JOIN up ON r.id = up."parentId"
     )
     SELECT id, code, name, level, depth FROM up WHERE level IN ('COUNTY', 'TOWNSHIP', 'VILLAGE') ORDER BY depth DESC`,
    [village.regionId],
  );
  const hh = await sql.query<{ code: string; headName: string | null }>(
    `SELECT code, "headName" FROM "Household" WHERE "villageId" = $1 ORDER BY code`,
    [village.regionId],
  );
  const byCode = new Map<string, SheetHousehold>(hh.rows.map((h) => [h.code, { ...h, workers: [] }]));
  let workers = 0;
  for await (const w of workerListRows(sql, village, 'all')) {
    let h = byCode.get(w.householdCode);
    if (!h) {
      h = { code: w.householdCode, headName: null, workers: [] };
      byCode.set(w.householdCode, h);
    }
    h.workers.push(w);
    workers++;
  }
  const households = [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { chain: chain.rows, households, workers };
}

function VillageSheet(props: { ctx: Ctx; sheet: Sheet }) {
  const { ctx, sheet } = props;
  const { t } = ctx;
  const village = sheet.chain[sheet.chain.length - 1];
  const updated = (w: WorkerRow) => (w.lastConfirmedAt ? chinaDate(w.lastConfirmedAt) : (w.statusDate ?? '—'));
  const heads = ['household', 'head', 'name', 'id4', 'phone', 'capacity', 'status', 'workplace', 'updated'] as const;
  return (
    <div class="village-sheet">
      <p class="actions">
        <button type="button" data-print>
          {t('common.print')}
        </button>
        <a href={withQuery('/console/reports/employed', { region: village?.code })}>{t('reports.sheet.employedList')}</a>
      </p>
      <p class="sheet-meta">
        <span>
          {t('reports.sheet.unit')}：{sheet.chain.map((r) => r.name).join(' ')}（{village?.code}）
        </span>
        <span>{t('reports.sheet.counts', { households: sheet.households.length, workers: sheet.workers })}</span>
        <span>
          {t('reports.sheet.printed')}：{chinaDate(new Date())}
        </span>
      </p>
      {sheet.households.length === 0 ? (
        <p class="empty">{t('common.empty')}</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus (WCAG 2.1.1)
        <div class="table-wrap" tabIndex={0}>
          <table id="village-sheet">
            <thead>
              <tr>
                {heads.map((h) => (
                  <th scope="col">{t(`reports.sheet.cols.${h}`)}</th>
                ))}
              </tr>
            </thead>
            {sheet.households.map((h) => {
              const span = Math.max(1, h.workers.length);
              const first = (
                <>
                  <th scope="rowgroup" rowSpan={span}>
                    {h.code}
                  </th>
                  <td rowSpan={span}>{h.headName ?? ''}</td>
                </>
              );
              return (
                <tbody>
                  {h.workers.length === 0 ? (
                    <tr>
                      {first}
                      <td colSpan={7} class="muted">
                        {t('reports.sheet.noWorkers')}
                      </td>
                    </tr>
                  ) : (
                    h.workers.map((w, i) => (
                      <tr>
                        {i === 0 ? first : null}
                        <td>{w.name}</td>
                        <td class="code">{w.idMasked.slice(-4)}</td>
                        <td class="code">{w.phoneMasked}</td>
                        <td>{t(`capacity.${w.laborCapacity}`)}</td>
                        <td>{t(`status.${w.status}`)}</td>
                        <td>{[w.employer, w.place].filter(Boolean).join(' / ')}</td>
                        <td class="code">{updated(w)}</td>
                      </tr>
                    ))
                  )}
                </tbody>
              );
            })}
          </table>
        </div>
      )}
      <p class="sheet-sign">
        <span>{t('reports.sheet.signVillage')}：</span>
        <span>{t('reports.sheet.signStaff')}：</span>
        <span>{t('reports.sheet.signDate')}：</span>
      </p>
    </div>
  );
}
