/**
 * 安置点 (Annex 4): per resettlement site of the region, the relocated households with labour, those
 * with someone employed and the share (below 100% marked), the households with nobody employed as
 * a list to act on (each linked to the ledger), and a link that opens the campaign builder aimed at
 * the site — its whole audience, or only its households with nobody employed.
 */
import type { FastifyInstance } from 'fastify';
import { resettlementSites, siteHouseholdPage } from '../../reports/sites.js';
import { Downloads, FilterForm, FilterQuery, pct, regionChoices } from '../assessment-ui.js';
import { ctxOf } from '../context.js';
import { parseForm } from '../forms.js';
import { consoleScope } from '../report-scope.js';
import { Badge, chinaDate, Figure, Table, withQuery } from '../ui.js';

/** Households listed on the page; the files hold them all. */
const LISTED = 200;

/** The campaign builder with its audience set to a site (and, with `zero`, its households with nobody employed). */
export function siteCampaignHref(code: string, zero = false): string {
  return withQuery('/console/campaigns/new', {
    kind: 'JOB_LEADS',
    audience: JSON.stringify(zero ? { sites: [code], zeroEmployment: true } : { sites: [code] }),
  });
}

export async function siteRoutes(app: FastifyInstance): Promise<void> {
  const { pool, prisma } = app.deps.db;

  app.get('/sites', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(FilterQuery, req.query);
    const scope = await consoleScope(pool, ctx, q.region);
    const [report, households] = await Promise.all([
      resettlementSites(pool, scope),
      siteHouseholdPage(pool, scope, null, LISTED),
    ]);
    const writer = ctx.user.role !== 'VIEWER';
    return reply.page(
      `${t('sites.title')} · ${scope.name}`,
      <>
        <FilterForm ctx={ctx} action="/console/sites" regions={await regionChoices(prisma, ctx, scope)} scope={scope} />
        <p class="muted">{t('sites.intro')}</p>
        <Downloads
          ctx={ctx}
          scope={scope}
          files={[
            { report: 'resettlement-sites', format: 'xlsx', label: t('sites.downloadXlsx') },
            { report: 'site-households-without-employment', format: 'csv', label: t('sites.downloadCsv') },
          ]}
        />
        <ul class="figures" id="site-figures">
          <Figure label={t('sites.sites')} value={report.sites.length} />
          <Figure label={t('sites.withLabor')} value={report.total.withLabor} />
          <Figure
            label={t('sites.share')}
            value={pct(report.total.employedPercent)}
            bad={(report.total.employedPercent ?? 100) < 100}
            badLabel={t('reports.belowGoal')}
          />
          <Figure
            label={t('sites.without')}
            value={report.total.withoutEmployed}
            href="#site-households"
            bad={report.total.withoutEmployed > 0}
          />
        </ul>
        <Table
          id="site-table"
          rows={report.sites}
          empty={t('sites.none')}
          columns={[
            { label: t('sites.site'), cell: (s) => s.name },
            { label: t('common.region'), cell: (s) => s.regionName },
            { label: t('sites.households'), cell: (s) => s.households, num: true },
            { label: t('sites.withLabor'), cell: (s) => s.withLabor, num: true },
            { label: t('sites.withEmployed'), cell: (s) => s.withEmployed, num: true },
            {
              label: t('sites.share'),
              cell: (s) =>
                (s.employedPercent ?? 100) < 100 ? <Badge kind="bad">{pct(s.employedPercent)}</Badge> : pct(s.employedPercent),
              num: true,
            },
            { label: t('sites.without'), cell: (s) => s.withoutEmployed, num: true },
            {
              label: t('sites.campaign'),
              cell: (s) =>
                writer ? (
                  <>
                    <a href={siteCampaignHref(s.code)}>{t('sites.campaignAll')}</a>
                    {s.withoutEmployed > 0 ? (
                      <>
                        {' · '}
                        <a href={siteCampaignHref(s.code, true)}>{t('sites.campaignZero')}</a>
                      </>
                    ) : null}
                  </>
                ) : (
                  '—'
                ),
            },
          ]}
        />
        <h2 id="site-households">{t('sites.list')}</h2>
        {households.length === LISTED ? <p class="muted">{t('sites.more', { n: LISTED })}</p> : null}
        <Table
          id="site-household-list"
          rows={households}
          empty={t('sites.noneWithout')}
          columns={[
            {
              label: t('sites.household'),
              cell: (h) => <a href={withQuery('/console/ledger/households', { q: h.householdCode })}>{h.householdCode}</a>,
            },
            { label: t('sites.head'), cell: (h) => h.headName ?? '—' },
            { label: t('sites.site'), cell: (h) => h.siteName },
            { label: t('sites.village'), cell: (h) => h.villageName },
            { label: t('sites.labor'), cell: (h) => h.laborCount, num: true },
            { label: t('sites.since'), cell: (h) => chinaDate(h.since) },
            { label: t('sites.days'), cell: (h) => h.daysOnList ?? '—', num: true },
            { label: t('sites.services'), cell: (h) => h.services, num: true },
          ]}
        />
      </>,
    );
  });
}
