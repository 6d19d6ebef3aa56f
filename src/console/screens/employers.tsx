/**
 * 企业 key employers (§6): the county's monitored employers (township and type filters, search,
 * paged), a form to add or change one, removal, an employer's page with its contact and every
 * revision of its monthly reports, and the entry of a report staff took by phone. Writes go
 * through the same staff actions as the API (src/employers/: scope, role, audit).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ContactName,
  CreditCode,
  EMPLOYER_TYPES,
  EmployerName,
  EmployerTypeEnum,
  Mobile,
  SurveyMonth,
  TownshipCode,
} from '../../employers/fields.js';
import { followUpSoon } from '../../employers/layoff-follow-up.js';
import {
  addEmployer,
  type EmployerFields,
  type EmployerView,
  employerInScope,
  listEmployers,
  removeEmployer,
  updateEmployer,
} from '../../employers/registry.js';
import { isOpen, previousMonth, surveyMonthAt } from '../../employers/survey-calendar.js';
import { REOPEN_DAYS, reopenMonth } from '../../employers/survey-lock.js';
import { employerSeries, surveyReport } from '../../employers/survey-report.js';
import {
  ExplanationNeeded,
  enterReport,
  type ReportRevision,
  reportRevisions,
  separations,
} from '../../employers/survey-reports.js';
import { DomainError } from '../../errors.js';
import { enqueueSends } from '../../queues/queues.js';
import { barChart, lineChart } from '../charts.js';
import { type Ctx, ctxOf, redirectWith } from '../context.js';
import { DiscrepancyList, FigureFields, type FigureValues, readFigures } from '../employer-report-form.js';
import { IdParams, parseForm } from '../forms.js';
import { ActionButton, Badge, chinaTime, Field, Pager, PostForm, percent, Select, Table } from '../ui.js';

const PAGE = 50;

/** An optional text field whose value, when given, must fit `s`; empty is null. */
const blankToNull = <S extends z.ZodType<unknown, string>>(s: S) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => v || null)
    .pipe(s.nullable());

const employerForm = z.object({
  name: EmployerName,
  creditCode: CreditCode,
  type: EmployerTypeEnum,
  townshipCode: TownshipCode,
  contactName: blankToNull(ContactName),
  phone: blankToNull(Mobile),
});

type EmployerValues = Partial<Record<keyof z.input<typeof employerForm>, string>>;

const ListQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  township: z.union([TownshipCode, z.literal('')]).optional(),
  type: z.union([EmployerTypeEnum, z.literal('')]).optional(),
  q: z.string().trim().max(100).optional(),
  removed: z.enum(['1', '']).optional(),
});

export function TypeBadge(props: { t: Ctx['t']; type: string | null }) {
  return <Badge>{props.t(`employers.type.${props.type ?? 'OTHER'}`)}</Badge>;
}

function EmployerForm(props: {
  ctx: Ctx;
  action: string;
  v: EmployerValues;
  townships: Array<{ code: string; name: string }>;
  problem?: string;
  submit: string;
  cancel: string;
}) {
  const { ctx, v } = props;
  const { t } = ctx;
  return (
    <PostForm ctx={ctx} action={props.action} id="employer-form" class="card">
      {props.problem ? (
        <p class="flash error" role="alert">
          {props.problem}
        </p>
      ) : null}
      <div class="grid2">
        <div>
          <Field label={`${t('employers.name')} *`}>
            <input type="text" name="name" required maxLength={100} value={v.name ?? ''} />
          </Field>
          <Field label={`${t('employers.creditCode')} *`} hint={t('employers.creditCodeHint')}>
            <input type="text" name="creditCode" required maxLength={40} autocapitalize="characters" value={v.creditCode ?? ''} />
          </Field>
          <Field label={`${t('employers.typeLabel')} *`}>
            <Select name="type" value={v.type} options={EMPLOYER_TYPES.map((ty) => [ty, t(`employers.type.${ty}`)])} />
          </Field>
        </div>
        <div>
          <Field label={`${t('employers.township')} *`}>
            <Select name="townshipCode" value={v.townshipCode} required options={props.townships.map((r) => [r.code, r.name])} />
          </Field>
          <Field label={t('employers.contactName')}>
            <input type="text" name="contactName" maxLength={50} value={v.contactName ?? ''} />
          </Field>
          <Field label={t('employers.phone')} hint={t('employers.phoneHint')}>
            <input type="tel" name="phone" maxLength={40} value={v.phone ?? ''} />
          </Field>
        </div>
      </div>
      <div class="actions">
        <button type="submit" class="primary">
          {props.submit}
        </button>
        <a href={props.cancel}>{t('common.cancel')}</a>
      </div>
    </PostForm>
  );
}

