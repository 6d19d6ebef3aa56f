/**
 * The employer's own page for the monthly headcount survey (§6), reached by the personal link in
 * the survey's SMS: no sign-in (the signed link is the credential), still a CSRF-protected form.
 * Made for a phone: one column, numeric keypads, nothing to download but the stylesheet.
 *
 * A link that is forged, expired, or names an employer that is not monitored (any more) gets one
 * and the same answer — status, page and headers — so the link tells nothing about which
 * employers exist. A month that locked says so (the link was genuine). A second submission
 * corrects the first: both are kept (survey-reports.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import { z } from 'zod';
import { followUpSoon } from '../../employers/layoff-follow-up.js';
import { previousMonth } from '../../employers/survey-calendar.js';
import { readSurveyToken, surveyLinkKey } from '../../employers/survey-link.js';
import { ExplanationNeeded, latestHeadcount, submitReport } from '../../employers/survey-reports.js';
import { DomainError } from '../../errors.js';
import { shanghaiDay } from '../../ledger/china-time.js';
import { translator } from '../context.js';
import { DiscrepancyList, FigureFields, type FigureValues, figureValues, readFigures } from '../employer-report-form.js';
import { Bare } from '../layout.js';

const TokenParams = z.object({ token: z.string().max(200) });
const SavedQuery = z.object({ saved: z.coerce.number().int().min(1).max(10_000).optional() });

export const SURVEY_PATH = '/console/survey/:token';

export async function surveyFormRoutes(app: FastifyInstance): Promise<void> {
  const { pool, prisma } = app.deps.db;
  const { texts, config } = app.deps;
  const key = surveyLinkKey(config);
  const t = translator(texts.forLanguage('zh-CN'));
  const rate = { rateLimit: { max: 30, timeWindow: '1 minute' } };

  const html = (reply: FastifyReply, status: number, title: string, body: ComponentChildren) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(
        `<!doctype html>${render(
          <Bare lang="zh-CN" title={title}>
            {body}
          </Bare>,
        )}`,
      );

  /** The one answer to every link that is not a live one. */
  const invalid = (reply: FastifyReply) =>
    html(
      reply,
      404,
      t('employers.form.invalidTitle'),
      <section class="card survey-form">
        <p class="flash error" role="alert">
          {t('employers.form.invalid')}
        </p>
      </section>,
    );

  /** The employer the token grants, or null (forged, expired, unknown or no longer monitored). */
  async function grant(req: FastifyRequest) {
    const { token } = TokenParams.parse(req.params);
    const g = readSurveyToken(key, token, new Date());
    if (!g) return null;
    const e = await prisma.employer.findFirst({
      where: { id: g.employerId, isKey: true, removedAt: null },
      select: { id: true, name: true },
    });
    return e ? { ...g, employer: e, token } : null;
  }

  async function formPage(
    reply: FastifyReply,
    g: NonNullable<Awaited<ReturnType<typeof grant>>>,
    o: {
      v?: FigureValues;
      problem?: string;
      status?: number;
      discrepancies?: ExplanationNeeded['discrepancies'];
      saved?: number;
    } = {},
  ) {
    const [y, m] = g.month.split('-').map(Number) as [number, number];
    const title = t('employers.form.title', { employer: g.employer.name, month: `${y}年${m}月` });
    const latest = await prisma.employerHeadcount.findFirst({
      where: { employerId: g.employerId, month: g.month },
      orderBy: { revision: 'desc' },
      include: { layoffs: { select: { name: true, phone: true, idLast4: true }, orderBy: { id: 'asc' } } },
    });
    const previous = await latestHeadcount(pool, g.employerId, previousMonth(g.month));
    const csrf = reply.generateCsrf();
    return html(
      reply,
      o.status ?? 200,
      title,
      <section class="card survey-form">
        <h1>{title}</h1>
        {o.saved ? (
          <p class="flash ok" role="status" id="saved">
            {t('employers.form.saved', { revision: o.saved })}
          </p>
        ) : null}
        {o.problem ? (
          <div class="flash error" role="alert" id="problem">
            {o.problem}
            {o.discrepancies?.length ? <DiscrepancyList t={t} discrepancies={o.discrepancies} /> : null}
          </div>
        ) : null}
        <p class="hint">{t('employers.form.intro', { due: shanghaiDay(new Date(g.expiresAt.getTime() - 1)) })}</p>
        {latest && !o.saved ? <p class="hint">{t('employers.form.correcting', { revision: latest.revision })}</p> : null}
        <form method="post" action={`/console/survey/${g.token}`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <FigureFields
            t={t}
            v={o.v ?? (latest ? figureValues(latest, latest.layoffs) : {})}
            discrepancies={o.discrepancies}
            previous={previous}
          />
          <button type="submit" class="primary">
            {t('employers.form.submit')}
          </button>
        </form>
      </section>,
    );
  }

  app.get('/survey/:token', { config: rate }, async (req, reply) => {
    const g = await grant(req);
    if (!g) return invalid(reply);
    const { saved } = SavedQuery.parse(req.query);
    return formPage(reply, g, { saved });
  });

  app.post('/survey/:token', { config: rate }, async (req, reply) => {
    const g = await grant(req);
    if (!g) return invalid(reply);
    const raw = (req.body ?? {}) as FigureValues;
    const read = readFigures(raw);
    if ('field' in read)
      return formPage(reply, g, {
        v: raw,
        problem: `${t(`employers.form.${read.field}`)}：${t('employers.form.fix')}`,
        status: 400,
      });
    try {
      const r = await submitReport(pool, {
        employerId: g.employerId,
        month: g.month,
        figures: read.figures,
        source: 'EMPLOYER_LINK',
      });
      return reply.redirect(`/console/survey/${g.token}?saved=${r.revision}`, 303);
    } catch (err) {
      if (err instanceof ExplanationNeeded)
        return formPage(reply, g, {
          v: raw,
          problem: t('employers.form.explain'),
          status: 422,
          discrepancies: err.discrepancies,
        });
      if (err instanceof DomainError && err.code === 'month_locked')
        return html(
          reply,
          409,
          t('employers.form.lockedTitle'),
          <section class="card survey-form">
            <p class="flash error" role="alert">
              {t('employers.form.locked')}
            </p>
          </section>,
        );
      throw err;
    }
  });
}
