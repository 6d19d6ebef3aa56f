/**
 * The audit log: who did what to which ledger entity, in which region. Written in the same
 * transaction as the change when the caller has one, so a change never lands without its entry.
 */
import type { Sql } from '../db/sql.js';

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

/** Appends one audit entry; returns its id. */
export async function recordAudit(sql: Sql, e: AuditEntry): Promise<bigint> {
  const r = await sql.query<{ id: string }>(
    `INSERT INTO "AuditLog" ("staffUserId", action, entity, "entityId", "regionId", details)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id`,
    [
      e.staffUserId,
      e.action,
      e.entity,
      e.entityId === undefined || e.entityId === null ? null : String(e.entityId),
      e.regionId ?? null,
      JSON.stringify(e.details ?? {}),
    ],
  );
  return BigInt(r.rows[0]!.id);
}
