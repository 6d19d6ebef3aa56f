/**
 * Console sign-in: revocable server-side sessions and one-time sign-in links. The browser holds
 * only a random token in an HttpOnly cookie; the ledger keeps its SHA-256 (ConsoleSession), so a
 * stolen database cannot sign anyone in, and signing out, disabling a user or an expired session
 * ends it on the server at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { StaffRole } from '../generated/prisma/enums.js';
import { verifyPassword } from '../staff/passwords.js';
import type { RegionRef, Staff } from '../staff/scope.js';

/** A session lasts at most this long, however busy. */
export const SESSION_MAX_MS = 12 * 60 * 60_000;
/** …and ends after this long without a request (an office PC left signed in). */
export const SESSION_IDLE_MS = 2 * 60 * 60_000;
/** lastSeenAt is written at most this often (not on every page view). */
const SEEN_RESOLUTION_MS = 60_000;
/** A one-time sign-in link works for a day. */
export const LINK_TTL_MS = 24 * 60 * 60_000;

export const SESSION_COOKIE = 'outreach_session';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

export interface ConsoleUser {
  sessionId: number;
  userId: number;
  username: string;
  name: string;
  role: StaffRole;
  language: string;
  /** The user's own region: the root of what they may ever see. */
  home: RegionRef;
  /** The region the header's picker narrowed the console to (the home region when not narrowed). */
  region: RegionRef;
  /** The scope every domain call of this request runs with: the user's role, the picked region. */
  staff: Staff;
}

export async function createSession(prisma: PrismaClient, userId: number, userAgent?: string): Promise<string> {
  const token = newToken();
  const now = Date.now();
  await prisma.consoleSession.create({
    data: {
      tokenHash: sha256(token),
      staffUserId: userId,
      expiresAt: new Date(now + SESSION_MAX_MS),
      userAgent: userAgent?.slice(0, 200) ?? null,
    },
  });
  return token;
}

const REGION = { select: { id: true, code: true, name: true, level: true } } as const;

/** The signed-in user behind a session cookie, or null (unknown, revoked, expired, idle, disabled). */
export async function resolveSession(
  prisma: PrismaClient,
  token: string | undefined,
  now = new Date(),
): Promise<ConsoleUser | null> {
  if (!token || token.length > 100) return null;
  const s = await prisma.consoleSession.findUnique({
    where: { tokenHash: sha256(token) },
    select: {
      id: true,
      language: true,
      lastSeenAt: true,
      expiresAt: true,
      revokedAt: true,
      regionId: true,
      staffUser: { select: { id: true, username: true, name: true, role: true, active: true, region: REGION } },
    },
  });
  if (!s || s.revokedAt || s.expiresAt <= now || !s.staffUser.active) return null;
  if (now.getTime() - s.lastSeenAt.getTime() > SESSION_IDLE_MS) return null;
  if (now.getTime() - s.lastSeenAt.getTime() > SEEN_RESOLUTION_MS) {
    await prisma.consoleSession.update({ where: { id: s.id }, data: { lastSeenAt: now } });
  }
  const u = s.staffUser;
  const home = u.region;
  let region = home;
  if (s.regionId && s.regionId !== home.id) {
    const picked = await prisma.region.findUnique({ where: { id: s.regionId }, ...REGION });
    // The picker only stores regions inside the scope; a user moved since falls back to home.
    if (picked?.code.startsWith(home.code)) region = picked;
  }
  return {
    sessionId: s.id,
    userId: u.id,
    username: u.username,
    name: u.name,
    role: u.role,
    language: s.language,
    home,
    region,
    staff: {
      userId: u.id,
      username: u.username,
      role: u.role,
      regionId: region.id,
      regionCode: region.code,
      regionLevel: region.level,
    },
  };
}

export async function revokeSession(prisma: PrismaClient, sessionId: number): Promise<void> {
  await prisma.consoleSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Ends every session of a user (disabled, or a new password). */
export async function revokeUserSessions(prisma: PrismaClient, userId: number, except?: number): Promise<void> {
  await prisma.consoleSession.updateMany({
    where: { staffUserId: userId, revokedAt: null, ...(except ? { id: { not: except } } : {}) },
    data: { revokedAt: new Date() },
  });
}

export async function setSessionPreferences(
  prisma: PrismaClient,
  sessionId: number,
  p: { regionId?: number | null; language?: string },
): Promise<void> {
  await prisma.consoleSession.update({ where: { id: sessionId }, data: p });
}

/**
 * The user id for a username and password, or null. The same work is done for an unknown user as
 * for a wrong password, so response times do not tell which usernames exist.
 */
export async function checkCredentials(prisma: PrismaClient, username: string, password: string): Promise<number | null> {
  const u = await prisma.staffUser.findUnique({
    where: { username: username.trim().toLowerCase() },
    select: { id: true, active: true, passwordHash: true },
  });
  const ok = await verifyPassword(password, u?.passwordHash ?? DUMMY_HASH);
  return ok && u?.active && u.passwordHash ? u.id : null;
}
const DUMMY_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;

/** A one-time link that signs `userId` in (the first ADMIN's, or an invitation). Returns the token. */
export async function createSignInLink(prisma: PrismaClient, userId: number, purpose: 'first_run' | 'invite'): Promise<string> {
  const token = newToken();
  await prisma.$transaction([
    // One link in force per user and purpose: issuing a new one retires the older.
    prisma.signInLink.updateMany({
      where: { staffUserId: userId, purpose, usedAt: null },
      data: { usedAt: new Date() },
    }),
    prisma.signInLink.create({
      data: { tokenHash: sha256(token), staffUserId: userId, purpose, expiresAt: new Date(Date.now() + LINK_TTL_MS) },
    }),
  ]);
  return token;
}

/** Uses a sign-in link: the user id when it is valid (and marks it used), else null. */
export async function consumeSignInLink(prisma: PrismaClient, token: string): Promise<number | null> {
  if (token.length > 100) return null;
  const used = await prisma.signInLink.updateManyAndReturn({
    where: { tokenHash: sha256(token), usedAt: null, expiresAt: { gt: new Date() }, staffUser: { active: true } },
    data: { usedAt: new Date() },
    select: { staffUserId: true },
  });
  return used[0]?.staffUserId ?? null;
}

/**
 * First run: while nobody can sign in (no active ADMIN has a password), an `admin` user of the
 * whole ledger gets a one-time link, which the service prints at start. On a ledger without
 * regions yet, the province of the program (陕西省, 61) is created as the root; the import adds
 * the rest below it.
 */
export async function firstRunLink(prisma: PrismaClient): Promise<string | null> {
  const admins = await prisma.staffUser.count({ where: { role: 'ADMIN', active: true, passwordHash: { not: null } } });
  if (admins > 0) return null;
  const root =
    (await prisma.region.findFirst({ where: { parentId: null }, orderBy: { code: 'asc' }, select: { id: true } })) ??
    (await prisma.region.create({ data: { code: '61', name: '陕西省', level: 'PROVINCE' }, select: { id: true } }));
  const admin = await prisma.staffUser.upsert({
    where: { username: 'admin' },
    create: { username: 'admin', name: '系统管理员', role: 'ADMIN', regionId: root.id },
    update: {},
    select: { id: true, role: true, active: true },
  });
  if (admin.role !== 'ADMIN' || !admin.active) return null;
  return createSignInLink(prisma, admin.id, 'first_run');
}
