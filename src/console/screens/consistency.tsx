/**
 * 一致性 ledger consistency (§3: 账实相符、账账相符): the picked region's share of consistent
 * records, the last check, its open findings per village and rule, and the findings themselves
 * (filtered by rule and village) with the rule each breaks, linking to the record. OPERATOR and
 * ADMIN can check the region now (the same queued run as the API's, audited).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RULES, type Rule } from '../../consistency/rules.js';
import { consistencyOverview, type FindingView, listFindings, listRuns, scopeRegion, startRun } from '../../consistency/staff.js';
import { REGION_CODE_PATTERN } from '../../staff/scope.js';
import { RowIdParam } from '../../validation.js';
import { type Ctx, ctxOf, redirectWith } from '../context.js';
import { parseForm } from '../forms.js';
import { ActionButton, Badge, chinaTime, Field, Figure, Select, Table, withQuery } from '../ui.js';

const PAGE = 50;

const query = z.object({
  rule: z
    .enum(RULES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  village: z
    .string()
    .regex(REGION_CODE_PATTERN, 'expected a region code')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  state: z.enum(['open', 'resolved', 'all']).optional().default('open'),
  before: RowIdParam.optional(),
});

const ruleLabel = (t: Ctx['t'], r: string) => t(`consistency:rule.${r}`);

function RecordLink(props: { f: FindingView; t: Ctx['t'] }) {
  const { f, t } = props;
  if (f.worker) {
    return (
      <a href={`/console/workers/${f.worker.id}`}>
        {f.worker.name}
        {f.entity === 'FamilyContact' ? ` · ${t('consistency.familyContact')}` : ''}
      </a>
    );
  }
  return (
    <a
      href={`/console/ledger/households?q=${encodeURIComponent(f.household.code)}`}
    >{`${t('consistency.household')} ${f.household.code}`}</a>
  );
}

/** What a finding's record says against what it should, in the staff member's words. */
function Detail(props: { f: FindingView; t: Ctx['t'] }) {
  const { f } = props;
  const t = (k: string, o?: Record<string, unknown>) => props.t(`consistency.detail.${k}`, o);
  const d = f.details as Record<string, unknown>;
  const missing = (items: string[]) => (items.length ? t('missing', { items: items.join(t('sep')) }) : '');
  switch (f.rule) {
    case 'employed_without_employer':
      return <>{missing([d.employer ? '' : t('employer'), d.place ? '' : t('place')].filter(Boolean))}</>;
    case 'unwilling_without_evidence':
      return (
        <>
          {missing(
            [
              d.confirmation ? '' : t('confirmation'),
              d.reason ? '' : t('reason'),
              Number(d.serviceContacts) < Number(d.needed)
                ? t('serviceContacts', { n: d.serviceContacts, needed: d.needed })
                : '',
            ].filter(Boolean),
          )}
        </>
      );
    case 'household_counts':
      return <>{t('counts', { ...d, zero: d.zeroEmployment ? t('zeroFlag') : '' })}</>;
    case 'returnee_working_away':
      return <>{t('current', { status: props.t(`status.${String(d.status)}`) })}</>;
    case 'status_older_than_answer':
      return (
        <>
          {d.notCurrentEvent ? t('notCurrent') : null}
          {d.lastAnswerAt && !d.notCurrentEvent
            ? t('answer', {
                answer: chinaTime(new Date(String(d.lastAnswerAt))),
                confirmed: d.statusConfirmedAt ? chinaTime(new Date(String(d.statusConfirmedAt))) : '—',
              })
            : null}
        </>
      );
    case 'family_contact_is_worker':
      return (
        <>
          {t('sameNumber')}
          {(d.otherWorkerIds as number[]).map((id, i) => (
            <>
              {i > 0 ? t('sep') : ''}
              <a href={`/console/workers/${id}`}>#{id}</a>
            </>
          ))}
        </>
      );
    default:
      return null;
  }
}

