/**
 * Staff users: who may read and change the ledger, with a role and a region scope. `ensureStaffUser`
 * makes the user a token is issued for; ADMINs (API) and the server's shell (CLI) manage users
 * inside their region: create, change role or region, set a console password, disable.
 */
import type { Sql } from '../db/sql.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { RegionLevel, StaffRole } from '../generated/prisma/enums.js';
import { recordAudit } from './audit.js';
import { hashPassword } from './passwords.js';
import { codeInScope, findRegion, type RegionRef, type Staff } from './scope.js';

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

// ───────────── Management by an ADMIN (API) or from the server's shell (CLI) ─────────────

/** Who manages staff users: an ADMIN, inside their region; null is the server's own shell (CLI). */
export type StaffActor = Staff | null;

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,39}$/;

export interface StaffUserView {
  id: number;
  username: string;
  name: string;
  role: StaffRole;
  active: boolean;
  hasPassword: boolean;
  region: { id: number; code: string; name: string; level: RegionLevel };
  createdAt: Date;
  /** Tokens in force (not revoked, not expired). */
  activeTokens: number;
}

const USER_SELECT = {
  id: true,
  username: true,
  name: true,
  role: true,
  active: true,
  passwordHash: true,
  createdAt: true,
  region: { select: { id: true, code: true, name: true, level: true } },
  tokens: { select: { revokedAt: true, expiresAt: true } },
} as const;

type UserRecord = Prisma.StaffUserGetPayload<{ select: typeof USER_SELECT }>;

function view(u: UserRecord, now = new Date()): StaffUserView {
  const { passwordHash, tokens, ...rest } = u;
  return {
    ...rest,
    hasPassword: passwordHash !== null,
    activeTokens: tokens.filter((t) => !t.revokedAt && (!t.expiresAt || t.expiresAt > now)).length,
  };
}

/** The region by code, inside the actor's scope (400 when it does not exist, 403 outside). */
async function regionForUser(prisma: PrismaClient, actor: StaffActor, code: string, field: string) {
  const region = await prisma.region.findUnique({ where: { code }, select: { id: true, code: true, name: true } });
  if (!region) throw invalid(field, `names no region in the ledger (${code})`);
  if (actor && !codeInScope(actor, region.code))
    throw forbidden(`region ${code} is outside your scope (${actor.regionCode} and below)`);
  return region;
}

function requireAdmin(actor: StaffActor): void {
  if (actor && actor.role !== 'ADMIN') throw forbidden(`role ${actor.role} may not manage staff users; needs ADMIN`);
}

/** The user if it exists inside the actor's scope (404 otherwise, as if it did not exist). */
async function userInScope(prisma: PrismaClient, actor: StaffActor, id: number): Promise<UserRecord> {
  const u = await prisma.staffUser.findUnique({ where: { id }, select: USER_SELECT });
  if (!u || (actor && !codeInScope(actor, u.region.code))) throw notFound(`no staff user ${id}`);
  return u;
}

export async function listStaffUsers(
  prisma: PrismaClient,
  actor: StaffActor,
  q: { regionCode?: string; active?: boolean } = {},
): Promise<StaffUserView[]> {
  requireAdmin(actor);
  const prefix = q.regionCode ?? actor?.regionCode;
  if (actor && q.regionCode && !codeInScope(actor, q.regionCode))
    throw forbidden(`region ${q.regionCode} is outside your scope (${actor.regionCode} and below)`);
  const rows = await prisma.staffUser.findMany({
    where: { active: q.active, ...(prefix ? { region: { code: { startsWith: prefix } } } : {}) },
    orderBy: [{ region: { code: 'asc' } }, { username: 'asc' }],
    select: USER_SELECT,
  });
  return rows.map((u) => view(u));
}

export async function getStaffUser(prisma: PrismaClient, actor: StaffActor, id: number): Promise<StaffUserView> {
  requireAdmin(actor);
  return view(await userInScope(prisma, actor, id));
}

