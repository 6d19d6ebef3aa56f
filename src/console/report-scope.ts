/**
 * The region a console report page covers: the `region` code asked for (default: the header's
 * region), which must lie inside the user's own scope — the same refusals as the API, in the
 * user's language.
 */
import type { Sql } from '../db/sql.js';
import { forbidden, notFound } from '../errors.js';
import { type ResolvedScope, resolveScope, resolveScopeWithin, ScopeError } from '../reports/scope.js';
import type { Ctx } from './context.js';

export async function consoleScope(sql: Sql, ctx: Ctx, code: string | undefined): Promise<ResolvedScope> {
  const own = await resolveScope(sql, { regionId: ctx.user.home.id, level: ctx.user.home.level });
  const wanted = code ?? ctx.user.region.code;
  try {
    return await resolveScopeWithin(sql, wanted, own);
  } catch (err) {
    if (err instanceof ScopeError && err.kind === 'OUTSIDE') throw forbidden(ctx.t('reports.outside', { code: wanted }));
    if (err instanceof ScopeError && err.kind === 'NOT_FOUND') throw notFound(ctx.t('reports.noRegion', { code: wanted }));
    throw err;
  }
}
