/**
 * What every console page is rendered with: the signed-in user and the scope of this request,
 * the translator for their language, the CSRF token for the page's forms, and a flash message
 * carried over a redirect. Set on the request by the console plugin's hooks.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TFunction } from 'i18next';
import type { ConsoleUser } from './session.js';

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface Ctx {
  user: ConsoleUser;
  /** Console texts (templates/<language>/console.json). */
  t: (key: string, options?: Record<string, unknown>) => string;
  lang: string;
  csrf: string;
  /** The path and query of this request (for links back and the language switch). */
  url: string;
  flash?: Flash;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in console user (set on every console route except sign-in and assets). */
    consoleUser: ConsoleUser | null;
    consoleCtx: Ctx | null;
  }
}

export function ctxOf(req: FastifyRequest): Ctx {
  if (!req.consoleCtx) throw new Error('console route without a signed-in user');
  return req.consoleCtx;
}

export function translator(fixed: TFunction): Ctx['t'] {
  return (key, options) => fixed(key, { ns: 'console', ...options }) as string;
}

export const FLASH_COOKIE = 'outreach_flash';

/** Redirects after a successful form (post/redirect/get), with a message shown on the next page. */
export function redirectWith(reply: FastifyReply, to: string, flash?: Flash): FastifyReply {
  if (flash) {
    reply.setCookie(FLASH_COOKIE, JSON.stringify(flash).slice(0, 1000), {
      path: '/console',
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 60,
    });
  }
  return reply.redirect(to, 303);
}
