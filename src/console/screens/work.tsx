/**
 * The day's work: 任务 tasks (mine, unassigned, overdue; assign, close with an outcome and the call
 * made), 代签 confirmations (a review queue with the evidence: the exchange with the number asked
 * and the call recording playable in the page; approve or reject with a note) and 消息 the inbox
 * of senders the ledger does not know (register a number to a worker or as family).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fetchRecording } from '../../channels/twilio/recordings.js';
import { notFound } from '../../errors.js';
import { ConfirmationStatus, FamilyRelation } from '../../generated/prisma/enums.js';
import { confirmationRecording, getConfirmation, listConfirmations, reviewConfirmation } from '../../ledger/confirmations.js';
import { listInbox, registerInboxSender } from '../../ledger/inbox.js';
import { assignTask, closeTask, getTask, listTasks } from '../../ledger/staff-tasks.js';
import { BigRowId, RowIdParam } from '../../validation.js';
import { ctxOf, redirectWith } from '../context.js';
import { IdParams, optionalText, parseForm } from '../forms.js';
import { ActionButton, Badge, chinaTime, Field, Pager, PostForm, Select, SelectFilter, Table } from '../ui.js';

const PAGE = 50;
const Page = z.coerce.number().int().min(1).max(10_000).default(1);

export async function workRoutes(app: FastifyInstance): Promise<void> {
  const deps = app.deps;
  const { prisma, pool } = deps.db;

  // ───────────── Tasks ─────────────
  const TaskQuery = z.object({
    view: z.enum(['open', 'mine', 'unassigned', 'overdue', 'done', 'all']).default('open'),
    page: Page,
  });

  app.get('/tasks', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(TaskQuery, req.query);
    const filter = {
      open: { status: 'OPEN' as const },
      mine: { status: 'OPEN' as const, assigned: 'me' as const },
      unassigned: { status: 'OPEN' as const, assigned: 'none' as const },
      overdue: { due: 'overdue' as const },
      done: { status: 'DONE' as const },
      all: {},
    }[q.view];
    // Offset paging over the newest-first list: fetch up to this page and one more row.
    const rows = await listTasks(prisma, ctx.user.staff, { ...filter, limit: q.page * PAGE + 1 });
    const page = rows.slice((q.page - 1) * PAGE, q.page * PAGE);
    const canWrite = ctx.user.role !== 'VIEWER';
    return reply.page(
      t('nav.tasks'),
      <>
        <nav class="actions" aria-label={t('nav.tasks')}>
          {(['open', 'mine', 'unassigned', 'overdue', 'done', 'all'] as const).map((v) => (
            <a href={`/console/tasks?view=${v}`} class="button secondary" aria-current={q.view === v ? 'page' : undefined}>
              {t(`tasks.view.${v}`)}
            </a>
          ))}
        </nav>
        <Table
          id="tasks"
          rows={page}
          empty={t('common.empty')}
          columns={[
            {
              label: t('tasks.task'),
              cell: (k) => (
                <>
                  <a href={`/console/tasks/${k.id}`}>{k.title}</a>
                  <br />
                  <small class="muted">{t(`tasks.kind.${k.kind}`, { defaultValue: k.kind })}</small>
                </>
              ),
            },
            { label: t('common.region'), cell: (k) => k.region.name },
            {
              label: t('tasks.person'),
              cell: (k) =>
                k.worker ? <a href={`/console/workers/${k.worker.id}`}>{k.worker.name}</a> : (k.household?.headName ?? '—'),
            },
            {
              label: t('tasks.due'),
              cell: (k) => (k.overdue ? <Badge kind="bad">{chinaTime(k.dueAt)}</Badge> : chinaTime(k.dueAt)),
            },
            { label: t('tasks.assignee'), cell: (k) => k.assignee?.name ?? <span class="muted">{t('tasks.nobody')}</span> },
            { label: t('common.status'), cell: (k) => t(`tasks.status.${k.status}`) },
            {
              label: t('common.actions'),
              cell: (k) =>
                canWrite && k.status === 'OPEN' && k.assignee?.id !== ctx.user.userId ? (
                  <ActionButton ctx={ctx} action={`/console/tasks/${k.id}/assign`} label={t('tasks.takeIt')} kind="primary" />
                ) : null,
            },
          ]}
        />
        <Pager ctx={ctx} page={q.page} hasMore={rows.length > q.page * PAGE} />
      </>,
    );
  });

  app.get('/tasks/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const { id } = parseForm(IdParams, req.params);
    const k = await getTask(prisma, ctx.user.staff, id);
    const canWrite = ctx.user.role !== 'VIEWER' && k.status === 'OPEN';
    return reply.page(
      k.title,
      <div class="grid2">
        <section class="card">
          <dl class="facts">
            <dt>{t('common.kind')}</dt>
            <dd>{t(`tasks.kind.${k.kind}`, { defaultValue: k.kind })}</dd>
            <dt>{t('common.status')}</dt>
            <dd>
              {t(`tasks.status.${k.status}`)} {k.overdue ? <Badge kind="bad">{t('tasks.overdue')}</Badge> : null}
            </dd>
            <dt>{t('common.region')}</dt>
            <dd>{k.region.name}</dd>
            <dt>{t('tasks.person')}</dt>
            <dd>
              {k.worker ? (
                <a href={`/console/workers/${k.worker.id}`}>
                  {k.worker.name} {k.worker.phone ?? ''}
                </a>
              ) : (
                (k.household?.headName ?? '—')
              )}
            </dd>
            <dt>{t('tasks.created')}</dt>
            <dd>{chinaTime(k.createdAt)}</dd>
            <dt>{t('tasks.due')}</dt>
            <dd>{chinaTime(k.dueAt)}</dd>
            <dt>{t('tasks.assignee')}</dt>
            <dd>{k.assignee?.name ?? t('tasks.nobody')}</dd>
            {k.outcome ? (
              <>
                <dt>{t('tasks.outcome')}</dt>
                <dd>
                  {k.outcome} · {k.closedBy?.name} · {chinaTime(k.closedAt)}
                </dd>
              </>
            ) : null}
          </dl>
          <DetailsText details={k.details} />
        </section>
        {canWrite ? (
          <section class="card" id="task-actions">
            <h2>{t('tasks.assign')}</h2>
            <PostForm ctx={ctx} action={`/console/tasks/${id}/assign`}>
              <Field label={t('tasks.assignTo')} hint={t('tasks.assignHint')}>
                <input type="text" name="username" maxLength={40} placeholder={ctx.user.username} />
              </Field>
              <button type="submit" class="secondary">
                {t('tasks.assign')}
              </button>
            </PostForm>
            <h2>{t('tasks.close')}</h2>
            <PostForm ctx={ctx} action={`/console/tasks/${id}/close`}>
              <Field label={t('tasks.outcome')}>
                <textarea name="outcome" required maxLength={1000} />
              </Field>
              <p>
                <label>
                  <input type="checkbox" name="called" value="true" checked={k.worker !== null} /> {t('tasks.called')}
                </label>
              </p>
              <Field label={t('common.status')}>
                <Select
                  name="status"
                  options={[
                    ['DONE', t('tasks.status.DONE')],
                    ['CANCELLED', t('tasks.status.CANCELLED')],
                  ]}
                />
              </Field>
              <button type="submit">{t('tasks.close')}</button>
            </PostForm>
          </section>
        ) : null}
      </div>,
    );
  });

  app.post('/tasks/:id/assign', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(z.object({ username: z.string().trim().max(40).optional() }), req.body);
    await assignTask(prisma, ctx.user.staff, id, f.username ? { username: f.username } : { id: ctx.user.userId }, 'CONSOLE');
    return redirectWith(reply, `/console/tasks/${id}`, { kind: 'ok', text: ctx.t('tasks.assigned') });
  });

  app.post('/tasks/:id/close', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(
      z.object({
        outcome: z.string().trim().min(1).max(1000),
        called: z.literal('true').optional(),
        status: z.enum(['DONE', 'CANCELLED']).default('DONE'),
      }),
      req.body,
    );
    await closeTask(prisma, ctx.user.staff, id, {
      outcome: f.outcome,
      called: f.called === 'true',
      status: f.status,
      via: 'CONSOLE',
    });
    return redirectWith(reply, '/console/tasks', { kind: 'ok', text: ctx.t('tasks.closed') });
  });

  // ───────────── Confirmations ─────────────
  const ConfirmationQuery = z.object({
    status: z.enum(ConfirmationStatus).optional().or(z.literal('')),
    page: Page,
  });

  app.get('/confirmations', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(ConfirmationQuery, req.query);
    // The review queue by default: answered and waiting for staff.
    const statuses = q.status ? [q.status] : (['CONFIRMED', 'DISPUTED'] as const);
    const lists = await Promise.all(
      statuses.map((status) => listConfirmations(prisma, ctx.user.staff, { status, limit: q.page * PAGE + 1 })),
    );
    const all = lists
      .flat()
      .filter((c) => q.status || !c.reviewedAt)
      .sort((a, b) => b.id - a.id);
    const rows = all.slice((q.page - 1) * PAGE, q.page * PAGE);
    return reply.page(
      t('nav.confirmations'),
      <>
        <SelectFilter
          ctx={ctx}
          action="/console/confirmations"
          label={t('common.status')}
          name="status"
          value={q.status || undefined}
          blank={t('confirmation.toReview')}
          options={Object.values(ConfirmationStatus).map((s) => [s, t(`confirmation.status.${s}`)])}
        />
        <Table
          id="confirmations"
          rows={rows}
          empty={t('common.empty')}
          columns={[
            {
              label: t('common.when'),
              cell: (c) => <a href={`/console/confirmations/${c.id}`}>{chinaTime(c.respondedAt ?? c.requestedAt)}</a>,
            },
            { label: t('common.name'), cell: (c) => <a href={`/console/workers/${c.worker.id}`}>{c.worker.name}</a> },
            { label: t('ledger.village'), cell: (c) => c.worker.villageName },
            { label: t('common.kind'), cell: (c) => t(`confirmation.kind.${c.kind}`) },
            {
              label: t('confirmation.confirmer'),
              cell: (c) =>
                c.familyContact
                  ? `${c.familyContact.name}（${t(`relation.${c.familyContact.relation}`)}）`
                  : t('ledger.confirmerWorker'),
            },
            {
              label: t('common.status'),
              cell: (c) => <StatusBadge status={c.status} label={t(`confirmation.status.${c.status}`)} />,
            },
            { label: t('confirmation.evidence'), cell: (c) => (c.recordings.length ? '🎙' : '') },
          ]}
        />
        <Pager ctx={ctx} page={q.page} hasMore={all.length > q.page * PAGE} />
      </>,
    );
  });

  app.get('/confirmations/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const { id } = parseForm(IdParams, req.params);
    const c = await getConfirmation(prisma, ctx.user.staff, id);
    const canReview = ctx.user.role !== 'VIEWER' && !c.reviewedAt && (c.status === 'CONFIRMED' || c.status === 'DISPUTED');
    return reply.page(
      `${t('nav.confirmations')} · ${c.worker.name}`,
      <div class="grid2">
        <section class="card">
          <dl class="facts">
            <dt>{t('common.kind')}</dt>
            <dd>{t(`confirmation.kind.${c.kind}`)}</dd>
            <dt>{t('common.status')}</dt>
            <dd>
              <StatusBadge status={c.status} label={t(`confirmation.status.${c.status}`)} />
            </dd>
            <dt>{t('ledger.statement')}</dt>
            <dd>{c.statement}</dd>
            <dt>{t('confirmation.confirmer')}</dt>
            <dd>
              {c.familyContact
                ? `${c.familyContact.name}（${t(`relation.${c.familyContact.relation}`)}）`
                : t('ledger.confirmerWorker')}{' '}
              {c.confirmerPhone}
            </dd>
            <dt>{t('confirmation.requested')}</dt>
            <dd>
              {chinaTime(c.requestedAt)} · {c.requestedBy?.name ?? '—'} · {c.requestedVia ? t(`channel.${c.requestedVia}`) : ''}
            </dd>
            <dt>{t('confirmation.answered')}</dt>
            <dd>{chinaTime(c.respondedAt)}</dd>
            {c.reviewedAt ? (
              <>
                <dt>{t('confirmation.reviewed')}</dt>
                <dd>
                  {chinaTime(c.reviewedAt)} · {c.reviewedBy?.name} · {c.reviewNote ?? ''}
                </dd>
              </>
            ) : null}
          </dl>
          <h2>{t('confirmation.evidence')}</h2>
          {c.recordings.map((r) => (
            <p>
              {/* The recording plays through this service with the session's scope, never from the provider's URL. */}
              {/* biome-ignore lint/a11y/useMediaCaption: a phone call's recording has no transcript; the exchange is listed below */}
              <audio
                controls
                preload="none"
                src={`/console/confirmations/${id}/recordings/${r.sid}`}
                aria-label={t('confirmation.recording')}
              >
                <a href={`/console/confirmations/${id}/recordings/${r.sid}`}>{t('confirmation.recording')}</a>
              </audio>{' '}
              {r.duration ? <small class="muted">{r.duration}s</small> : null}
            </p>
          ))}
          <Table
            id="exchange"
            rows={c.messages}
            empty={t('common.empty')}
            columns={[
              { label: t('common.when'), cell: (m) => chinaTime(m.at) },
              { label: t('ledger.direction'), cell: (m) => (m.direction === 'in' ? '→' : '←') },
              { label: t('ledger.channel'), cell: (m) => t(`channel.${m.channel}`) },
              { label: t('ledger.text'), cell: (m) => m.text },
            ]}
          />
        </section>
        {canReview ? (
          <section class="card" id="review">
            <h2>{t('confirmation.review')}</h2>
            <PostForm ctx={ctx} action={`/console/confirmations/${id}/review`}>
              <Field label={t('common.note')}>
                <textarea name="note" maxLength={1000} />
              </Field>
              <p class="actions">
                {c.status === 'CONFIRMED' ? (
                  <button type="submit" name="decision" value="approve">
                    {t('confirmation.approve')}
                  </button>
                ) : null}
                <button type="submit" name="decision" value="reject" class="danger">
                  {t('confirmation.reject')}
                </button>
              </p>
            </PostForm>
          </section>
        ) : null}
      </div>,
    );
  });

  app.post('/confirmations/:id/review', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(z.object({ decision: z.enum(['approve', 'reject']), note: optionalText(1000) }), req.body);
    await reviewConfirmation(prisma, ctx.user.staff, { confirmationId: id, decision: f.decision, note: f.note, via: 'CONSOLE' });
    return redirectWith(reply, '/console/confirmations', { kind: 'ok', text: ctx.t(`confirmation.${f.decision}d`) });
  });

  app.get('/confirmations/:id/recordings/:sid', async (req, reply) => {
    const ctx = ctxOf(req);
    const p = parseForm(
      z.object({ id: RowIdParam, sid: z.string().regex(/^RE[0-9a-f]{32}$/, 'a recording sid (RE…)') }),
      req.params,
    );
    const rec = await confirmationRecording(prisma, ctx.user.staff, p.id, p.sid);
    const media = await fetchRecording(deps.providers.twilio, rec.sid).catch((err: Error) => {
      req.log.warn({ err: { message: err.message } }, 'recording fetch failed');
      return null;
    });
    if (!media) throw notFound(ctx.t('confirmation.noRecording'));
    reply.header('content-type', media.contentType).header('cache-control', 'private, max-age=3600');
    if (media.length !== null) reply.header('content-length', media.length);
    return reply.send(media.body as never);
  });

  // ───────────── Inbox ─────────────
  app.get('/inbox', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(z.object({ days: z.coerce.number().int().min(1).max(90).default(7) }), req.query);
    const rows = await listInbox(pool, { days: q.days, limit: 200 });
    const canWrite = ctx.user.role !== 'VIEWER';
    return reply.page(
      t('nav.inbox'),
      <>
        <p class="muted">{t('inbox.intro', { days: q.days })}</p>
        <Table
          id="inbox"
          rows={rows}
          empty={t('common.empty')}
          columns={[
            { label: t('inbox.from'), cell: (m) => `${t(`channel.${m.channel}`)} ${m.from}` },
            { label: t('inbox.messages'), num: true, cell: (m) => m.messages },
            { label: t('inbox.last'), cell: (m) => chinaTime(m.lastAt) },
            { label: t('ledger.text'), cell: (m) => m.texts.join(' / ') },
            {
              label: t('common.actions'),
              cell: (m) =>
                canWrite ? (
                  <details>
                    <summary>{t('inbox.register')}</summary>
                    <PostForm ctx={ctx} action={`/console/inbox/${m.id}/register`}>
                      <Field label={t('inbox.workerId')} hint={t('inbox.workerIdHint')}>
                        <input type="number" name="workerId" required min={1} />
                      </Field>
                      <Field label={t('inbox.as')}>
                        <Select
                          name="as"
                          options={[
                            ['worker', t('inbox.asWorker')],
                            ['family', t('inbox.asFamily')],
                          ]}
                        />
                      </Field>
                      <Field label={t('inbox.familyName')}>
                        <input type="text" name="name" maxLength={60} />
                      </Field>
                      <Field label={t('ledger.relation')}>
                        <Select
                          name="relation"
                          blank="—"
                          options={Object.values(FamilyRelation).map((r) => [r, t(`relation.${r}`)])}
                        />
                      </Field>
                      <button type="submit">{t('inbox.register')}</button>
                    </PostForm>
                  </details>
                ) : null,
            },
          ]}
        />
      </>,
    );
  });

  app.post('/inbox/:id/register', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(z.object({ id: BigRowId }), req.params);
    const f = parseForm(
      z.object({
        workerId: RowIdParam,
        as: z.enum(['worker', 'family']),
        name: z.string().trim().max(60).optional(),
        relation: z.enum(FamilyRelation).optional().or(z.literal('')),
      }),
      req.body,
    );
    const reg =
      f.as === 'worker'
        ? { as: 'worker' as const, workerId: f.workerId }
        : {
            as: 'family' as const,
            workerId: f.workerId,
            name: parseForm(z.string().min(1, 'is required for a family contact'), f.name),
            relation: parseForm(z.enum(FamilyRelation, 'is required for a family contact'), f.relation),
          };
    const r = await registerInboxSender(prisma, ctx.user.staff, id, reg, 'CONSOLE');
    return redirectWith(reply, `/console/workers/${r.workerId}`, {
      kind: 'ok',
      text: ctx.t('inbox.registered', { count: r.messages }),
    });
  });
}

function StatusBadge(props: { status: string; label: string }) {
  const kind =
    props.status === 'APPROVED'
      ? 'ok'
      : props.status === 'REJECTED' || props.status === 'DISPUTED'
        ? 'bad'
        : props.status === 'CONFIRMED'
          ? 'warn'
          : 'muted';
  return <Badge kind={kind}>{props.label}</Badge>;
}

/** A task's details as staff read them: the message that raised it, the plan's step. */
function DetailsText(props: { details: unknown }) {
  const d = props.details as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') return null;
  const lines = Object.entries(d).filter(([, v]) => typeof v === 'string' || typeof v === 'number');
  if (lines.length === 0) return null;
  return (
    <dl class="facts">
      {lines.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{String(v)}</dd>
        </>
      ))}
    </dl>
  );
}
