/**
 * The staff console at /console: server-rendered pages over the same domain functions as the
 * staff API, with the same region scope and audit. Registered by the app as one encapsulated
 * plugin, so its cookies, CSRF checks, Content-Security-Policy and HTML error pages apply to the
 * console only, never to the API or the webhooks.
 *
 * Order of a request: assets are answered first (no session needed); sign-in pages need none;
 * every other route resolves the session cookie (or redirects to sign-in), then every POST must
 * carry the CSRF token of the page it came from.
 */
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { DomainError } from '../errors.js';
import { nulPath } from '../validation.js';
import { findAsset } from './assets.js';
import { type Ctx, FLASH_COOKIE, type Flash, translator } from './context.js';
import { Bare, Layout, type RegionPicker } from './layout.js';
import { assessmentRoutes } from './screens/assessment.js';
import { authRoutes } from './screens/auth.js';
import { campaignRoutes } from './screens/campaigns.js';
import { consistencyScreenRoutes } from './screens/consistency.js';
import { dashboardRoutes } from './screens/dashboard.js';
import { employerRoutes } from './screens/employers.js';
import { importScreenRoutes } from './screens/imports.js';
import { jobLeadRoutes } from './screens/job-leads.js';
import { ledgerRoutes } from './screens/ledger.js';
import { reportRoutes } from './screens/reports.js';
import { siteRoutes } from './screens/sites.js';
import { subsidyRoutes } from './screens/subsidies.js';
import { SURVEY_PATH, surveyFormRoutes } from './screens/survey-form.js';
import { systemRoutes } from './screens/system.js';
import { workRoutes } from './screens/work.js';
import { resolveSession, SESSION_COOKIE } from './session.js';

/** Routes that work without a session (the employer's survey form: its signed link is the credential). */
const PUBLIC = new Set(['/console/sign-in', '/console/link/:token', '/console/assets/:hash/:name', SURVEY_PATH]);

declare module 'fastify' {
  interface FastifyReply {
    /** Sends a console page in the frame (header, navigation, flash) with status 200 unless given. */
    page(title: string, body: VNode, status?: number): Promise<FastifyReply>;
  }
}

