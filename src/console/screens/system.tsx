/**
 * 系统 (ADMIN): staff users of the admin's region (create, change role or region, disable and
 * enable, a one-time sign-in link for a new user), their API tokens (issue, shown once; revoke),
 * and the audit log of the region. The same domain functions as the staff API and the CLI.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { forbidden } from '../../errors.js';
import { listAudit, recordAudit } from '../../staff/audit.js';
import { issueUserToken, listUserTokens, revokeUserToken } from '../../staff/tokens.js';
import {
  createStaffUser,
  getStaffUser,
  listStaffUsers,
  STAFF_ROLES,
  USERNAME_PATTERN,
  updateStaffUser,
} from '../../staff/users.js';
import { RowIdParam } from '../../validation.js';
import { type Ctx, ctxOf, redirectWith } from '../context.js';
import { IdParams, parseForm } from '../forms.js';
import { createSignInLink, revokeUserSessions } from '../session.js';
import { ActionButton, Badge, chinaTime, Field, Pager, PostForm, Select, Table } from '../ui.js';

const PAGE = 50;

export async function systemRoutes(app: FastifyInstance): Promise<void> {
  const { prisma } = app.deps.db;

  // Only ADMINs see this part; the domain functions check again for every action.
  app.addHook('preHandler', async (req) => {
    if (req.url.startsWith('/console/system') && req.consoleUser?.role !== 'ADMIN') {
      throw forbidden(ctxOf(req).t('common.forbidden'));
    }
  });

  const roleOptions = (ctx: Ctx): Array<[string, string]> => STAFF_ROLES.map((r) => [r, ctx.t(`header.roles.${r}`)]);

  app.get('/system', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const users = await listStaffUsers(prisma, ctx.user.staff);
    return reply.page(
      t('system.users'),
      <>
        <SystemTabs ctx={ctx} current="users" />
        <Table
          id="users"
          rows={users}
          empty={t('common.empty')}
          columns={[
            { label: t('system.username'), cell: (u) => <a href={`/console/system/users/${u.id}`}>{u.username}</a> },
            { label: t('common.name'), cell: (u) => u.name },
            { label: t('system.role'), cell: (u) => t(`header.roles.${u.role}`) },
            { label: t('common.region'), cell: (u) => `${u.region.name}（${u.region.code}）` },
            {
              label: t('common.status'),
              cell: (u) =>
                u.active ? <Badge kind="ok">{t('system.active')}</Badge> : <Badge kind="bad">{t('system.disabled')}</Badge>,
            },
            { label: t('system.password'), cell: (u) => (u.hasPassword ? t('common.yes') : t('common.no')) },
            { label: t('system.tokens'), num: true, cell: (u) => u.activeTokens },
          ]}
        />
        <section class="card" id="new-user">
          <h2>{t('system.newUser')}</h2>
          <PostForm ctx={ctx} action="/console/system/users">
            <div class="grid2">
              <Field label={t('system.username')} hint={t('system.usernameHint')}>
                <input type="text" name="username" required maxLength={40} pattern="[a-z0-9][a-z0-9._\-]{2,39}" />
              </Field>
              <Field label={t('common.name')}>
                <input type="text" name="name" required maxLength={60} />
              </Field>
              <Field label={t('system.role')}>
                <Select name="role" value="OPERATOR" options={roleOptions(ctx)} />
              </Field>
              <Field label={t('ledger.regionCode')}>
                <input type="text" name="regionCode" required inputMode="numeric" maxLength={12} value={ctx.user.region.code} />
              </Field>
            </div>
            <button type="submit">{t('system.create')}</button>
          </PostForm>
        </section>
      </>,
    );
  });

  const NewUser = z.object({
    username: z.string().trim().toLowerCase().regex(USERNAME_PATTERN, 'expected 3-40 lower-case letters, digits, . _ or -'),
    name: z.string().trim().min(1).max(60),
    role: z.enum(STAFF_ROLES),
    regionCode: z
      .string()
      .trim()
      .regex(/^\d{2,12}$/, 'expected a region code of 2-12 digits'),
  });

  app.post('/system/users', async (req, reply) => {
    const ctx = ctxOf(req);
    const f = parseForm(NewUser, req.body);
    const u = await createStaffUser(prisma, ctx.user.staff, f);
    return redirectWith(reply, `/console/system/users/${u.id}`, { kind: 'ok', text: ctx.t('system.created') });
  });

  app.get('/system/users/:id', async (req, reply) => userPage(req, reply, parseForm(IdParams, req.params).id));

  /**
   * A user's page; `shown` is a new token or sign-in link, shown on this answer only (never put in
   * a URL, where logs and the browser's history would keep it).
   */
  async function userPage(req: FastifyRequest, reply: FastifyReply, id: number, shown?: string) {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const [u, tokens] = await Promise.all([getStaffUser(prisma, ctx.user.staff, id), listUserTokens(prisma, ctx.user.staff, id)]);
    return reply.page(
      `${t('system.user')} · ${u.username}`,
      <>
        <SystemTabs ctx={ctx} current="users" />
        {shown ? (
          <section class="card" id="shown-once">
            <p class="flash ok">{t('system.shownOnce')}</p>
            <p>
              <code>{shown}</code>
            </p>
          </section>
        ) : null}
        <div class="grid2">
          <section class="card">
            <h2>{u.name}</h2>
            <PostForm ctx={ctx} action={`/console/system/users/${id}`}>
              <Field label={t('common.name')}>
                <input type="text" name="name" value={u.name} maxLength={60} />
              </Field>
              <Field label={t('system.role')}>
                <Select name="role" value={u.role} options={roleOptions(ctx)} />
              </Field>
              <Field label={t('ledger.regionCode')}>
                <input type="text" name="regionCode" value={u.region.code} inputMode="numeric" maxLength={12} />
              </Field>
              <button type="submit">{t('common.save')}</button>
            </PostForm>
            <p class="actions">
              {u.active ? (
                <ActionButton
                  ctx={ctx}
                  action={`/console/system/users/${id}/disable`}
                  label={t('system.disable')}
                  kind="danger"
                  confirm={t('system.disableConfirm', { username: u.username })}
                />
              ) : (
                <ActionButton ctx={ctx} action={`/console/system/users/${id}/enable`} label={t('system.enable')} />
              )}
              {u.active ? <ActionButton ctx={ctx} action={`/console/system/users/${id}/link`} label={t('system.link')} /> : null}
            </p>
          </section>
          <section class="card">
            <h2>{t('system.tokens')}</h2>
            <Table
              id="tokens"
              rows={tokens}
              empty={t('common.empty')}
              columns={[
                { label: t('common.name'), cell: (k) => `${k.name} (${k.prefix}…)` },
                { label: t('system.lastUsed'), cell: (k) => chinaTime(k.lastUsedAt) },
                { label: t('common.status'), cell: (k) => t(`system.tokenState.${k.state}`) },
                {
                  label: t('common.actions'),
                  cell: (k) =>
                    k.state === 'active' ? (
                      <ActionButton
                        ctx={ctx}
                        action={`/console/system/users/${id}/tokens/${k.id}/revoke`}
                        label={t('system.revoke')}
                      />
                    ) : null,
                },
              ]}
            />
            {u.active ? (
              <PostForm ctx={ctx} action={`/console/system/users/${id}/tokens`}>
                <Field label={t('system.tokenName')}>
                  <input type="text" name="name" required maxLength={60} value="console" />
                </Field>
                <Field label={t('system.expiresDays')}>
                  <input type="number" name="expiresDays" min={1} max={3650} value="365" />
                </Field>
                <button type="submit">{t('system.issue')}</button>
              </PostForm>
            ) : null}
          </section>
        </div>
      </>,
    );
  }

  const Patch = z.object({
    name: z.string().trim().max(60).optional(),
    role: z.enum(STAFF_ROLES).optional(),
    regionCode: z
      .string()
      .trim()
      .regex(/^\d{2,12}$/, 'expected a region code of 2-12 digits')
      .optional(),
  });

  app.post('/system/users/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(Patch, req.body);
    await updateStaffUser(prisma, ctx.user.staff, id, f);
    return redirectWith(reply, `/console/system/users/${id}`, { kind: 'ok', text: ctx.t('common.done') });
  });

  for (const [action, active] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    app.post(`/system/users/:id/${action}`, async (req, reply) => {
      const ctx = ctxOf(req);
      const { id } = parseForm(IdParams, req.params);
      await updateStaffUser(prisma, ctx.user.staff, id, { active });
      // Disabling signs the user out of the console everywhere, as it revokes their tokens.
      if (!active) await revokeUserSessions(prisma, id);
      return redirectWith(reply, `/console/system/users/${id}`, {
        kind: 'ok',
        text: ctx.t(active ? 'system.enabled' : 'system.disabled_done'),
      });
    });
  }

  app.post('/system/users/:id/link', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const u = await getStaffUser(prisma, ctx.user.staff, id);
    const token = await createSignInLink(prisma, u.id, 'invite');
    await recordAudit(prisma, {
      staffUserId: ctx.user.userId,
      action: 'staff_user.sign_in_link',
      entity: 'StaffUser',
      entityId: u.id,
      regionId: u.region.id,
    });
    const base = app.deps.config.PUBLIC_BASE_URL ?? `${req.protocol}://${req.host}`;
    return userPage(req, reply, id, `${base}/console/link/${token}`);
  });

  app.post('/system/users/:id/tokens', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(
      z.object({ name: z.string().trim().min(1).max(60), expiresDays: z.coerce.number().int().min(1).max(3650).optional() }),
      req.body,
    );
    const issued = await issueUserToken(prisma, ctx.user.staff, id, f);
    return userPage(req, reply, id, issued.token);
  });

  app.post('/system/users/:id/tokens/:tokenId/revoke', async (req, reply) => {
    const ctx = ctxOf(req);
    const p = parseForm(z.object({ id: RowIdParam, tokenId: RowIdParam }), req.params);
    await revokeUserToken(prisma, ctx.user.staff, p.id, p.tokenId);
    return redirectWith(reply, `/console/system/users/${p.id}`, { kind: 'ok', text: ctx.t('system.revoked') });
  });

  app.get('/system/audit', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(
      z.object({
        action: z.string().trim().max(60).optional(),
        page: z.coerce.number().int().min(1).max(1000).default(1),
      }),
      req.query,
    );
    const rows = await listAudit(prisma, ctx.user.staff, { action: q.action || undefined, limit: q.page * PAGE + 1 });
    const page = rows.slice((q.page - 1) * PAGE, q.page * PAGE);
    return reply.page(
      t('system.audit'),
      <>
        <SystemTabs ctx={ctx} current="audit" />
        <form method="get" action="/console/system/audit" class="filters">
          <Field label={t('system.action')}>
            <input type="text" name="action" value={q.action ?? ''} maxLength={60} placeholder="task.close" />
          </Field>
          <button type="submit">{t('common.filter')}</button>
        </form>
        <Table
          id="audit"
          rows={page}
          empty={t('common.empty')}
          columns={[
            { label: t('common.when'), cell: (a) => chinaTime(a.at) },
            { label: t('common.who'), cell: (a) => a.staffUser?.username ?? t('system.system') },
            { label: t('system.action'), cell: (a) => a.action },
            { label: t('system.entity'), cell: (a) => `${a.entity} ${a.entityId ?? ''}` },
            { label: t('common.region'), cell: (a) => a.region?.name ?? '—' },
            { label: t('common.details'), cell: (a) => <small>{JSON.stringify(a.details).slice(0, 200)}</small> },
          ]}
        />
        <Pager ctx={ctx} page={q.page} hasMore={rows.length > q.page * PAGE} />
      </>,
    );
  });
}

function SystemTabs(props: { ctx: Ctx; current: 'users' | 'audit' }) {
  const { t } = props.ctx;
  return (
    <p class="actions">
      <a href="/console/system" class="button secondary" aria-current={props.current === 'users' ? 'page' : undefined}>
        {t('system.users')}
      </a>
      <a href="/console/system/audit" class="button secondary" aria-current={props.current === 'audit' ? 'page' : undefined}>
        {t('system.audit')}
      </a>
    </p>
  );
}
