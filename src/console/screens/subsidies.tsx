/**
 * 补贴台账 (§14, §16): the month's subsidy ledger of a region — what each county owes, to whom, and
 * every line with the referral and employment records behind it — with the XLSX/CSV files of the
 * report registry, and the service agencies a referral may name (staff register them here).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { shanghaiMonth } from '../../ledger/china-time.js';
import { createAgency, listAgencies } from '../../ledger/subsidy-parties.js';
import { STATUS_ZH } from '../../reports/common.js';
import { type SUBSIDY_KIND_ZH, subsidyLedger, subsidyLinesPage } from '../../reports/subsidies.js';
import { loadSubsidyRules } from '../../reports/subsidy-rules.js';
import { Downloads, FilterForm, FilterQuery, regionChoices } from '../assessment-ui.js';
import { ctxOf, redirectWith } from '../context.js';
import { optionalText, parseForm } from '../forms.js';
import { consoleScope } from '../report-scope.js';
import { Badge, chinaTime, Field, Figure, PostForm, Table } from '../ui.js';

/** Lines shown on the page; the files hold them all. */
const LINES_SHOWN = 200;

const AgencyForm = z.object({
  name: z.string().trim().min(1).max(100),
  creditCode: optionalText(18).pipe(
    z
      .string()
      .regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, '18 digits and capital letters')
      .nullable(),
  ),
});

