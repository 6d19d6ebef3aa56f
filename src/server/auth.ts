/**
 * Staff authentication for the API: `Authorization: Bearer otk_…`. Registered first by the API
 * plugin (src/server/routes/api/index.ts), so every API route runs with `request.staff` set.
 *
 * - 401 when the header is missing or the token is malformed, unknown, revoked, expired or its
 *   user deactivated (one answer for all: the caller learns nothing about which tokens exist).
 * - 403 from `requireRole(...)` when the staff role may not do this, and from `assertInScope` /
 *   `requireRegionInScope` when the target region is outside the staff region's subtree.
 * - Workers and other records outside the scope answer 404, as if they did not exist (see the
 *   README's Staff API section): a county cannot probe another county's ledger by id.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Sql } from '../db/sql.js';
import { DomainError, forbidden } from '../errors.js';
import type { StaffRole } from '../generated/prisma/enums.js';
import { codeInScope, findRegion, type RegionRef, type Staff } from '../staff/scope.js';
import { LAST_USED_RESOLUTION_MS, resolveToken, touchToken } from '../staff/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller on API routes (set by the auth plugin before any handler runs). */
    staff: Staff;
  }
}

const UNAUTHORIZED = 'a valid API token is required: Authorization: Bearer otk_…';

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** Resolves the bearer token on every request of the scope it is registered in. */
export const staffAuth = fp(
  async (app) => {
    app.decorateRequest('staff', null as unknown as Staff);
    app.addHook('onRequest', async (req, reply) => {
      const token = bearer(req);
      if (!token)
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: UNAUTHORIZED });
      const sql = app.deps.db.pool;
      const now = new Date();
      const resolved = await resolveToken(sql, token, now);
      if (!resolved.ok) {
        req.log.info({ problem: resolved.problem }, 'API token refused');
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer error="invalid_token"')
          .send({ error: 'unauthorized', message: UNAUTHORIZED });
      }
      req.staff = resolved.staff;
      if (!resolved.lastUsedAt || now.getTime() - resolved.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
        await touchToken(sql, resolved.tokenId, now);
      }
    });
  },
  { name: 'staff-auth', fastify: '5.x' },
);

/** A preHandler answering 403 unless the caller has one of `roles`. */
export function requireRole(...roles: StaffRole[]): preHandlerAsyncHookHandler {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!roles.includes(req.staff.role)) {
      throw forbidden(`role ${req.staff.role} may not do this; needs ${roles.join(' or ')}`);
    }
  };
}

/** Throws 403 unless the region code lies inside the caller's scope. */
export function assertInScope(staff: Staff, regionCode: string): void {
  if (!codeInScope(staff, regionCode)) {
    throw forbidden(`region ${regionCode} is outside your scope (${staff.regionCode} and below)`);
  }
}

/**
 * The region named by id or code, when it lies inside the caller's scope: 400 when it does not
 * exist (the caller named it in the request), 403 when it is outside the scope.
 */
export async function requireRegionInScope(sql: Sql, staff: Staff, ref: { id?: number; code?: string }): Promise<RegionRef> {
  const region = await findRegion(sql, ref);
  if (!region) throw new DomainError(400, 'unknown_region', `no region ${ref.code ?? `#${ref.id}`} in the ledger`);
  assertInScope(staff, region.code);
  return region;
}

/**
 * How a staff action was taken, for provenance: the `outreach` CLI says so in a header (it is a
 * client of this API); everything else is the API (the console calls the domain directly).
 */
export function viaOf(req: FastifyRequest): 'API' | 'CLI' {
  return req.headers['x-outreach-client'] === 'cli' ? 'CLI' : 'API';
}