export async function consistencyScreenRoutes(app: FastifyInstance): Promise<void> {
  const { pool } = app.deps.db;

  app.get('/consistency', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t, user } = ctx;
    const q = parseForm(query, req.query);
    const region = await scopeRegion(pool, user.staff, user.region.code);
    const listRegion = q.village ? await scopeRegion(pool, user.staff, q.village) : region;
    const [o, page, runs] = await Promise.all([
      consistencyOverview(pool, region),
      listFindings(pool, listRegion, { rule: q.rule, state: q.state, before: q.before, limit: PAGE }),
      listRuns(pool, region, 1),
    ]);
    const pending = runs[0] && (runs[0].status === 'queued' || runs[0].status === 'running') ? runs[0] : null;
    const canRun = user.role !== 'VIEWER';
    const share = o.share.share === null ? '—' : `${(o.share.share * 100).toFixed(1)}%`;
    return reply.page(
      `${t('consistency.title')} · ${region.name}`,
      <>
        <p class="muted">{t('consistency.intro')}</p>
        <details id="rules">
          <summary>{t('consistency.rules')}</summary>
          <dl>
            {RULES.map((r) => (
              <>
                <dt>{ruleLabel(t, r)}</dt>
                <dd>{t(`consistency:explain.${r}`)}</dd>
              </>
            ))}
          </dl>
        </details>
        <ul class="figures" id="consistency-figures">
          <Figure
            label={t('consistency.share')}
            value={share}
            hint={t('consistency.shareHint', { consistent: o.share.consistent, checked: o.share.checked })}
            bad={o.share.share !== null && o.share.share < 1}
            badLabel={t('consistency.toFix')}
          />
          <Figure
            label={t('consistency.open')}
            value={o.open}
            href="/console/consistency"
            bad={o.open > 0}
            badLabel={t('consistency.toFix')}
          />
          <Figure
            label={t('consistency.lastRun')}
            value={o.lastRun ? chinaTime(o.lastRun.finishedAt) : t('consistency.never')}
            hint={o.lastRun ? t(`consistency.trigger.${o.lastRun.trigger}`) : undefined}
          />
        </ul>
        <div class="actions">
          {pending ? (
            <p role="status" id="run-pending">
              <Badge kind="warn">{t('consistency.pending', { id: pending.id })}</Badge>{' '}
              <a href="/console/consistency">{t('consistency.refresh')}</a>
            </p>
          ) : null}
          {canRun ? (
            <ActionButton ctx={ctx} action="/console/consistency/run" label={t('consistency.runNow')} kind="primary" />
          ) : null}
        </div>

        <h2>{t('consistency.byVillage')}</h2>
        <Table
          id="villages"
          rows={o.villages}
          empty={t('consistency.noFindings')}
          columns={[
            {
              label: t('consistency.village'),
              cell: (v) => (
                <a href={withQuery('/console/consistency', { village: v.village.code })}>{`${v.township} ${v.village.name}`}</a>
              ),
            },
            { label: t('consistency.open'), num: true, cell: (v) => v.open },
            ...RULES.map((r) => ({
              label: ruleLabel(t, r),
              num: true,
              cell: (v: (typeof o.villages)[number]) =>
                v.byRule[r as Rule] ? <Badge kind="bad">{v.byRule[r as Rule]}</Badge> : '·',
            })),
          ]}
        />

        <h2 id="findings-title">
          {t('consistency.findings')}
          {q.village && listRegion.id !== region.id ? ` · ${listRegion.name}` : ''}
        </h2>
        <form method="get" action="/console/consistency" class="filters">
          {q.village ? <input type="hidden" name="village" value={q.village} /> : null}
          <Field label={t('consistency.rule')}>
            <Select
              name="rule"
              value={q.rule}
              blank={t('consistency.allRules')}
              options={RULES.map((r) => [r, ruleLabel(t, r)])}
            />
          </Field>
          <Field label={t('consistency.state')}>
            <Select
              name="state"
              value={q.state}
              options={(['open', 'resolved', 'all'] as const).map((s) => [s, t(`consistency.states.${s}`)])}
            />
          </Field>
          <button type="submit">{t('common.filter')}</button>
          {q.rule || q.village || q.state !== 'open' ? <a href="/console/consistency">{t('common.reset')}</a> : null}
        </form>
        <Table
          id="findings"
          rows={page.items}
          empty={t('consistency.noFindings')}
          columns={[
            {
              label: t('consistency.record'),
              cell: (f) => (
                <>
                  <RecordLink f={f} t={t} />
                  <br />
                  <small>{f.village.name}</small>
                </>
              ),
            },
            {
              label: t('consistency.rule'),
              cell: (f) => (
                <>
                  <strong title={t(`consistency:explain.${f.rule}`)}>{ruleLabel(t, f.rule)}</strong>
                  <br />
                  <small>
                    <Detail f={f} t={t} />
                  </small>
                </>
              ),
            },
            {
              label: t('consistency.state'),
              cell: (f) => (
                <>
                  {f.resolvedAt ? (
                    <Badge kind="ok">{t('consistency.resolvedAt', { time: chinaTime(f.resolvedAt) })}</Badge>
                  ) : (
                    <Badge kind="bad">{t('consistency.states.open')}</Badge>
                  )}
                  <br />
                  <small>{t('consistency.foundOn', { time: chinaTime(f.foundAt) })}</small>
                </>
              ),
            },
          ]}
        />
        {page.nextCursor ? (
          <nav class="pager">
            <a rel="next" href={withQuery(ctx.url, { before: page.nextCursor })}>
              {t('common.next')} →
            </a>
          </nav>
        ) : null}
      </>,
    );
  });

  app.post('/consistency/run', async (req, reply) => {
    const ctx = ctxOf(req);
    const region = await scopeRegion(pool, ctx.user.staff, ctx.user.region.code);
    const run = await startRun(app.deps, ctx.user.staff, region);
    return redirectWith(reply, '/console/consistency', { kind: 'ok', text: ctx.t('consistency.started', { id: run.id }) });
  });
}