export async function subsidyRoutes(app: FastifyInstance): Promise<void> {
  const { pool, prisma } = app.deps.db;
  const rules = () => loadSubsidyRules(app.deps.config.SUBSIDY_RULES_FILE);

  app.get('/subsidies', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(FilterQuery, req.query);
    const scope = await consoleScope(pool, ctx, q.region);
    const month = q.month ?? shanghaiMonth(new Date());
    const r = rules();
    const [ledger, lines, agencies] = await Promise.all([
      subsidyLedger(pool, scope, r, { month }),
      subsidyLinesPage(pool, scope, r, month, undefined, LINES_SHOWN),
      listAgencies(prisma, ctx.user.staff),
    ]);
    const kind = (k: keyof typeof SUBSIDY_KIND_ZH) => t(`subsidies.kinds.${k}`);
    const yuan = (n: number) => t('subsidies.yuan', { n: n.toLocaleString('zh-CN') });
    return reply.page(
      `${t('subsidies.title')} · ${scope.name} · ${month}`,
      <>
        <FilterForm
          ctx={ctx}
          action="/console/subsidies"
          regions={await regionChoices(prisma, ctx, scope)}
          scope={scope}
          month={month}
        />
        <p class="muted">
          {t('subsidies.intro', {
            referral: r.referral.amountYuan,
            window: r.referral.windowDays,
            absorption: r.absorption.amountYuan,
          })}
        </p>
        <Downloads
          ctx={ctx}
          scope={scope}
          month={month}
          files={[
            { report: 'subsidies', format: 'xlsx', label: t('subsidies.downloadXlsx') },
            { report: 'subsidy-lines', format: 'csv', label: t('subsidies.downloadCsv') },
          ]}
        />
        <ul class="figures" id="subsidy-figures">
          <Figure label={t('subsidies.total')} value={yuan(ledger.total.totalYuan)} />
          <Figure label={t('subsidies.referrals')} value={ledger.total.referrals} hint={yuan(ledger.total.referralYuan)} />
          <Figure label={t('subsidies.absorptions')} value={ledger.total.absorptions} hint={yuan(ledger.total.absorptionYuan)} />
        </ul>
        <h2>{t('subsidies.byCounty')}</h2>
        <Table
          id="subsidy-counties"
          rows={ledger.counties}
          empty={t('subsidies.none')}
          columns={[
            { label: t('subsidies.county'), cell: (c) => c.countyName },
            { label: t('subsidies.referrals'), cell: (c) => c.referrals, num: true },
            { label: t('subsidies.referralYuan'), cell: (c) => c.referralYuan, num: true },
            { label: t('subsidies.absorptions'), cell: (c) => c.absorptions, num: true },
            { label: t('subsidies.absorptionYuan'), cell: (c) => c.absorptionYuan, num: true },
            { label: t('subsidies.totalYuan'), cell: (c) => c.totalYuan, num: true },
          ]}
        />
        <h2>{t('subsidies.byPayee')}</h2>
        <Table
          id="subsidy-payees"
          rows={ledger.payees}
          empty={t('subsidies.none')}
          columns={[
            { label: t('subsidies.payee'), cell: (p) => p.payeeName },
            { label: t('common.kind'), cell: (p) => kind(p.kind) },
            { label: t('subsidies.creditCode'), cell: (p) => p.payeeCreditCode ?? '—' },
            { label: t('subsidies.workers'), cell: (p) => p.workers, num: true },
            { label: t('subsidies.amount'), cell: (p) => p.amountYuan, num: true },
          ]}
        />
        <h2>{t('subsidies.lines')}</h2>
        {lines.next ? <p class="muted">{t('subsidies.moreLines', { n: LINES_SHOWN })}</p> : null}
        <Table
          id="subsidy-lines"
          rows={lines.items}
          empty={t('subsidies.none')}
          columns={[
            { label: t('common.kind'), cell: (l) => kind(l.kind) },
            { label: t('subsidies.payee'), cell: (l) => l.payeeName },
            { label: t('common.name'), cell: (l) => <a href={`/console/workers/${l.workerId}`}>{l.workerName}</a> },
            { label: t('subsidies.village'), cell: (l) => l.villageName },
            {
              label: t('subsidies.referral'),
              cell: (l) =>
                l.referralId ? `#${l.referralId} ${chinaTime(l.referredAt)}${l.referredBy ? ` · ${l.referredBy}` : ''}` : '—',
            },
            {
              label: t('subsidies.employment'),
              cell: (l) =>
                `#${l.eventId} ${l.employedOn} ${ctx.lang === 'en' ? l.status : STATUS_ZH[l.status]} · ${l.employerName ?? ''}`,
            },
            {
              label: t('subsidies.verified'),
              cell: (l) =>
                l.verified ? <Badge kind="ok">{t('common.yes')}</Badge> : <Badge kind="muted">{t('common.no')}</Badge>,
            },
            { label: t('subsidies.amount'), cell: (l) => l.amountYuan, num: true },
          ]}
        />
        <h2 id="agencies">{t('subsidies.agencies')}</h2>
        <p class="muted">{t('subsidies.agenciesIntro')}</p>
        <Table
          id="agency-list"
          rows={agencies}
          empty={t('subsidies.noAgencies')}
          columns={[
            { label: 'ID', cell: (a) => a.id, num: true },
            { label: t('subsidies.agency'), cell: (a) => a.name },
            { label: t('subsidies.creditCode'), cell: (a) => a.creditCode ?? '—' },
            { label: t('common.region'), cell: (a) => a.regionName },
          ]}
        />
        {ctx.user.role === 'VIEWER' ? null : (
          <PostForm ctx={ctx} action="/console/subsidies/agencies" id="agency-form" class="card">
            <Field label={`${t('subsidies.agency')} *`}>
              <input type="text" name="name" required maxLength={100} />
            </Field>
            <Field label={t('subsidies.creditCode')} hint={t('subsidies.creditCodeHint')}>
              <input type="text" name="creditCode" maxLength={18} pattern="[0-9A-HJ-NPQRTUWXY]{18}" />
            </Field>
            <button type="submit" class="primary">
              {t('subsidies.addAgency')}
            </button>
          </PostForm>
        )}
      </>,
    );
  });

  app.post('/subsidies/agencies', async (req, reply) => {
    const ctx = ctxOf(req);
    const form = parseForm(AgencyForm, req.body);
    const a = await createAgency(prisma, ctx.user.staff, { name: form.name, creditCode: form.creditCode });
    return redirectWith(reply, '/console/subsidies#agencies', {
      kind: 'ok',
      text: ctx.t('subsidies.agencyAdded', { name: a.name }),
    });
  });
}
