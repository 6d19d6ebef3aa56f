/** Staff users: created for a region and role, or reused when one already exists. */
import type { Sql } from '../db/sql.js';
import { conflict, invalid } from '../errors.js';
import type { StaffRole } from '../generated/prisma/enums.js';
import { findRegion, type RegionRef } from './scope.js';

export const STAFF_ROLES = ['ADMIN', 'OPERATOR', 'VIEWER'] as const satisfies readonly StaffRole[];

export interface StaffUserRow {
  id: number;
  username: string;
  name: string;
  role: StaffRole;
  regionId: number;
  active: boolean;
}

const unknownRegion = (code: string) =>
  invalid('region', `: 区划代码不存在 / no region with code ${code} in the ledger (import the ledger first)`);

/**
 * The staff user `username` (default `<role>-<region code>`, lower case) for that region and
 * role: created when missing, reused when it exists with the same region and role. A username
 * bound to another region or role is refused rather than silently widened or narrowed.
 */
export async function ensureStaffUser(
  sql: Sql,
  u: { regionCode: string; role: StaffRole; username?: string; name?: string },
): Promise<{ user: StaffUserRow; region: RegionRef; created: boolean }> {
  const region = await findRegion(sql, { code: u.regionCode });
  if (!region) throw unknownRegion(u.regionCode);
  const username = u.username ?? `${u.role.toLowerCase()}-${region.code}`;
  const inserted = await sql.query<StaffUserRow>(
    `INSERT INTO "StaffUser" (username, name, role, "regionId") VALUES ($1, $2, $3::"StaffRole", $4)
     ON CONFLICT (username) DO NOTHING
     RETURNING id, username, name, role, "regionId", active`,
    [username, u.name ?? `${region.name} ${u.role.toLowerCase()}`, u.role, region.id],
  );
  if (inserted.rows[0]) return { user: inserted.rows[0], region, created: true };
  const existing = await sql.query<StaffUserRow>(
    'SELECT id, username, name, role, "regionId", active FROM "StaffUser" WHERE username = $1',
    [username],
  );
  const user = existing.rows[0]!;
  if (user.regionId !== region.id || user.role !== u.role)
    throw conflict(
      'username_taken',
      `用户名已被其他区划或角色使用 / username ${username} already belongs to another region or role`,
    );
  return { user, region, created: false };
}
