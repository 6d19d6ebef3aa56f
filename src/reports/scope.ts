/**
 * The region a report covers, and how it groups. Households and workers carry their whole region
 * chain (provinceId … villageId), so a region subtree is one equality on the column of the scope's
 * level: a county scope is `"countyId" = $id`, answered from the (countyId, …) indexes. Which
 * region lies inside which is decided by src/staff/scope.ts, as for every staff request.
 */
import type { Sql } from '../db/sql.js';
import { DomainError } from '../errors.js';
import type { RegionLevel } from '../generated/prisma/enums.js';
import {
  findRegion,
  LEVELS,
  levelIndex,
  REGION_COLUMN,
  type RegionColumn,
  type RegionRef,
  regionWithin,
} from '../staff/scope.js';

/** Column of the region chain on Household, Worker (and ZeroEmploymentSpell, without cityId). */
export type { RegionColumn, RegionLevel };

const COLUMN = REGION_COLUMN;

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

const toScope = (r: RegionRef): ResolvedScope => ({ regionId: r.id, level: r.level, code: r.code, name: r.name });

/** Looks a region up by code (or a Scope by id) and returns the scope with its code and name. */
export async function resolveScope(sql: Sql, region: string | Scope): Promise<ResolvedScope> {
  if (typeof region !== 'string') {
    if (region.code && region.name) return region as ResolvedScope;
    const row = await findRegion(sql, { id: region.regionId });
    if (!row) throw new ScopeError(`no region with id ${region.regionId}`, 'NOT_FOUND');
    return toScope(row);
  }
  const row = await findRegion(sql, { code: region });
  if (!row) throw new ScopeError(`no region with code ${region.trim()}`, 'NOT_FOUND');
  return toScope(row);
}

/**
 * Resolves `code` and checks that it lies inside `outer` (the same region or below it): a staff
 * member scoped to a county may narrow a report to a township of that county, never widen it.
 */
export async function resolveScopeWithin(sql: Sql, code: string, outer: Scope): Promise<ResolvedScope> {
  const inner = await resolveScope(sql, code);
  const within = await resolveScope(sql, outer);
  if (inner.regionId !== within.regionId && !regionWithin(within, inner)) {
    throw new ScopeError(`region ${inner.code} is outside the allowed scope`, 'OUTSIDE');
  }
  return inner;
}