function valuesOf(e: EmployerView): EmployerValues {
  return {
    name: e.name,
    creditCode: e.creditCode ?? '',
    type: e.type ?? 'OTHER',
    townshipCode: e.township.code,
    contactName: e.contactName ?? '',
    phone: e.phone?.replace(/^\+86/, '') ?? '',
  };
}

export async function employerRoutes(app: FastifyInstance): Promise<void> {
  const { prisma } = app.deps.db;

  /** The townships of the console's region (the region itself when it is one). */
  async function townships(ctx: Ctx) {
    const here = ctx.user.region;
    if (here.level === 'TOWNSHIP') return [{ code: here.code, name: here.name }];
    return prisma.region.findMany({
      where: { level: 'TOWNSHIP', code: { startsWith: here.code } },
      orderBy: { code: 'asc' },
      select: { code: true, name: true },
      take: 1000,
    });
  }

  /** The form again, filled in as sent, with what was wrong (400) or refused. */
  async function formPage(
    req: FastifyRequest,
    reply: FastifyReply,
    o: { v: EmployerValues; problem?: string; status?: number; id?: number },
  ) {
    const ctx = ctxOf(req);
    const { t } = ctx;
    if (ctx.user.role === 'VIEWER') throw new DomainError(403, 'forbidden', t('employers.viewerRefused'));
    const edit = o.id !== undefined;
    return reply.page(
      edit ? t('employers.edit') : t('employers.new'),
      <EmployerForm
        ctx={ctx}
        action={edit ? `/console/employers/${o.id}/edit` : '/console/employers'}
        v={o.v}
        townships={await townships(ctx)}
        problem={o.problem}
        submit={edit ? t('common.save') : t('employers.create')}
        cancel={edit ? `/console/employers/${o.id}` : '/console/employers'}
      />,
      o.status ?? 200,
    );
  }

  /** The form's fields, or what is wrong with them (the field's label and why). */
  function readForm(ctx: Ctx, raw: EmployerValues): { fields: EmployerFields } | { problem: string } {
    const r = employerForm.safeParse(raw);
    if (r.success) return { fields: r.data };
    const issue = r.error.issues[0]!;
    const field = String(issue.path[0] ?? 'form');
    return {
      problem: `${ctx.t(`employers.${field === 'type' ? 'typeLabel' : field === 'townshipCode' ? 'township' : field}`)}：${issue.message}`,
    };
  }

  /** A refusal the form can show (a code registered already, a township outside the scope). */
  function refusal(ctx: Ctx, err: unknown): string | null {
    if (!(err instanceof DomainError)) return null;
    if (err.code === 'duplicate_credit_code') return ctx.t('employers.duplicate');
    if (err.statusCode === 400 || err.statusCode === 403) return err.message;
    return null;
  }

  app.get('/employers', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(ListQuery, req.query);
    const rows = await listEmployers(prisma, ctx.user.staff, {
      regionCode: q.township || undefined,
      type: q.type || undefined,
      search: q.q || undefined,
      removed: q.removed === '1',
      offset: (q.page - 1) * PAGE,
      limit: PAGE + 1,
    });
    const more = rows.length > PAGE;
    if (more) rows.length = PAGE;
    return reply.page(
      t('employers.title'),
      <>
        <div class="actions">
          {ctx.user.role !== 'VIEWER' ? (
            <a class="button" href="/console/employers/new">
              {t('employers.new')}
            </a>
          ) : null}
          <a class="button secondary" id="survey-link" href="/console/employers/survey">
            {t('employers.survey.title')}
          </a>
        </div>
        <form method="get" action="/console/employers" class="filters">
          <Field label={t('employers.township')}>
            <Select
              name="township"
              value={q.township ?? ''}
              blank={t('common.all')}
              options={(await townships(ctx)).map((r) => [r.code, r.name])}
            />
          </Field>
          <Field label={t('employers.typeLabel')}>
            <Select
              name="type"
              value={q.type ?? ''}
              blank={t('common.all')}
              options={EMPLOYER_TYPES.map((ty) => [ty, t(`employers.type.${ty}`)])}
            />
          </Field>
          <Field label={t('common.search')}>
            <input type="search" name="q" maxLength={100} value={q.q ?? ''} placeholder={t('employers.searchHint')} />
          </Field>
          <label class="check">
            <input type="checkbox" name="removed" value="1" checked={q.removed === '1'} /> {t('employers.showRemoved')}
          </label>
          <button type="submit">{t('common.filter')}</button>
        </form>
        <Table
          id="employers"
          rows={rows}
          empty={t('employers.none')}
          columns={[
            { label: t('employers.name'), cell: (e) => <a href={`/console/employers/${e.id}`}>{e.name}</a> },
            { label: t('employers.typeLabel'), cell: (e) => <TypeBadge t={t} type={e.type} /> },
            { label: t('employers.township'), cell: (e) => e.township.name },
            { label: t('employers.creditCode'), cell: (e) => <code>{e.creditCode}</code> },
            { label: t('employers.contactName'), cell: (e) => e.contactName ?? '—' },
            { label: t('common.phone'), cell: (e) => e.phone?.replace(/^\+86/, '') ?? '—' },
          ]}
        />
        <Pager ctx={ctx} page={q.page} hasMore={more} />
      </>,
    );
  });

  app.get('/employers/survey', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(z.object({ month: SurveyMonth.optional() }), req.query);
    const month = q.month ?? surveyMonthAt(new Date());
    const r = await surveyReport(app.deps.db.pool, { regionCode: ctx.user.region.code, month });
    // Reopenings of the month for the county in view (or the counties below it).
    const reopening = await prisma.employerSurveyMonth.findMany({
      where: { month, region: { code: { startsWith: ctx.user.region.code.slice(0, 6) } } },
      select: { reopenedUntil: true },
    });
    const until = reopening.map((m) => m.reopenedUntil).sort((x, y) => y.getTime() - x.getTime())[0];
    const locked = !isOpen(month, new Date(), until);
    const townships = r.rows.filter((x) => x.level === 'TOWNSHIP');
    const months: string[] = [surveyMonthAt(new Date())];
    while (months.length < 12) months.push(previousMonth(months.at(-1)!));
    const countyHere = ctx.user.region.level === 'COUNTY';
    return reply.page(
      t('employers.survey.title'),
      <>
        <p>
          <a href="/console/employers">← {t('employers.title')}</a>
        </p>
        <form method="get" action="/console/employers/survey" class="filters">
          <Field label={t('employers.month')}>
            <Select name="month" value={month} options={months.map((m) => [m, m])} />
          </Field>
          <button type="submit">{t('common.filter')}</button>
        </form>
        <p class="hint">
          {t('employers.survey.due', { when: chinaTime(new Date(r.lockAt.getTime() - 60_000)) })}{' '}
          {locked ? (
            <Badge kind="muted">{t('employers.survey.locked')}</Badge>
          ) : (
            <Badge kind="ok">{t('employers.survey.open')}</Badge>
          )}
          {reopening.map((m) => (
            <>
              {' '}
              <Badge kind="warn">{t('employers.survey.reopenedUntil', { when: chinaTime(m.reopenedUntil) })}</Badge>
            </>
          ))}
        </p>
        <Table
          id="survey-rates"
          rows={r.rows}
          empty={t('employers.none')}
          columns={[
            { label: t('common.region'), cell: (x) => (x.level === 'COUNTY' ? <strong>{x.name}</strong> : x.name) },
            { label: t('employers.survey.employers'), num: true, cell: (x) => x.employers },
            { label: t('employers.survey.reported'), num: true, cell: (x) => x.reported },
            { label: t('employers.survey.rate'), num: true, cell: (x) => percent(x.reported, x.employers) },
          ]}
        />
        {townships.length > 1 ? (
          <figure class="chart" id="survey-chart">
            <div
              // biome-ignore lint/security/noDangerouslySetInnerHtml: the SVG is rendered by ECharts on the server from numbers
              dangerouslySetInnerHTML={{
                __html: barChart({
                  title: t('employers.survey.rateChart'),
                  categories: townships.map((x) => x.name),
                  series: [
                    { name: t('employers.survey.rate'), values: townships.map((x) => Math.round(100 * (x.rate ?? 0) * 10) / 10) },
                  ],
                  max: 100,
                }),
              }}
            />
          </figure>
        ) : null}
        <h2>{t('employers.survey.unreported', { n: r.unreported.length })}</h2>
        <Table
          id="survey-unreported"
          rows={r.unreported}
          empty={t('employers.survey.allReported')}
          columns={[
            { label: t('employers.name'), cell: (u) => <a href={`/console/employers/${u.id}`}>{u.name}</a> },
            { label: t('employers.township'), cell: (u) => u.township },
            { label: t('employers.contactName'), cell: (u) => u.contactName ?? '—' },
            { label: t('common.phone'), cell: (u) => u.phone?.replace(/^\+86/, '') ?? '—' },
            {
              label: t('common.status'),
              cell: (u) =>
                u.late ? <Badge kind="bad">{t('employers.survey.late')}</Badge> : <Badge>{t('employers.survey.pending')}</Badge>,
            },
          ]}
        />
        <h2>{t('employers.survey.alerts', { share: Math.round(app.deps.config.EMPLOYER_HEADCOUNT_DROP_ALERT * 100) })}</h2>
        <Table
          id="survey-alerts"
          rows={r.alerts}
          empty={t('employers.survey.noAlerts')}
          columns={[
            { label: t('employers.name'), cell: (a) => <a href={`/console/employers/${a.employerId}`}>{a.employer}</a> },
            { label: t('employers.survey.previous'), num: true, cell: (a) => a.previous },
            { label: t('employers.form.headcount'), num: true, cell: (a) => a.headcount },
            { label: t('employers.survey.fall'), num: true, cell: (a) => `${a.fallPercent}%` },
            {
              label: t('nav.tasks'),
              cell: (a) => <a href={`/console/tasks/${a.taskId}`}>{t(`employers.survey.task.${a.status}`)}</a>,
            },
          ]}
        />
        {locked && ctx.user.role === 'ADMIN' && countyHere ? (
          <PostForm
            ctx={ctx}
            action="/console/employers/survey/reopen"
            id="reopen-form"
            class="card"
            confirm={t('employers.survey.reopenConfirm')}
          >
            <input type="hidden" name="month" value={month} />
            <p>{t('employers.survey.reopenHint')}</p>
            <Field label={t('employers.survey.days')}>
              <input type="number" name="days" min={1} max={31} value={String(REOPEN_DAYS)} />
            </Field>
            <button type="submit" class="danger">
              {t('employers.survey.reopen')}
            </button>
          </PostForm>
        ) : null}
      </>,
    );
  });

  app.post('/employers/survey/reopen', async (req, reply) => {
    const ctx = ctxOf(req);
    const f = parseForm(z.object({ month: SurveyMonth, days: z.coerce.number().int().min(1).max(31) }), req.body);
    const r = await reopenMonth({ ...app.deps, enqueue: (rows) => enqueueSends(app.deps.queues, rows) }, ctx.user.staff, {
      month: f.month,
      days: f.days,
      channel: 'CONSOLE',
    });
    return redirectWith(reply, `/console/employers/survey?month=${f.month}`, {
      kind: 'ok',
      text: ctx.t('employers.survey.reopened', { until: chinaTime(r.reopenedUntil), n: r.linksSent }),
    });
  });

  app.get('/employers/new', async (req, reply) => formPage(req, reply, { v: { type: 'COMMUNITY_FACTORY' } }));

  app.post('/employers', async (req, reply) => {
    const ctx = ctxOf(req);
    const raw = (req.body ?? {}) as EmployerValues;
    const read = readForm(ctx, raw);
    if ('problem' in read) return formPage(req, reply, { v: raw, problem: read.problem, status: 400 });
    try {
      const e = await addEmployer(prisma, ctx.user.staff, read.fields, 'CONSOLE');
      return redirectWith(reply, `/console/employers/${e.id}`, { kind: 'ok', text: ctx.t('employers.created') });
    } catch (err) {
      const problem = refusal(ctx, err);
      if (problem === null) throw err;
      return formPage(req, reply, { v: raw, problem, status: (err as DomainError).statusCode });
    }
  });

  app.get('/employers/:id/edit', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const e = await employerInScope(prisma, ctx.user.staff, id);
    return formPage(req, reply, { v: valuesOf(e), id });
  });

  app.post('/employers/:id/edit', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const raw = (req.body ?? {}) as EmployerValues;
    const read = readForm(ctx, raw);
    if ('problem' in read) return formPage(req, reply, { v: raw, problem: read.problem, status: 400, id });
    try {
      await updateEmployer(prisma, ctx.user.staff, id, read.fields, 'CONSOLE');
      return redirectWith(reply, `/console/employers/${id}`, { kind: 'ok', text: ctx.t('employers.saved') });
    } catch (err) {
      const problem = refusal(ctx, err);
      if (problem === null) throw err;
      return formPage(req, reply, { v: raw, problem, status: (err as DomainError).statusCode, id });
    }
  });

  app.post('/employers/:id/remove', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    await removeEmployer(prisma, ctx.user.staff, id, 'CONSOLE');
    return redirectWith(reply, `/console/employers/${id}`, { kind: 'ok', text: ctx.t('employers.removed') });
  });

  app.get('/employers/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const { id } = parseForm(IdParams, req.params);
    const e = await employerInScope(prisma, ctx.user.staff, id);
    const revisions = await reportRevisions(prisma, id, { limit: 60 });
    const series = await employerSeries(app.deps.db.pool, id, 12);
    const canWrite = ctx.user.role !== 'VIEWER' && !e.removedAt;
    return reply.page(
      e.name,
      <>
        <p>
          <a href="/console/employers">← {t('employers.title')}</a>
        </p>
        <section class="card">
          <dl class="facts" id="employer-facts">
            <dt>{t('employers.typeLabel')}</dt>
            <dd>
              <TypeBadge t={t} type={e.type} />
              {e.removedAt ? (
                <>
                  {' '}
                  <Badge kind="muted">{t('employers.removedOn', { when: chinaTime(e.removedAt) })}</Badge>
                </>
              ) : null}
            </dd>
            <dt>{t('employers.creditCode')}</dt>
            <dd>
              <code>{e.creditCode}</code>
            </dd>
            <dt>{t('employers.township')}</dt>
            <dd>{e.township.name}</dd>
            <dt>{t('employers.contactName')}</dt>
            <dd>{e.contactName ?? '—'}</dd>
            <dt>{t('employers.phone')}</dt>
            <dd>{e.phone?.replace(/^\+86/, '') ?? '—'}</dd>
            <dt>{t('employers.added')}</dt>
            <dd>{chinaTime(e.createdAt)}</dd>
          </dl>
          {canWrite ? (
            <div class="actions">
              <a class="button" id="enter-report" href={`/console/employers/${id}/report`}>
                {t('employers.enter')}
              </a>
              <a class="button secondary" href={`/console/employers/${id}/edit`}>
                {t('employers.edit')}
              </a>
              <ActionButton
                ctx={ctx}
                action={`/console/employers/${id}/remove`}
                label={t('employers.remove')}
                kind="danger"
                confirm={t('employers.removeConfirm')}
              />
            </div>
          ) : null}
        </section>
        {series.length > 0 ? (
          <figure class="chart" id="employer-chart">
            <div
              // biome-ignore lint/security/noDangerouslySetInnerHtml: the SVG is rendered by ECharts on the server from numbers
              dangerouslySetInnerHTML={{
                __html: lineChart({
                  title: t('employers.chartTitle'),
                  categories: series.map((p) => p.month),
                  series: [
                    { name: t('employers.form.headcount'), values: series.map((p) => p.headcount) },
                    { name: t('employers.poor'), values: series.map((p) => p.povertyWorkers) },
                  ],
                }),
              }}
            />
          </figure>
        ) : null}
        <h2>{t('employers.history')}</h2>
        <RevisionTable t={t} rows={revisions} />
      </>,
    );
  });

  /** The staff's entry of a report taken by phone, for one of the last 12 months. */
  async function entryPage(
    req: FastifyRequest,
    reply: FastifyReply,
    o: {
      month?: string;
      v?: FigureValues;
      problem?: string;
      status?: number;
      discrepancies?: ExplanationNeeded['discrepancies'];
    } = {},
  ) {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const { id } = parseForm(IdParams, req.params);
    if (ctx.user.role === 'VIEWER') throw new DomainError(403, 'forbidden', t('employers.viewerRefused'));
    const e = await employerInScope(prisma, ctx.user.staff, id);
    const months: string[] = [surveyMonthAt(new Date())];
    while (months.length < 12) months.push(previousMonth(months.at(-1)!));
    return reply.page(
      t('employers.enterTitle', { employer: e.name }),
      <PostForm ctx={ctx} action={`/console/employers/${id}/report`} id="report-form" class="card survey-form">
        {o.problem ? (
          <div class="flash error" role="alert" id="problem">
            {o.problem}
            {o.discrepancies?.length ? <DiscrepancyList t={t} discrepancies={o.discrepancies} /> : null}
          </div>
        ) : null}
        <p class="hint">{t('employers.enterHint')}</p>
        <Field label={t('employers.month')}>
          <Select name="month" value={o.month ?? months[0]} options={months.map((m) => [m, m])} />
        </Field>
        <FigureFields t={t} v={o.v ?? {}} discrepancies={o.discrepancies} />
        <div class="actions">
          <button type="submit" class="primary">
            {t('employers.form.submit')}
          </button>
          <a href={`/console/employers/${id}`}>{t('common.cancel')}</a>
        </div>
      </PostForm>,
      o.status ?? 200,
    );
  }

  app.get('/employers/:id/report', async (req, reply) => entryPage(req, reply));

  app.post('/employers/:id/report', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const { id } = parseForm(IdParams, req.params);
    const raw = (req.body ?? {}) as FigureValues & { month?: string };
    const month = parseForm(z.object({ month: SurveyMonth }), raw).month;
    const read = readFigures(raw);
    if ('field' in read)
      return entryPage(req, reply, {
        month,
        v: raw,
        problem: `${t(`employers.form.${read.field}`)}：${t('employers.form.fix')}`,
        status: 400,
      });
    try {
      const r = await enterReport(app.deps.db, ctx.user.staff, {
        employerId: id,
        month,
        figures: read.figures,
        channel: 'CONSOLE',
      });
      return redirectWith(reply, `/console/employers/${id}`, {
        kind: 'ok',
        text: t('employers.entered', { month, revision: r.revision }),
      });
    } catch (err) {
      if (err instanceof ExplanationNeeded)
        return entryPage(req, reply, {
          month,
          v: raw,
          problem: t('employers.form.explain'),
          status: 422,
          discrepancies: err.discrepancies,
        });
      if (err instanceof DomainError && err.code === 'month_locked')
        return entryPage(req, reply, { month, v: raw, problem: t('employers.monthLocked', { month }), status: 409 });
      throw err;
    }
  });
}

