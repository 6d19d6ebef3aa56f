/**
 * A staff member's scope: their region and everything below it. Region codes are hierarchical
 * and stored at their own length (province '61', city '6109', county '610921', township
 * '610921101', village '610921101205'), so a region is inside a scope exactly when its code
 * starts with the scope region's code. Households and workers carry their region chain
 * (provinceId … villageId), so a subtree of them is one indexed equality on the column of the
 * subtree root's level.
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

/** Whether a region code lies inside the staff member's scope (their region or below). */
export function codeInScope(staff: Pick<Staff, 'regionCode'>, code: string): boolean {
  return code.startsWith(staff.regionCode);
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

/** A region by id or by code, or null when the ledger has no such region. */
export async function findRegion(sql: Sql, ref: { id?: number; code?: string }): Promise<RegionRef | null> {
  const r =
    ref.id !== undefined
      ? await sql.query<RegionRef>('SELECT id, code, name, level FROM "Region" WHERE id = $1', [ref.id])
      : await sql.query<RegionRef>('SELECT id, code, name, level FROM "Region" WHERE code = $1', [ref.code ?? '']);
  return r.rows[0] ?? null;
}

/** Whether the region with this id exists and lies inside the staff member's scope. */
export async function regionIdInScope(sql: Sql, staff: Pick<Staff, 'regionCode'>, regionId: number): Promise<boolean> {
  const region = await findRegion(sql, { id: regionId });
  return region !== null && codeInScope(staff, region.code);
}
