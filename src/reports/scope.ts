/**
 * The region a report covers. Households and workers carry their whole region chain
 * (provinceId … villageId), so a region subtree is one equality on the column of the scope's
 * level: a county scope is `"countyId" = $id`, answered from the (countyId, …) indexes.
 *
 * Region codes are hierarchical and stored at their own length: '61' (province), '6109' (city),
 * '610921' (county), '610921101' (township), '610921101205' (village). A 12-digit code padded
 * with zeros ('610921000000') is accepted for the region it pads.
 */
import type { Sql } from '../db/sql.js';
import { DomainError } from '../errors.js';
import type { RegionLevel } from '../generated/prisma/enums.js';
import { REGION_COLUMN, type RegionColumn } from '../staff/scope.js';

export type { RegionLevel };

export const LEVELS: readonly RegionLevel[] = ['PROVINCE', 'CITY', 'COUNTY', 'TOWNSHIP', 'VILLAGE'];

/** Column of the region chain on Household, Worker (and ZeroEmploymentSpell, without cityId). */
export type { RegionColumn };

const COLUMN = REGION_COLUMN;

/** Length of a code stored at each level. */
const CODE_LENGTH: Record<RegionLevel, number> = { PROVINCE: 2, CITY: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12 };

export interface Scope {
  regionId: number;
  level: RegionLevel;
  /** Filled in by resolveScope. */
  code?: string;
  name?: string;
}

/** A scope with its code and name, as resolveScope returns it. */
export interface ResolvedScope extends Scope {
  code: string;
  name: string;
}

/** Group level names as the CLI and API take them. */
export type GroupBy = 'province' | 'city' | 'county' | 'township' | 'village';
export const GROUP_BYS: readonly GroupBy[] = ['province', 'city', 'county', 'township', 'village'];

export class ScopeError extends DomainError {
  constructor(
    message: string,
    readonly kind: 'NOT_FOUND' | 'OUTSIDE' | 'BAD_GROUP',
  ) {
    super(
      kind === 'NOT_FOUND' ? 404 : kind === 'OUTSIDE' ? 403 : 400,
      kind === 'NOT_FOUND' ? 'not_found' : kind === 'OUTSIDE' ? 'forbidden' : 'validation_error',
      message,
    );
    this.name = 'ScopeError';
  }
}

/** The Worker/Household column that holds the region of `level`. */
export function regionColumn(level: RegionLevel): RegionColumn {
  return COLUMN[level];
}

/** `"alias"."column" = $n` restricting rows of a table with the region chain to the scope. */
export function scopeFilter(scope: Scope, alias: string, param: number): string {
  return `${alias}."${COLUMN[scope.level]}" = $${param}`;
}

export function levelOf(groupBy: GroupBy): RegionLevel {
  return groupBy.toUpperCase() as RegionLevel;
}

export function levelIndex(level: RegionLevel): number {
  return LEVELS.indexOf(level);
}

/** The level one below the scope's (a village groups by itself). */
export function defaultGroupLevel(scope: Scope): RegionLevel {
  return LEVELS[Math.min(levelIndex(scope.level) + 1, LEVELS.length - 1)] as RegionLevel;
}

/** The group level to use: the caller's, which must be the scope's level or below it. */
export function groupLevel(scope: Scope, by?: GroupBy | RegionLevel): RegionLevel {
  if (!by) return defaultGroupLevel(scope);
  const level = by.toUpperCase() as RegionLevel;
  if (!LEVELS.includes(level)) throw new ScopeError(`unknown group level ${by}`, 'BAD_GROUP');
  if (levelIndex(level) < levelIndex(scope.level)) {
    throw new ScopeError(`cannot group a ${scope.level.toLowerCase()} by ${level.toLowerCase()}`, 'BAD_GROUP');
  }
  return level;
}

/** The codes a user may mean by `code`: itself, and for a zero-padded 12-digit code the region it pads. */
function candidateCodes(code: string): string[] {
  const c = code.trim();
  const out = [c];
  if (/^\d{12}$/.test(c)) {
    for (const len of [9, 6, 4, 2]) if (/^0+$/.test(c.slice(len))) out.push(c.slice(0, len));
  }
  return out;
}

/** Looks a region up by code (or a Scope by id) and returns the scope with its code and name. */
export async function resolveScope(sql: Sql, region: string | Scope): Promise<ResolvedScope> {
  if (typeof region !== 'string') {
    if (region.code && region.name) return region as ResolvedScope;
    const r = await sql.query<{ id: number; code: string; name: string; level: RegionLevel }>(
      'SELECT id, code, name, level FROM "Region" WHERE id = $1',
      [region.regionId],
    );
    const row = r.rows[0];
    if (!row) throw new ScopeError(`no region with id ${region.regionId}`, 'NOT_FOUND');
    return { regionId: row.id, level: row.level, code: row.code, name: row.name };
  }
  const codes = candidateCodes(region);
  const r = await sql.query<{ id: number; code: string; name: string; level: RegionLevel }>(
    'SELECT id, code, name, level FROM "Region" WHERE code = ANY($1::text[]) ORDER BY length(code) DESC LIMIT 1',
    [codes],
  );
  const row = r.rows[0];
  if (!row) throw new ScopeError(`no region with code ${region.trim()}`, 'NOT_FOUND');
  return { regionId: row.id, level: row.level, code: row.code, name: row.name };
}

/**
 * Resolves `code` and checks that it lies inside `outer` (the same region or below it): a staff
 * member scoped to a county may narrow a report to a township of that county, never widen it.
 */
export async function resolveScopeWithin(sql: Sql, code: string, outer: Scope): Promise<ResolvedScope> {
  const inner = await resolveScope(sql, code);
  if (inner.regionId === outer.regionId) return inner;
  if (levelIndex(inner.level) <= levelIndex(outer.level)) {
    throw new ScopeError(`region ${inner.code} is outside the allowed scope`, 'OUTSIDE');
  }
  const r = await sql.query<{ found: boolean }>(
    `WITH RECURSIVE up(id, "parentId", depth) AS (
       SELECT id, "parentId", 0 FROM "Region" WHERE id = $1
       UNION ALL
       SELECT r.id, r."parentId", up.depth + 1 FROM "Region" r JOIN up ON r.id = up."parentId" WHERE up.depth < 6
     )
     SELECT EXISTS (SELECT 1 FROM up WHERE id = $2) AS found`,
    [inner.regionId, outer.regionId],
  );
  if (!r.rows[0]?.found) throw new ScopeError(`region ${inner.code} is outside the allowed scope`, 'OUTSIDE');
  return inner;
}

/** The code length a region of this level has (for checking user input). */
export function codeLength(level: RegionLevel): number {
  return CODE_LENGTH[level];
}
