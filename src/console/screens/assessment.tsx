/**
 * 考核 (§22): the region's assessment figures on one page — zero-employment households cleared and
 * days to clear, workers working away this year against last, Jiangsu–Shaanxi cooperation, ledger
 * use and the share of consistent records — with the same figures per group below it and the
 * registry's one-sheet export. Figures below their goal are marked; each links to where staff act.
 */
import type { FastifyInstance } from 'fastify';
import { type AssessmentRow, countyAssessment } from '../../reports/assessment.js';
import { Downloads, FilterForm, FilterQuery, pct, regionChoices } from '../assessment-ui.js';
import { ctxOf } from '../context.js';
import { parseForm } from '../forms.js';
import { consoleScope } from '../report-scope.js';
import { Figure, Table } from '../ui.js';

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const days = (n: number | null) => (n === null ? '—' : n.toFixed(1));

export async function assessmentRoutes(app: FastifyInstance): Promise<void> {
  const { pool, prisma } = app.deps.db;

  app.get('/assessment', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(FilterQuery, req.query);
    const scope = await consoleScope(pool, ctx, q.region);
    const r = await countyAssessment(pool, scope);
    const x = r.total;
    const region = `region=${scope.code}`;
    const groups: AssessmentRow[] = r.groups;
    return reply.page(
      `${t('assessment.title')} · ${scope.name} · ${r.year}`,
      <>
        <FilterForm ctx={ctx} action="/console/assessment" regions={await regionChoices(prisma, ctx, scope)} scope={scope} />
        <p class="muted">{t('assessment.intro', { year: r.year, last: r.year - 1, asOf: r.asOf })}</p>
        <Downloads
          ctx={ctx}
          scope={scope}
          files={[
            { report: 'assessment', format: 'xlsx', label: t('reports.downloadXlsx') },
            { report: 'assessment', format: 'csv', label: t('reports.downloadCsv') },
          ]}
        />
        <p class="actions">
          <a href="/console/subsidies">{t('nav.subsidies')}</a>
          {' · '}
          <a href="/console/sites">{t('nav.sites')}</a>
        </p>
        <h2>{t('assessment.zero')}</h2>
        <ul class="figures" id="assessment-zero">
          <Figure
            label={t('assessment.zeroOpen')}
            value={x.zeroOpen}
            bad={x.zeroOpen > 0}
            badLabel={t('assessment.notCleared')}
            href={`/console/reports/zero-employment?${region}`}
          />
          <Figure
            label={t('assessment.zeroCleared')}
            value={x.zeroCleared}
            hint={t('assessment.entered', { n: x.zeroEntered })}
          />
          <Figure
            label={t('assessment.withinMonth')}
            value={pct(x.zeroClearedWithinMonthPercent)}
            hint={t('assessment.of', { n: x.zeroClearedWithinMonth, of: x.zeroCleared })}
          />
          <Figure
            label={t('assessment.medianDays')}
            value={days(x.medianDaysToClear)}
            hint={t('assessment.meanDays', { n: days(x.meanDaysToClear) })}
          />
        </ul>
        <h2>{t('assessment.away')}</h2>
        <ul class="figures" id="assessment-away">
          <Figure
            label={t('assessment.awayThisYear', { year: r.year })}
            value={x.awayThisYear}
            hint={t('assessment.vsLast', { n: x.awayLastYear, change: signed(x.awayChange) })}
            bad={x.awayChange < 0}
            badLabel={t('assessment.belowLast')}
          />
          <Figure
            label={t('assessment.jiangsuThisYear', { year: r.year })}
            value={x.jiangsuThisYear}
            hint={t('assessment.vsLast', { n: x.jiangsuLastYear, change: signed(x.jiangsuChange) })}
            bad={x.jiangsuChange < 0}
            badLabel={t('assessment.belowLast')}
          />
        </ul>
        <h2>{t('assessment.use')}</h2>
        <ul class="figures" id="assessment-use">
          <Figure
            label={t('assessment.confirmed')}
            value={pct(x.confirmedPercent)}
            hint={t('assessment.of', { n: x.confirmedLast7Days, of: x.workers })}
            bad={(x.confirmedPercent ?? 100) < 100}
            badLabel={t('reports.belowGoal')}
            href={`/console/reports/freshness?${region}`}
          />
          <Figure
            label={t('assessment.servicesPerWilling')}
            value={x.servicesPerWilling === null ? '—' : x.servicesPerWilling.toFixed(2)}
            hint={t('assessment.services', { n: x.servicesThisYear, of: x.willingWorkers })}
            href={`/console/reports/quota?${region}`}
          />
          <Figure
            label={t('assessment.consistent')}
            value={pct(x.consistentPercent)}
            hint={
              x.consistencyChecked > 0
                ? t('assessment.of', { n: x.consistentRecords, of: x.consistencyChecked })
                : t('assessment.notChecked')
            }
          />
        </ul>
        <h2>{t('assessment.byGroup')}</h2>
        <Table
          id="assessment-table"
          rows={groups}
          empty={t('common.empty')}
          columns={[
            { label: t('common.region'), cell: (g) => <a href={`/console/assessment?region=${g.code}`}>{g.name}</a> },
            { label: t('assessment.zeroOpen'), cell: (g) => g.zeroOpen, num: true },
            { label: t('assessment.zeroCleared'), cell: (g) => g.zeroCleared, num: true },
            { label: t('assessment.medianDays'), cell: (g) => days(g.medianDaysToClear), num: true },
            { label: t('assessment.awayShort'), cell: (g) => `${g.awayThisYear} (${signed(g.awayChange)})`, num: true },
            { label: t('assessment.jiangsuShort'), cell: (g) => `${g.jiangsuThisYear} (${signed(g.jiangsuChange)})`, num: true },
            { label: t('assessment.confirmed'), cell: (g) => pct(g.confirmedPercent), num: true },
            {
              label: t('assessment.servicesPerWilling'),
              cell: (g) => (g.servicesPerWilling === null ? '—' : g.servicesPerWilling.toFixed(2)),
              num: true,
            },
            { label: t('assessment.consistent'), cell: (g) => pct(g.consistentPercent), num: true },
          ]}
        />
      </>,
    );
  });
}