export interface NewStaffUser {
  username: string;
  name?: string;
  role: StaffRole;
  regionCode: string;
  /** Console password; without one the user signs in only through a link an ADMIN issues. */
  password?: string;
}

/** Creates a staff user (409 when the username is taken), audited. */
export async function createStaffUser(prisma: PrismaClient, actor: StaffActor, input: NewStaffUser): Promise<StaffUserView> {
  requireAdmin(actor);
  const username = input.username.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username))
    throw invalid('username', 'must be 3-40 letters, digits, dots, dashes or underscores, starting with a letter or digit');
  const region = await regionForUser(prisma, actor, input.regionCode, 'regionCode');
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    const taken = await tx.staffUser.findUnique({ where: { username }, select: { id: true } });
    if (taken) throw conflict('username_taken', `username ${username} is taken`);
    const u = await tx.staffUser.create({
      data: {
        username,
        name: input.name?.trim() || username,
        role: input.role,
        regionId: region.id,
        passwordHash,
      },
      select: USER_SELECT,
    });
    await recordAudit(tx, {
      staffUserId: actor?.userId ?? null,
      action: 'staff_user.create',
      entity: 'StaffUser',
      entityId: u.id,
      regionId: region.id,
      details: { username, role: input.role, password: passwordHash !== null, ...(actor ? {} : { via: 'cli' }) },
    });
    return view(u);
  });
}

export interface StaffUserPatch {
  name?: string;
  role?: StaffRole;
  regionCode?: string;
  /** false disables the user: every token is revoked and sign-in refused. */
  active?: boolean;
  password?: string;
}

/** Changes a staff user; disabling revokes every token at once. Audited (never the password). */
export async function updateStaffUser(
  prisma: PrismaClient,
  actor: StaffActor,
  id: number,
  patch: StaffUserPatch,
  now = new Date(),
): Promise<StaffUserView> {
  requireAdmin(actor);
  const before = await userInScope(prisma, actor, id);
  if (actor && actor.userId === id && (patch.active === false || (patch.role && patch.role !== 'ADMIN')))
    throw conflict('own_account', 'you cannot disable yourself or give up your own ADMIN role; ask another ADMIN');
  const region = patch.regionCode ? await regionForUser(prisma, actor, patch.regionCode, 'regionCode') : null;
  const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
  return prisma.$transaction(async (tx) => {
    // Tokens go first, so the answer already shows none in force.
    const revoked =
      patch.active === false
        ? (await tx.apiToken.updateMany({ where: { staffUserId: id, revokedAt: null }, data: { revokedAt: now } })).count
        : 0;
    const u = await tx.staffUser.update({
      where: { id },
      data: { name: patch.name?.trim() || undefined, role: patch.role, regionId: region?.id, active: patch.active, passwordHash },
      select: USER_SELECT,
    });
    const changed = Object.fromEntries(
      (['name', 'role', 'active'] as const)
        .filter((k) => patch[k] !== undefined && patch[k] !== before[k])
        .map((k) => [k, patch[k]]),
    );
    await recordAudit(tx, {
      staffUserId: actor?.userId ?? null,
      action: patch.active === false && before.active ? 'staff_user.disable' : 'staff_user.update',
      entity: 'StaffUser',
      entityId: id,
      regionId: u.region.id,
      details: {
        username: u.username,
        ...changed,
        ...(region && region.id !== before.region.id ? { regionCode: region.code, previousRegionCode: before.region.code } : {}),
        ...(passwordHash ? { passwordChanged: true } : {}),
        ...(revoked ? { tokensRevoked: revoked } : {}),
        ...(actor ? {} : { via: 'cli' }),
      },
    });
    return view(u, now);
  });
}

/** A staff user by username (the CLI names users that way). */
export async function staffUserIdByName(prisma: PrismaClient, username: string): Promise<number> {
  const u = await prisma.staffUser.findUnique({ where: { username: username.trim().toLowerCase() }, select: { id: true } });
  if (!u) throw notFound(`no staff user ${username}`);
  return u.id;
}
