/**
 * Signing in and out, one-time sign-in links, the user's own password, and the two preferences a
 * session keeps: the region the console is narrowed to and the language.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { render } from 'preact-render-to-string';
import { z } from 'zod';
import { recordAudit } from '../../staff/audit.js';
import { checkPasswordRules, hashPassword } from '../../staff/passwords.js';
import { codeInScope } from '../../staff/scope.js';
import { RowIdParam } from '../../validation.js';
import { ctxOf, redirectWith, translator } from '../context.js';
import { parseForm } from '../forms.js';
import { Bare } from '../layout.js';
import { safeBack } from '../plugin.js';
import {
  checkCredentials,
  consumeSignInLink,
  createSession,
  revokeSession,
  revokeUserSessions,
  SESSION_COOKIE,
  SESSION_MAX_MS,
  setSessionPreferences,
} from '../session.js';
import { Field, PostForm } from '../ui.js';

const SignInForm = z.object({
  username: z.string().trim().min(1).max(40),
  password: z.string().min(1).max(200),
  next: z.string().max(2000).optional(),
});

export async function authRoutes(app: FastifyInstance): Promise<void> {
  const { prisma } = app.deps.db;
  const { texts, config } = app.deps;
  const secure = config.PUBLIC_BASE_URL?.startsWith('https:') ?? false;

  const setSessionCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/console',
      httpOnly: true,
      sameSite: 'lax',
      secure,
      maxAge: SESSION_MAX_MS / 1000,
    });

  const signInPage = (
    reply: FastifyReply,
    o: { message?: string; next?: string; username?: string; status?: number; lang?: string },
  ) => {
    const lang = o.lang ?? 'zh-CN';
    const t = translator(texts.forLanguage(lang));
    const csrf = reply.generateCsrf();
    return reply
      .code(o.status ?? 200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        `<!doctype html>${render(
          <Bare lang={lang} title={`${t('signIn.title')} · ${t('app.name')}`}>
            <h1>{t('app.name')}</h1>
            <section class="card">
              <h2>{t('signIn.title')}</h2>
              {o.message ? (
                <p class="flash error" role="alert">
                  {o.message}
                </p>
              ) : null}
              <form method="post" action="/console/sign-in">
                <input type="hidden" name="_csrf" value={csrf} />
                <input type="hidden" name="next" value={o.next ?? '/console'} />
                <Field label={t('signIn.username')}>
                  <input type="text" name="username" autocomplete="username" required value={o.username ?? ''} />
                </Field>
                <Field label={t('signIn.password')}>
                  <input type="password" name="password" autocomplete="current-password" required />
                </Field>
                <button type="submit">{t('signIn.submit')}</button>
              </form>
            </section>
          </Bare>,
        )}`,
      );
  };

  app.get('/sign-in', async (req, reply) => {
    const q = req.query as { next?: string; expired?: string; out?: string; link?: string };
    const t = translator(texts.forLanguage('zh-CN'));
    const message = q.link
      ? t('signIn.linkInvalid')
      : q.expired
        ? t('signIn.expired')
        : q.out
          ? t('signIn.signedOut')
          : undefined;
    return signInPage(reply, { message, next: safeBack(q.next) });
  });

  app.post(
    '/sign-in',
    // Attempts are limited per address and username: guessing a password is slow, a typo costs
    // nothing, and one office behind one address can still sign its other staff in.
    {
      config: {
        rateLimit: {
          max: 10,
          timeWindow: '1 minute',
          keyGenerator: (req: FastifyRequest) =>
            `${req.ip}|${String((req.body as { username?: unknown } | undefined)?.username ?? '')
              .slice(0, 40)
              .toLowerCase()}`,
        },
      },
    },
    async (req, reply) => {
      const parsed = SignInForm.safeParse(req.body);
      const t = translator(texts.forLanguage('zh-CN'));
      if (!parsed.success) return signInPage(reply, { message: t('signIn.failed'), status: 400 });
      const { username, password, next } = parsed.data;
      const userId = await checkCredentials(prisma, username, password);
      if (!userId) {
        req.log.info('console sign-in refused');
        return signInPage(reply, { message: t('signIn.failed'), next: safeBack(next), username, status: 401 });
      }
      setSessionCookie(reply, await createSession(prisma, userId, req.headers['user-agent']));
      await recordAudit(prisma, { staffUserId: userId, action: 'console.sign_in', entity: 'StaffUser', entityId: userId });
      return reply.redirect(safeBack(next), 303);
    },
  );

  app.get('/link/:token', async (req, reply) => {
    const { token } = req.params as { token: string };
    const userId = await consumeSignInLink(prisma, token);
    if (!userId) return reply.redirect('/console/sign-in?link=invalid', 303);
    setSessionCookie(reply, await createSession(prisma, userId, req.headers['user-agent']));
    await recordAudit(prisma, { staffUserId: userId, action: 'console.sign_in_link', entity: 'StaffUser', entityId: userId });
    const u = await prisma.staffUser.findUnique({ where: { id: userId }, select: { passwordHash: true } });
    return reply.redirect(u?.passwordHash ? '/console' : '/console/account?first=1', 303);
  });

  app.post('/sign-out', async (req, reply) => {
    const user = req.consoleUser!;
    await revokeSession(prisma, user.sessionId);
    await recordAudit(prisma, {
      staffUserId: user.userId,
      action: 'console.sign_out',
      entity: 'StaffUser',
      entityId: user.userId,
    });
    reply.clearCookie(SESSION_COOKIE, { path: '/console' });
    return reply.redirect('/console/sign-in?out=1', 303);
  });

  app.get('/account', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const first = (req.query as { first?: string }).first;
    return reply.page(
      t('account.title'),
      <section class="card">
        {first ? <p class="flash ok">{t('account.firstRun')}</p> : null}
        <h2>{t('account.setPassword')}</h2>
        <p class="muted">
          {ctx.user.username} · {ctx.user.home.name}
        </p>
        <PostForm ctx={ctx} action="/console/account/password">
          <Field label={t('account.newPassword')}>
            <input type="password" name="password" autocomplete="new-password" minLength={10} required />
          </Field>
          <Field label={t('account.repeat')}>
            <input type="password" name="repeat" autocomplete="new-password" minLength={10} required />
          </Field>
          <button type="submit">{t('account.save')}</button>
        </PostForm>
      </section>,
    );
  });

  app.post('/account/password', async (req, reply) => {
    const ctx = ctxOf(req);
    const f = parseForm(z.object({ password: z.string().max(200), repeat: z.string().max(200) }), req.body);
    if (f.password !== f.repeat)
      return redirectWith(reply, '/console/account', { kind: 'error', text: ctx.t('account.mismatch') });
    checkPasswordRules(f.password);
    const passwordHash = await hashPassword(f.password);
    await prisma.$transaction(async (tx) => {
      await tx.staffUser.update({ where: { id: ctx.user.userId }, data: { passwordHash } });
      await recordAudit(tx, {
        staffUserId: ctx.user.userId,
        action: 'staff_user.password',
        entity: 'StaffUser',
        entityId: ctx.user.userId,
      });
    });
    // A new password ends the user's other sessions (a lost phone still signed in).
    await revokeUserSessions(prisma, ctx.user.userId, ctx.user.sessionId);
    return redirectWith(reply, '/console', { kind: 'ok', text: ctx.t('account.saved') });
  });

  app.post('/region', async (req, reply) => {
    const ctx = ctxOf(req);
    const f = parseForm(
      z.object({ regionId: RowIdParam.optional().or(z.literal('')), back: z.string().max(2000).optional() }),
      req.body,
    );
    if (f.regionId) {
      const region = await prisma.region.findUnique({ where: { id: f.regionId }, select: { id: true, code: true } });
      // Only inside the user's own region: the picker narrows, it never widens.
      if (!region || !codeInScope({ regionCode: ctx.user.home.code }, region.code)) {
        return redirectWith(reply, safeBack(f.back), { kind: 'error', text: ctx.t('common.forbidden') });
      }
      await setSessionPreferences(prisma, ctx.user.sessionId, { regionId: region.id === ctx.user.home.id ? null : region.id });
    }
    return reply.redirect(safeBack(f.back), 303);
  });

  app.post('/language', async (req, reply) => {
    const ctx = ctxOf(req);
    const f = parseForm(z.object({ language: z.enum(['zh-CN', 'en']), back: z.string().max(2000).optional() }), req.body);
    await setSessionPreferences(prisma, ctx.user.sessionId, { language: f.language });
    return reply.redirect(safeBack(f.back), 303);
  });
}
