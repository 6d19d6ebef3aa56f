/**
 * Region scope: the one place that decides whether a region lies inside another (a staff member's
 * scope, a report's). Region codes are hierarchical (province '61', city '6109', county '610921',
 * township '610921101', village '610921101205') and stored at their own length by the import; a
 * code padded with zeros to 12 digits ('610921000000') stands for the region it pads. So a region
 * is inside a scope exactly when its code, padding aside, starts with the scope's code.
 * Households and workers carry their region chain (provinceId … villageId), so a subtree of them
 * is one indexed equality on the column of the subtree root's level.
 */
import type { Sql } from '../db/sql.js';
import type { RegionLevel, StaffRole } from '../generated/prisma/enums.js';

/** Who is calling, as resolved from an API token (or chosen on the command line). */
export interface Staff {
  userId: number;
  username: string;
  role: StaffRole;
  /** Root of the scope: this region and everything below it. */
  regionId: number;
  regionCode: string;
  regionLevel: RegionLevel;
}

export interface RegionRef {
  id: number;
  code: string;
  name: string;
  level: RegionLevel;
}

/** The Worker/Household column holding the id of a region of each level. */
export const REGION_COLUMN = {
  PROVINCE: 'provinceId',
  CITY: 'cityId',
  COUNTY: 'countyId',
  TOWNSHIP: 'townshipId',
  VILLAGE: 'villageId',
} as const satisfies Record<RegionLevel, string>;

export type RegionColumn = (typeof REGION_COLUMN)[RegionLevel];

/** Official region codes: 2 (province) to 12 (village) digits. */
export const REGION_CODE_PATTERN = /^\d{2,12}$/;

/** Region levels from the top. */
export const LEVELS: readonly RegionLevel[] = ['PROVINCE', 'CITY', 'COUNTY', 'TOWNSHIP', 'VILLAGE'];

/** Length of a code stored at each level. */
const CODE_LENGTH: Record<RegionLevel, number> = { PROVINCE: 2, CITY: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12 };

export function levelIndex(level: RegionLevel): number {
  return LEVELS.indexOf(level);
}

/** The code length a region of this level has (for checking user input). */
export function codeLength(level: RegionLevel): number {
  return CODE_LENGTH[level];
}

/**
 * A code without its zero padding: '610921000000' → '610921'. Official codes never end a level
 * with zeros (a township's 3 digits and a village's 3 start at 001), so what is stripped is padding.
 */
function significant(code: string): string {
  if (!/^\d{12}$/.test(code)) return code;
  for (const len of [2, 4, 6, 9]) if (/^0+$/.test(code.slice(len))) return code.slice(0, len);
  return code;
}

/** Whether a region code lies inside the staff member's scope (their region or below). */
export function codeInScope(staff: Pick<Staff, 'regionCode'>, code: string): boolean {
  return significant(code).startsWith(significant(staff.regionCode));
}

/** Whether region `inner` is `outer` or lies below it. */
export function regionWithin(outer: Pick<RegionRef, 'code'>, inner: Pick<RegionRef, 'code'>): boolean {
  return codeInScope({ regionCode: outer.code }, inner.code);
}

/**
 * The Worker/Household column and value that select a region's subtree with one equality:
 * `WHERE "<column>" = <value>`. The column name is one of five constants, safe to interpolate.
 */
export function subtreeFilter(region: { id: number; level: RegionLevel }): { column: RegionColumn; value: number } {
  return { column: REGION_COLUMN[region.level], value: region.id };
}

/** The filter for everything in the staff member's scope. */
export function scopeFilter(staff: Pick<Staff, 'regionId' | 'regionLevel'>): { column: RegionColumn; value: number } {
  return subtreeFilter({ id: staff.regionId, level: staff.regionLevel });
}

/** The codes a user may mean by `code`: itself, and for a zero-padded 12-digit code the region it pads. */
function candidateCodes(code: string): string[] {
  const c = code.trim();
  return significant(c) === c ? [c] : [c, significant(c)];
}

/**
 * A region by id or by code (a zero-padded 12-digit code finds the region it pads), or null when
 * the ledger has no such region.
 */
export async function findRegion(sql: Sql, ref: { id?: number; code?: string }): Promise<RegionRef | null> {
  const r =
    ref.id !== undefined
      ? await sql.query<RegionRef>('SELECT id, code, name, level FROM "Region" WHERE id = $1', [ref.id])
      : await sql.query<RegionRef>(
          'SELECT id, code, name, level FROM "Region" WHERE code = ANY($1::text[]) ORDER BY length(code) DESC LIMIT 1',
          [candidateCodes(ref.code ?? '')],
        );
  return r.rows[0] ?? null;
}

/** Whether the region with this id exists and lies inside the staff member's scope. */
export async function regionIdInScope(sql: Sql, staff: Pick<Staff, 'regionCode'>, regionId: number): Promise<boolean> {
  const region = await findRegion(sql, { id: regionId });
  return region !== null && codeInScope(staff, region.code);
}
