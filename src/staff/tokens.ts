/**
 * API tokens. A token is `otk_` and 32 random bytes in base64url; the ledger keeps only its
 * SHA-256 (ApiToken.tokenHash) and its first characters (prefix, to name it in lists and to
 * revoke it), so the token itself is shown once, when it is issued. A token acts as the staff
 * user it is bound to: that user's role and region scope bound everything it reads and changes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Sql, sqlIn } from '../db/sql.js';
import { conflict, forbidden, notFound } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { RegionLevel, StaffRole } from '../generated/prisma/enums.js';
import { recordAudit } from './audit.js';
import { codeInScope, type Staff } from './scope.js';

export const TOKEN_PREFIX = 'otk_';
/** Characters of the token kept in clear: `otk_` and 8 of the random part (48 bits). */
export const PREFIX_LENGTH = TOKEN_PREFIX.length + 8;
const TOKEN_PATTERN = /^otk_[A-Za-z0-9_-]{43}$/;

/** Hex SHA-256 of a token, as stored in ApiToken.tokenHash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface IssuedToken {
  id: number;
  /** The token itself: shown once, never stored. */
  token: string;
  prefix: string;
  expiresAt: Date | null;
}

/** Issues a new token for a staff user. */
export async function issueToken(
  sql: Sql,
  t: { staffUserId: number; name: string; expiresAt?: Date | null },
): Promise<IssuedToken> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const prefix = token.slice(0, PREFIX_LENGTH);
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "ApiToken" ("staffUserId", name, "tokenHash", prefix, "expiresAt") VALUES ($1, $2, $3, $4, $5::timestamp(3))
     RETURNING id`,
    [t.staffUserId, t.name, hashToken(token), prefix, t.expiresAt?.toISOString() ?? null],
  );
  return { id: r.rows[0]!.id, token, prefix, expiresAt: t.expiresAt ?? null };
}

export type TokenProblem = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'inactive';

export type ResolvedToken =
  | { ok: true; tokenId: number; staff: Staff; lastUsedAt: Date | null }
  | { ok: false; problem: TokenProblem };

interface TokenRow {
  id: number;
  tokenHash: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  userId: number;
  username: string;
  role: StaffRole;
  active: boolean;
  regionId: number;
  regionCode: string;
  regionLevel: RegionLevel;
}

/**
 * The staff user a presented token acts as, or why it does not. The lookup is by hash, so the
 * database never compares the secret itself; the stored hash is compared again in constant time.
 */
export async function resolveToken(sql: Sql, token: string, now = new Date()): Promise<ResolvedToken> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, problem: 'malformed' };
  const hash = hashToken(token);
  const r = await sql.query<TokenRow>(
    `SELECT t.id, t."tokenHash", t."expiresAt", t."revokedAt", t."lastUsedAt",
            u.id AS "userId", u.username, u.role, u.active, g.id AS "regionId", g.code AS "regionCode", g.level AS "regionLevel"
       FROM "ApiToken" t JOIN "StaffUser" u ON u.id = t."staffUserId" JOIN "Region" g ON g.id = u."regionId"
      WHERE t."tokenHash" = $1`,
    [hash],
  );
  const row = r.rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), Buffer.from(hash, 'hex'))) {
    return { ok: false, problem: 'unknown' };
  }
  if (row.revokedAt) return { ok: false, problem: 'revoked' };
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return { ok: false, problem: 'expired' };
  if (!row.active) return { ok: false, problem: 'inactive' };
  return {
    ok: true,
    tokenId: row.id,
    lastUsedAt: row.lastUsedAt,
    staff: {
      userId: row.userId,
      username: row.username,
      role: row.role,
      regionId: row.regionId,
      regionCode: row.regionCode,
      regionLevel: row.regionLevel,
    },
  };
}

/** How often lastUsedAt is written for a token in use: enough to see whether it is used, no write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Records that a token was used, at most once a minute per token: the condition is in the
 * UPDATE, so several API processes agree without coordinating.
 */
export async function touchToken(sql: Sql, tokenId: number, now = new Date()): Promise<boolean> {
  const r = await sql.query(
    `UPDATE "ApiToken" SET "lastUsedAt" = $2::timestamp(3)
      WHERE id = $1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" <= $3::timestamp(3))`,
    [tokenId, now.toISOString(), new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString()],
  );
  return (r.rowCount ?? 0) > 0;
}