export async function consolePlugin(app: FastifyInstance): Promise<void> {
  const { prisma } = app.deps.db;
  const { config, texts } = app.deps;
  const secure = config.PUBLIC_BASE_URL?.startsWith('https:') ?? false;

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 1_048_576 });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        mediaSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    // The recordings play from this origin; nothing is embedded from elsewhere.
    crossOriginEmbedderPolicy: false,
    hsts: secure,
  });
  await app.register(csrf, {
    cookieKey: 'outreach_csrf',
    cookieOpts: { path: '/console', sameSite: 'strict', httpOnly: true, secure },
    // Forms send `_csrf`; htmx sends the header set on <body>; uploads carry it in the query.
    getToken: (req: FastifyRequest) =>
      (req.body as { _csrf?: string } | undefined)?._csrf ??
      (req.query as { _csrf?: string } | undefined)?._csrf ??
      (req.headers['x-csrf-token'] as string | undefined),
  });
  // Limits are per route (sign-in) and read the form, so they run once the body is parsed.
  await app.register(rateLimit, { global: false, hook: 'preHandler' });

  app.decorateRequest('consoleUser', null);
  app.decorateRequest('consoleCtx', null);

  app.get('/assets/:hash/:name', async (req, reply) => {
    const { name } = req.params as { name: string };
    const asset = findAsset(name);
    if (!asset) return reply.code(404).type('text/plain').send('not found');
    return reply.header('cache-control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body);
  });

  // Who is asking: every console route but the public ones needs a live session.
  app.addHook('onRequest', async (req, reply) => {
    if (PUBLIC.has(req.routeOptions.url ?? '')) return;
    const user = await resolveSession(prisma, req.cookies[SESSION_COOKIE]);
    if (!user) {
      const expired = req.cookies[SESSION_COOKIE] ? '&expired=1' : '';
      const next = req.method === 'GET' && !req.headers['hx-request'] ? encodeURIComponent(req.url) : '%2Fconsole';
      const to = `/console/sign-in?next=${next}${expired}`;
      if (req.headers['hx-request']) return reply.code(401).header('hx-redirect', to).send();
      return reply.redirect(to, 303);
    }
    req.consoleUser = user;
  });

  // PostgreSQL text cannot hold NUL; a form or query carrying one is refused before anything runs.
  app.addHook('preValidation', async (req) => {
    const where = nulPath(req.query, 'query') ?? nulPath(req.body, 'form') ?? nulPath(req.params, 'path');
    if (where) throw new DomainError(400, 'validation_error', `${where} must not contain NUL characters`);
  });

  app.addHook('preHandler', async (req, reply) => {
    if (req.method === 'POST') {
      await new Promise<void>((resolve, reject) =>
        app.csrfProtection(req, reply, (err?: Error) => (err ? reject(forbiddenForm(err)) : resolve())),
      );
    }
    const user = req.consoleUser;
    if (!user) return;
    let flash: Flash | undefined;
    const raw = req.cookies[FLASH_COOKIE];
    if (raw) {
      try {
        flash = JSON.parse(raw) as Flash;
      } catch {
        flash = undefined;
      }
      reply.clearCookie(FLASH_COOKIE, { path: '/console' });
    }
    const lang = texts.languages.includes(user.language) ? user.language : 'zh-CN';
    req.consoleCtx = {
      user,
      lang,
      t: translator(texts.forLanguage(lang)),
      csrf: reply.generateCsrf({ userInfo: undefined } as never),
      url: req.url,
      flash,
    } satisfies Ctx;
  });

  app.decorateReply('page', async function (this: FastifyReply, title: string, body: VNode, status = 200) {
    const ctx = this.request.consoleCtx!;
    const picker = await regionPicker(app, ctx);
    return this.code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        `<!doctype html>${render(
          <Layout ctx={ctx} title={title} picker={picker}>
            {body}
          </Layout>,
        )}`,
      );
  });

  // Errors as pages: what was wrong and a way back; 5xx say nothing of the internals.
  app.setErrorHandler(async (err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'console request failed');
    else req.log.info({ err: { message: err.message } }, 'console request refused');
    const ctx = req.consoleCtx;
    const lang = ctx?.lang ?? 'zh-CN';
    const t = ctx?.t ?? translator(texts.forLanguage(lang));
    const message =
      status >= 500
        ? t('common.error')
        : status === 404 && !(err instanceof DomainError)
          ? t('common.notFound')
          : status === 429
            ? t('signIn.throttled')
            : err.message;
    if (req.headers['hx-request']) {
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(
          render(
            <p class="flash error" role="alert">
              {message}
            </p>,
          ),
        );
    }
    const back = safeBack(req.headers.referer);
    const body = (
      <section class="card">
        <p class="flash error" role="alert">
          {message}
        </p>
        <p>
          <a href={back}>{t('common.back')}</a>
        </p>
      </section>
    );
    if (ctx) return reply.page(t('common.error'), body, status);
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html>${render(
          <Bare lang={lang} title={t('common.error')}>
            {body}
          </Bare>,
        )}`,
      );
  });
  app.setNotFoundHandler(async (req) => {
    const t = req.consoleCtx?.t ?? translator(texts.forLanguage('zh-CN'));
    throw new DomainError(404, 'not_found', t('common.notFound'));
  });

  await app.register(authRoutes);
  await app.register(dashboardRoutes);
  await app.register(ledgerRoutes);
  await app.register(workRoutes);
  await app.register(systemRoutes);
  await app.register(reportRoutes);
  await app.register(importScreenRoutes);
  await app.register(campaignRoutes);
  await app.register(jobLeadRoutes);
  await app.register(consistencyScreenRoutes);
  await app.register(subsidyRoutes);
  await app.register(siteRoutes);
  await app.register(assessmentRoutes);
  await app.register(employerRoutes);
  await app.register(surveyFormRoutes);
}

function forbiddenForm(err: Error): DomainError {
  return new DomainError(403, 'csrf', `form expired or sent from elsewhere (${err.message}); reload the page and try again`);
}

/** A same-site path to go back to (never another origin). */
export function safeBack(value: string | undefined, fallback = '/console'): string {
  if (!value) return fallback;
  try {
    const u = new URL(value, 'http://x.invalid');
    if (!u.pathname.startsWith('/console')) return fallback;
    return `${u.pathname}${u.search}`;
  } catch {
    return fallback;
  }
}

async function regionPicker(app: FastifyInstance, ctx: Ctx): Promise<RegionPicker> {
  const { prisma } = app.deps.db;
  const { home, region } = ctx.user;
  const path = [region];
  let cursor = region;
  while (cursor.id !== home.id) {
    const parent = await prisma.region.findFirst({
      where: { children: { some: { id: cursor.id } } },
      select: { id: true, code: true, name: true, level: true },
    });
    if (!parent) break;
    path.unshift(parent);
    cursor = parent;
  }
  const children = await prisma.region.findMany({
    where: { parentId: region.id },
    orderBy: { code: 'asc' },
    select: { id: true, code: true, name: true, level: true },
    take: 500,
  });
  return { path, children };
}
