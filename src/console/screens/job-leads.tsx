/**
 * 岗位 job leads: the county job database of the scope (status filter, paged), a form to add a
 * lead, expiry, and a lead's page with the workers who said 有意向 (when, where they live). Writes
 * go through the same staff actions as the API (src/ledger/job-leads.ts: scope, role, audit).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../errors.js';
import { JobLeadStatus } from '../../generated/prisma/enums.js';
import {
  addJobLead,
  expireJobLeadAsStaff,
  type JobLeadView,
  jobLeadInScope,
  listJobLeadInterests,
  listJobLeads,
} from '../../ledger/job-leads.js';
import { findRegion } from '../../staff/scope.js';
import { type Ctx, ctxOf, redirectWith } from '../context.js';
import { optionalText, parseForm } from '../forms.js';
import { ActionButton, Badge, chinaDate, chinaTime, Field, Pager, PostForm, Select, SelectFilter, Table } from '../ui.js';
import { localizeRefusals } from './campaigns.js';

const PAGE = 50;
const STATUSES = Object.values(JobLeadStatus);

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalInt = (max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? Number(v) : null))
    .pipe(z.number().int().min(0).max(max).nullable());

const leadForm = z
  .object({
    regionCode: z.string().regex(/^\d{2,12}$/, 'expected a region code'),
    title: text(100),
    employer: text(100),
    place: text(100),
    industry: optionalText(50),
    wageMin: optionalInt(1_000_000),
    wageMax: optionalInt(1_000_000),
    slots: optionalInt(100_000),
    requirements: optionalText(1000),
    skills: z.string().optional().default(''),
    outOfProvince: z.string().optional(),
    partnerCity: optionalText(50),
    source: optionalText(200),
    expiresOn: z
      .string()
      .optional()
      .transform((v) => (v ? v : null))
      .pipe(
        z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date')
          .nullable(),
      ),
  })
  .refine((b) => b.wageMin == null || b.wageMax == null || b.wageMin <= b.wageMax, {
    message: 'must not be below the lowest wage',
    path: ['wageMax'],
  });

type LeadValues = Partial<Record<keyof z.input<typeof leadForm>, string>>;

function wage(l: Pick<JobLeadView, 'wageMin' | 'wageMax'>): string {
  if (l.wageMin == null && l.wageMax == null) return '—';
  if (l.wageMin != null && l.wageMax != null && l.wageMin !== l.wageMax) return `${l.wageMin}–${l.wageMax}`;
  return String(l.wageMin ?? l.wageMax);
}

function StatusBadge(props: { t: Ctx['t']; status: string }) {
  const kind = props.status === 'OPEN' ? 'ok' : props.status === 'FILLED' ? undefined : 'muted';
  return <Badge kind={kind}>{props.t(`jobLeads.status.${props.status}`)}</Badge>;
}

function LeadForm(props: { ctx: Ctx; v: LeadValues; regions: Array<{ code: string; name: string }>; problem?: string }) {
  const { ctx, v } = props;
  const { t } = ctx;
  return (
    <PostForm ctx={ctx} action="/console/job-leads" id="lead-form" class="card">
      {props.problem ? (
        <p class="flash error" role="alert">
          {props.problem}
        </p>
      ) : null}
      <div class="grid2">
        <div>
          <Field label={`${t('jobLeads.jobTitle')} *`}>
            <input type="text" name="title" required maxLength={100} value={v.title ?? ''} />
          </Field>
          <Field label={`${t('jobLeads.employer')} *`}>
            <input type="text" name="employer" required maxLength={100} value={v.employer ?? ''} />
          </Field>
          <Field label={`${t('jobLeads.place')} *`} hint={t('jobLeads.placeHint')}>
            <input type="text" name="place" required maxLength={100} value={v.place ?? ''} />
          </Field>
          <Field label={t('jobLeads.region')}>
            <Select name="regionCode" value={v.regionCode} options={props.regions.map((r) => [r.code, r.name])} />
          </Field>
          <Field label={t('jobLeads.industry')}>
            <input type="text" name="industry" maxLength={50} value={v.industry ?? ''} />
          </Field>
          <div class="row">
            <Field label={t('jobLeads.wageMin')}>
              <input type="number" name="wageMin" min={0} value={v.wageMin ?? ''} />
            </Field>
            <Field label={t('jobLeads.wageMax')}>
              <input type="number" name="wageMax" min={0} value={v.wageMax ?? ''} />
            </Field>
            <Field label={t('jobLeads.slots')}>
              <input type="number" name="slots" min={1} value={v.slots ?? '1'} />
            </Field>
          </div>
        </div>
        <div>
          <Field label={t('jobLeads.requirements')}>
            <textarea name="requirements" rows={3} maxLength={1000}>
              {v.requirements ?? ''}
            </textarea>
          </Field>
          <Field label={t('jobLeads.skills')} hint={t('jobLeads.skillsHint')}>
            <input type="text" name="skills" value={v.skills ?? ''} />
          </Field>
          <label class="check">
            <input type="checkbox" name="outOfProvince" value="true" checked={v.outOfProvince === 'true'} />{' '}
            {t('jobLeads.outOfProvince')}
          </label>
          <Field label={t('jobLeads.partnerCity')} hint={t('jobLeads.partnerCityHint')}>
            <input type="text" name="partnerCity" maxLength={50} value={v.partnerCity ?? ''} />
          </Field>
          <Field label={t('jobLeads.source')}>
            <input type="text" name="source" maxLength={200} value={v.source ?? ''} />
          </Field>
          <Field label={t('jobLeads.expiresOn')} hint={t('jobLeads.expiresHint')}>
            <input type="date" name="expiresOn" value={v.expiresOn ?? ''} />
          </Field>
        </div>
      </div>
      <div class="actions">
        <button type="submit" class="primary">
          {t('jobLeads.create')}
        </button>
        <a href="/console/job-leads">{t('common.cancel')}</a>
      </div>
    </PostForm>
  );
}

const IdParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });

export async function jobLeadRoutes(app: FastifyInstance): Promise<void> {
  localizeRefusals(app);
  const { pool, prisma } = app.deps.db;

  /** The regions a lead may belong to: the scope and the regions right below it. */
  async function regionChoices(ctx: Ctx) {
    const here = ctx.user.region;
    const children = await prisma.region.findMany({
      where: { parentId: here.id },
      orderBy: { code: 'asc' },
      select: { code: true, name: true },
      take: 300,
    });
    return [{ code: here.code, name: here.name }, ...children];
  }

  async function formPage(req: FastifyRequest, reply: FastifyReply, v: LeadValues, problem?: string, status = 200) {
    const ctx = ctxOf(req);
    if (ctx.user.role === 'VIEWER') throw new DomainError(403, 'forbidden', 'viewers cannot change job leads');
    return reply.page(
      ctx.t('jobLeads.new'),
      <LeadForm ctx={ctx} v={v} regions={await regionChoices(ctx)} problem={problem} />,
      status,
    );
  }

  app.get('/job-leads', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(PageQuery.extend({ status: z.enum(JobLeadStatus).or(z.literal('')).optional() }), req.query);
    const status = q.status || undefined;
    const rows = await listJobLeads(pool, {
      regionCodePrefix: ctx.user.staff.regionCode,
      status,
      offset: (q.page - 1) * PAGE,
      limit: PAGE + 1,
    });
    const more = rows.length > PAGE;
    if (more) rows.length = PAGE;
    return reply.page(
      t('jobLeads.title'),
      <>
        {ctx.user.role !== 'VIEWER' ? (
          <div class="actions">
            <a class="button" href="/console/job-leads/new">
              {t('jobLeads.new')}
            </a>
          </div>
        ) : null}
        <SelectFilter
          ctx={ctx}
          action="/console/job-leads"
          label={t('common.status')}
          name="status"
          value={status}
          blank={t('common.all')}
          options={STATUSES.map((s) => [s, t(`jobLeads.status.${s}`)])}
        />
        <Table
          id="job-leads"
          rows={rows}
          empty={t('jobLeads.none')}
          columns={[
            { label: t('jobLeads.jobTitle'), cell: (l) => <a href={`/console/job-leads/${l.id}`}>{l.title}</a> },
            { label: t('jobLeads.employer'), cell: (l) => l.employer },
            { label: t('jobLeads.place'), cell: (l) => l.place },
            { label: t('jobLeads.wage'), num: true, cell: (l) => wage(l) },
            { label: t('jobLeads.slots'), num: true, cell: (l) => l.slots },
            { label: t('common.status'), cell: (l) => <StatusBadge t={t} status={l.status} /> },
            { label: t('jobLeads.interests'), num: true, cell: (l) => l.interests },
            { label: t('jobLeads.shown'), num: true, cell: (l) => l.serviceContacts },
            { label: t('jobLeads.expires'), cell: (l) => (l.expiresAt ? chinaDate(l.expiresAt) : t('jobLeads.noExpiry')) },
            { label: t('common.region'), cell: (l) => l.regionName },
          ]}
        />
        <Pager ctx={ctx} page={q.page} hasMore={more} />
      </>,
    );
  });

  app.get('/job-leads/new', async (req, reply) => formPage(req, reply, { regionCode: ctxOf(req).user.region.code }));

  app.post('/job-leads', async (req, reply) => {
    const ctx = ctxOf(req);
    const raw = (req.body ?? {}) as LeadValues;
    const r = leadForm.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const field = String(issue.path[0] ?? 'form');
      const label = ctx.t(`jobLeads.${field === 'title' ? 'jobTitle' : field}`);
      return formPage(req, reply, raw, `${label}：${issue.message}`, 400);
    }
    const f = r.data;
    const region = await findRegion(pool, { code: f.regionCode });
    if (!region) return formPage(req, reply, raw, ctx.t('jobLeads.noRegion'), 400);
    const skills = f.skills
      .split(/[,，、\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const fields = {
      title: f.title,
      employer: f.employer,
      place: f.place,
      industry: f.industry,
      wageMin: f.wageMin,
      wageMax: f.wageMax,
      slots: f.slots ?? 1,
      requirements: f.requirements,
      skills,
      outOfProvince: f.outOfProvince === 'true' || f.outOfProvince === 'on',
      partnerCity: f.partnerCity,
      source: f.source,
    };
    const lead = await addJobLead(
      pool,
      ctx.user.staff,
      region,
      { ...fields, expiresAt: f.expiresOn ? new Date(`${f.expiresOn}T23:59:59+08:00`) : null },
      { ...fields, expiresOn: f.expiresOn, via: 'CONSOLE' },
    );
    return redirectWith(reply, `/console/job-leads/${lead.id}`, { kind: 'ok', text: ctx.t('jobLeads.created') });
  });

  app.get('/job-leads/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const { id } = parseForm(IdParams, req.params);
    const { page } = parseForm(PageQuery, req.query);
    const lead = await jobLeadInScope(pool, ctx.user.staff, id);
    const interests = await listJobLeadInterests(pool, id, { limit: PAGE + 1, offset: (page - 1) * PAGE });
    const more = interests.length > PAGE;
    if (more) interests.length = PAGE;
    return reply.page(
      lead.title,
      <>
        <p>
          <a href="/console/job-leads">← {t('jobLeads.title')}</a>
        </p>
        <section class="card">
          <dl class="facts" id="lead-facts">
            <dt>{t('common.status')}</dt>
            <dd>
              <StatusBadge t={t} status={lead.status} />
            </dd>
            <dt>{t('jobLeads.employer')}</dt>
            <dd>{lead.employer}</dd>
            <dt>{t('jobLeads.place')}</dt>
            <dd>
              {lead.place}
              {lead.outOfProvince ? ` · ${t('jobLeads.outOfProvince')}` : ''}
              {lead.partnerCity ? ` · ${t('jobLeads.partnerCity')} ${lead.partnerCity}` : ''}
            </dd>
            <dt>{t('jobLeads.region')}</dt>
            <dd>{lead.regionName}</dd>
            <dt>{t('jobLeads.wage')}</dt>
            <dd>{wage(lead)}</dd>
            <dt>{t('jobLeads.slots')}</dt>
            <dd>{lead.slots}</dd>
            {lead.industry ? (
              <>
                <dt>{t('jobLeads.industry')}</dt>
                <dd>{lead.industry}</dd>
              </>
            ) : null}
            {lead.skills.length ? (
              <>
                <dt>{t('jobLeads.skills')}</dt>
                <dd>{lead.skills.join('、')}</dd>
              </>
            ) : null}
            {lead.requirements ? (
              <>
                <dt>{t('jobLeads.requirements')}</dt>
                <dd>{lead.requirements}</dd>
              </>
            ) : null}
            {lead.source ? (
              <>
                <dt>{t('jobLeads.source')}</dt>
                <dd>{lead.source}</dd>
              </>
            ) : null}
            <dt>{t('jobLeads.expires')}</dt>
            <dd>{lead.expiresAt ? chinaDate(lead.expiresAt) : t('jobLeads.noExpiry')}</dd>
            <dt>{t('jobLeads.shown')}</dt>
            <dd>{lead.serviceContacts}</dd>
            <dt>{t('campaigns.created')}</dt>
            <dd>{chinaTime(lead.createdAt)}</dd>
          </dl>
          {ctx.user.role !== 'VIEWER' && lead.status === 'OPEN' ? (
            <div class="actions">
              <a class="button secondary" id="push-lead" href={`/console/campaigns/new?kind=JOB_LEADS&lead=${id}`}>
                {t('jobLeads.push')}
              </a>
              <ActionButton
                ctx={ctx}
                action={`/console/job-leads/${id}/expire`}
                label={t('jobLeads.expire')}
                kind="danger"
                confirm={t('jobLeads.expireConfirm')}
              />
            </div>
          ) : null}
        </section>
        <h2>{t('jobLeads.interestTitle', { count: lead.interests, n: lead.interests })}</h2>
        <Table
          id="interests"
          rows={interests}
          empty={t('jobLeads.noInterest')}
          columns={[
            { label: t('common.name'), cell: (i) => <a href={`/console/workers/${i.workerId}`}>{i.name}</a> },
            { label: t('jobLeads.village'), cell: (i) => `${i.townshipName} ${i.villageName}` },
            { label: t('common.phone'), cell: (i) => i.phone?.replace(/^\+86/, '') ?? '—' },
            { label: t('jobLeads.via'), cell: (i) => t(`channel.${i.channel}`) },
            { label: t('jobLeads.when'), cell: (i) => chinaTime(i.createdAt) },
          ]}
        />
        <Pager ctx={ctx} page={page} hasMore={more} />
      </>,
    );
  });

  app.post('/job-leads/:id/expire', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    await expireJobLeadAsStaff(pool, ctx.user.staff, id);
    return redirectWith(reply, `/console/job-leads/${id}`, { kind: 'ok', text: ctx.t('jobLeads.expired') });
  });
}