export interface TokenListing {
  id: number;
  name: string;
  prefix: string;
  username: string;
  role: StaffRole;
  regionCode: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** Tokens, newest first (optionally those of the staff users inside a region code). */
export async function listTokens(sql: Sql, opts: { regionCode?: string } = {}): Promise<TokenListing[]> {
  const r = await sql.query<TokenListing>(
    `SELECT t.id, t.name, t.prefix, u.username, u.role, g.code AS "regionCode", t."createdAt", t."expiresAt", t."revokedAt", t."lastUsedAt"
       FROM "ApiToken" t JOIN "StaffUser" u ON u.id = t."staffUserId" JOIN "Region" g ON g.id = u."regionId"
      WHERE $1::text IS NULL OR g.code LIKE $1 || '%'
      ORDER BY t.id DESC`,
    [opts.regionCode ?? null],
  );
  return r.rows;
}

export type RevokeResult =
  | { ok: true; token: { id: number; prefix: string; name: string; staffUserId: number; alreadyRevoked: boolean } }
  | { ok: false; problem: 'unknown' | 'ambiguous'; matches: number };

/**
 * Revokes the one token whose prefix is `prefix` (the full token works too). Refuses when the
 * prefix names several tokens, so a short prefix never revokes more than was meant.
 */
export async function revokeToken(sql: Sql, prefix: string, now = new Date()): Promise<RevokeResult> {
  const key = prefix.length > PREFIX_LENGTH ? prefix.slice(0, PREFIX_LENGTH) : prefix;
  const byHash = prefix.length > PREFIX_LENGTH ? hashToken(prefix) : null;
  const found = await sql.query<{ id: number; prefix: string; name: string; staffUserId: number; revokedAt: Date | null }>(
    `SELECT id, prefix, name, "staffUserId", "revokedAt" FROM "ApiToken"
      WHERE ($2::text IS NOT NULL AND "tokenHash" = $2) OR ($2::text IS NULL AND starts_with(prefix, $1))`,
    [key, byHash],
  );
  if (found.rows.length !== 1) {
    return { ok: false, problem: found.rows.length === 0 ? 'unknown' : 'ambiguous', matches: found.rows.length };
  }
  const t = found.rows[0]!;
  if (!t.revokedAt) {
    await sql.query(`UPDATE "ApiToken" SET "revokedAt" = $2::timestamp(3) WHERE id = $1 AND "revokedAt" IS NULL`, [
      t.id,
      now.toISOString(),
    ]);
  }
  return {
    ok: true,
    token: { id: t.id, prefix: t.prefix, name: t.name, staffUserId: t.staffUserId, alreadyRevoked: t.revokedAt !== null },
  };
}

// ───────────── Tokens of a staff user, managed by an ADMIN of their region ─────────────

export interface UserTokenView {
  id: number;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  state: 'active' | 'revoked' | 'expired';
}

const TOKEN_SELECT = {
  id: true,
  name: true,
  prefix: true,
  createdAt: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
} as const;

function tokenView(t: Prisma.ApiTokenGetPayload<{ select: typeof TOKEN_SELECT }>, now: Date): UserTokenView {
  const state = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active';
  return { ...t, state };
}

/** The staff user (ADMIN only, inside the admin's region; 404 outside). */
async function managedUser(tx: Prisma.TransactionClient | PrismaClient, admin: Staff, userId: number) {
  if (admin.role !== 'ADMIN') throw forbidden(`role ${admin.role} may not manage tokens; needs ADMIN`);
  const u = await tx.staffUser.findUnique({
    where: { id: userId },
    select: { id: true, username: true, active: true, region: { select: { id: true, code: true } } },
  });
  if (!u || !codeInScope(admin, u.region.code)) throw notFound(`no staff user ${userId}`);
  return u;
}

export async function listUserTokens(
  prisma: PrismaClient,
  admin: Staff,
  userId: number,
  now = new Date(),
): Promise<UserTokenView[]> {
  await managedUser(prisma, admin, userId);
  const rows = await prisma.apiToken.findMany({ where: { staffUserId: userId }, orderBy: { id: 'desc' }, select: TOKEN_SELECT });
  return rows.map((t) => tokenView(t, now));
}

/** Issues a token for an active user of the admin's region; the token is in the answer, once. Audited. */
export async function issueUserToken(
  prisma: PrismaClient,
  admin: Staff,
  userId: number,
  t: { name: string; expiresDays?: number },
  now = new Date(),
): Promise<IssuedToken> {
  return prisma.$transaction(async (tx) => {
    const u = await managedUser(tx, admin, userId);
    if (!u.active) throw conflict('disabled', `staff user ${u.username} is disabled`);
    const issued = await issueToken(sqlIn(tx), {
      staffUserId: u.id,
      name: t.name,
      expiresAt: t.expiresDays ? new Date(now.getTime() + t.expiresDays * 86_400_000) : null,
    });
    await recordAudit(tx, {
      staffUserId: admin.userId,
      action: 'token.create',
      entity: 'ApiToken',
      entityId: issued.id,
      regionId: u.region.id,
      details: { prefix: issued.prefix, username: u.username, expiresAt: issued.expiresAt?.toISOString() ?? null },
    });
    return issued;
  });
}

/** Revokes one token of a user of the admin's region (revoking twice is harmless). Audited. */
export async function revokeUserToken(
  prisma: PrismaClient,
  admin: Staff,
  userId: number,
  tokenId: number,
  now = new Date(),
): Promise<UserTokenView> {
  return prisma.$transaction(async (tx) => {
    const u = await managedUser(tx, admin, userId);
    const t = await tx.apiToken.findFirst({ where: { id: tokenId, staffUserId: userId }, select: TOKEN_SELECT });
    if (!t) throw notFound(`no token ${tokenId} of staff user ${userId}`);
    if (t.revokedAt) return tokenView(t, now);
    const revoked = await tx.apiToken.update({ where: { id: tokenId }, data: { revokedAt: now }, select: TOKEN_SELECT });
    await recordAudit(tx, {
      staffUserId: admin.userId,
      action: 'token.revoke',
      entity: 'ApiToken',
      entityId: tokenId,
      regionId: u.region.id,
      details: { prefix: t.prefix, username: u.username },
    });
    return tokenView(revoked, now);
  });
}
