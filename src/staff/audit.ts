/**
 * The audit log: who did what to which ledger entity, in which region. Written in the same
 * transaction as the change, so a change never lands without its entry: pass the transaction's
 * writer (a pg client inside `inTransaction`, or Prisma's transaction client).
 */
import type { Sql } from '../db/sql.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Staff } from './scope.js';

export interface AuditEntry {
  /** The staff user acting; null for the system itself. */
  staffUserId: number | null;
  /** What was done, as `entity.verb` or a verb: "job_lead.create", "import.upload". */
  action: string;
  /** The kind of entity changed: "JobLead", "ImportRun", "ApiToken". */
  entity: string;
  entityId?: string | number | bigint | null;
  /** The region the change belongs to, for reading the log by scope. */
  regionId?: number | null;
  /** What changed (never phone or ID numbers). */
  details?: Record<string, unknown>;
}

/** Where an entry can be written: raw SQL (pool or transaction client) or Prisma. */
export type AuditWriter = Sql | Prisma.TransactionClient | PrismaClient;

/** Appends one audit entry; returns its id. */
export async function recordAudit(writer: AuditWriter, e: AuditEntry): Promise<bigint> {
  const entityId = e.entityId === undefined || e.entityId === null ? null : String(e.entityId);
  if (!('query' in writer)) {
    const row = await writer.auditLog.create({
      data: {
        staffUserId: e.staffUserId,
        action: e.action,
        entity: e.entity,
        entityId,
        regionId: e.regionId ?? null,
        details: (e.details ?? {}) as Prisma.InputJsonObject,
      },
      select: { id: true },
    });
    return row.id;
  }
  const r = await writer.query<{ id: string }>(
    `INSERT INTO "AuditLog" ("staffUserId", action, entity, "entityId", "regionId", details)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id`,
    [e.staffUserId, e.action, e.entity, entityId, e.regionId ?? null, JSON.stringify(e.details ?? {})],
  );
  return BigInt(r.rows[0]!.id);
}

export interface AuditQuery {
  action?: string;
  entity?: string;
  entityId?: string;
  staffUserId?: number;
  from?: Date;
  to?: Date;
  /** Entries with an id below this (keyset, newest first). */
  before?: bigint;
  limit: number;
}

export interface AuditRow {
  id: bigint;
  at: Date;
  action: string;
  entity: string;
  entityId: string | null;
  details: unknown;
  staffUser: { id: number; username: string } | null;
  region: { code: string; name: string } | null;
}

/**
 * Entries of the caller's scope, newest first: those about a region inside it. Entries about no
 * region (the system's, tokens issued on the command line) are for an ADMIN of a province.
 */
export async function listAudit(prisma: PrismaClient, staff: Staff, q: AuditQuery): Promise<AuditRow[]> {
  const seesGlobal = staff.role === 'ADMIN' && staff.regionLevel === 'PROVINCE';
  return prisma.auditLog.findMany({
    where: {
      action: q.action,
      entity: q.entity,
      entityId: q.entityId,
      staffUserId: q.staffUserId,
      at: { gte: q.from, lt: q.to },
      id: q.before === undefined ? undefined : { lt: q.before },
      OR: [{ region: { code: { startsWith: staff.regionCode } } }, ...(seesGlobal ? [{ regionId: null }] : [])],
    },
    orderBy: { id: 'desc' },
    take: q.limit,
    select: {
      id: true,
      at: true,
      action: true,
      entity: true,
      entityId: true,
      details: true,
      staffUser: { select: { id: true, username: true } },
      region: { select: { code: true, name: true } },
    },
  });
}