/** Every revision of the employer's reports: who gave it and how, what did not add up and why. */
function RevisionTable(props: { t: Ctx['t']; rows: ReportRevision[] }) {
  const { t } = props;
  return (
    <Table
      id="revisions"
      rows={props.rows}
      empty={t('employers.noReports')}
      columns={[
        { label: t('employers.month'), cell: (r) => r.month },
        { label: t('employers.revision'), num: true, cell: (r) => r.revision },
        { label: t('employers.form.headcount'), num: true, cell: (r) => r.headcount },
        { label: t('employers.poor'), num: true, cell: (r) => r.povertyWorkers },
        { label: t('employers.form.hires'), num: true, cell: (r) => `${r.hires}（${r.hiresPoor}）` },
        { label: t('employers.left'), num: true, cell: (r) => `${separations(r)}（${r.separationsPoor}）` },
        { label: t('employers.form.vacancies'), num: true, cell: (r) => r.vacancies },
        { label: t('employers.form.production'), cell: (r) => t(`employers.production.${r.production}`) },
        {
          label: t('employers.how'),
          cell: (r) =>
            r.source === 'STAFF_PHONE'
              ? t('employers.byPhone', { who: r.enteredBy?.name ?? '—', channel: t(`channel.${r.channel ?? 'CONSOLE'}`) })
              : t('employers.byLink'),
        },
        { label: t('common.when'), cell: (r) => chinaTime(r.reportedAt) },
        {
          label: t('employers.checks'),
          cell: (r) =>
            r.discrepancies.length ? (
              <>
                <Badge kind="warn">{r.discrepancies.map((d) => t(`employers.discrepancyShort.${d}`)).join('、')}</Badge>{' '}
                {r.explanation}
              </>
            ) : (
              '—'
            ),
        },
      ]}
    />
  );
}
