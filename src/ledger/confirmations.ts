/**
 * Family confirmations (家人代签 / 本人远程确认, Annex 1): staff ask, the registered family contact
 * answers by SMS or phone, staff review. Every row says who answered for whom (contact, relation,
 * number), how (channel, inbound message ids, call sid, recording), when, and what backs it
 * (verificationMethod). Only the contact the request went to can answer: the conversation is
 * keyed on that number, and recordConfirmationResponse checks the contact again.
 */
import type { Db } from '../db/database.js';
import { inTransaction, type Sql } from '../db/sql.js';
import { runTurn } from '../flows/runner.js';
import type { Json } from '../flows/types.js';
import type { Channel, ConfirmationKind, FamilyRelation, VerificationMethod } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';

export interface ConfirmationRequestInput {
  workerId: number;
  kind?: ConfirmationKind;
  /** What the family member is asked to confirm, in plain words ("张三目前在家照顾老人，暂时不外出务工"). */
  statement: string;
  /** The contact to ask; default: the worker's verified contact, else the first registered one. */
  familyContactId?: number;
  /** SMS (default) or a phone call for people who cannot read. */
  channel?: 'SMS' | 'VOICE';
  requestedById?: number | null;
}

interface ContactRow {
  id: number;
  phone: string;
  relation: FamilyRelation;
  verified: boolean;
  language: string;
}

export interface CreatedConfirmation {
  id: number;
  contact: ContactRow;
  worker: { name: string; phone: string | null; householdId: number };
}

/** Inserts the REQUESTED row for one of the worker's registered contacts; throws if there is none. */
export async function createConfirmation(sql: Sql, input: ConfirmationRequestInput): Promise<CreatedConfirmation> {
  const w = await sql.query<{ name: string; phone: string | null; householdId: number }>(
    `SELECT name, phone, "householdId" FROM "Worker" WHERE id = $1`,
    [input.workerId],
  );
  const worker = w.rows[0];
  if (!worker) throw new Error(`no worker ${input.workerId}`);
  const c = await sql.query<ContactRow>(
    `SELECT id, phone, relation, verified, language FROM "FamilyContact"
      WHERE "workerId" = $1 AND ($2::int IS NULL OR id = $2)
      ORDER BY verified DESC, id LIMIT 1`,
    [input.workerId, input.familyContactId ?? null],
  );
  const contact = c.rows[0];
  if (!contact)
    throw new Error(
      `worker ${input.workerId} has no registered family contact${input.familyContactId ? ` ${input.familyContactId}` : ''}`,
    );
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "Confirmation" (kind, "workerId", "householdId", statement, "familyContactId", relation, "requestedById", evidence)
     VALUES ($1::"ConfirmationKind", $2, $3, $4, $5, $6::"FamilyRelation", $7, $8::jsonb) RETURNING id`,
    [
      input.kind ?? 'STATUS',
      input.workerId,
      worker.householdId,
      input.statement,
      contact.id,
      contact.relation,
      input.requestedById ?? null,
      JSON.stringify({ requestedVia: input.channel ?? 'SMS' }),
    ],
  );
  return { id: r.rows[0]!.id, contact, worker };
}

export interface RequestDeps {
  db: Db;
  texts: Texts;
  /** Queues the message or call after the transaction commits (enqueueSends with the service's queues). */
  enqueue(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
}

/**
 * Staff ask a family member to confirm a statement about an absent worker: records the
 * Confirmation (REQUESTED), starts the family-confirmation conversation on the contact's number
 * and texts or calls them. A conversation already open on that number is ended. Returns the
 * confirmation id.
 */
export async function requestConfirmation(deps: RequestDeps, input: ConfirmationRequestInput): Promise<number> {
  const channel = input.channel ?? 'SMS';
  const { id, queue } = await inTransaction(deps.db.pool, async (sql) => {
    const created = await createConfirmation(sql, input);
    // The same lock as messages from that number, so an answer arriving now waits for the question.
    await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`inbound:${channel}:${created.contact.phone}`]);
    const turn = await runTurn(
      { sql, texts: deps.texts },
      {
        party: {
          channel,
          address: created.contact.phone,
          audience: 'family',
          workerId: input.workerId,
          familyContactId: created.contact.id,
          language: created.contact.language,
        },
        inboundMessageId: null,
        delivery: channel === 'VOICE' ? 'call' : 'message',
      },
      {
        kind: 'start',
        flow: 'family_confirmation',
        state: {
          confirmationId: created.id,
          kind: input.kind ?? 'STATUS',
          statement: input.statement,
          workerName: created.worker.name,
          verified: created.contact.verified,
          workerHasPhone: created.worker.phone !== null,
        },
      },
    );
    return { id: created.id, queue: turn.queue };
  });
  await deps.enqueue(queue);
  return id;
}

export interface ConfirmationResponse {
  confirmationId: number;
  workerId: number;
  /** The contact who answered (null: the worker answered themself). */
  familyContactId: number | null;
  phone: string;
  channel: Channel;
  outcome: 'CONFIRMED' | 'DISPUTED';
  reason: string | null;
  verificationMethod: VerificationMethod;
  evidence: { [key: string]: Json };
  now?: Date;
}

/**
 * Records the answer on a REQUESTED confirmation. Only the contact the request was for (of that
 * worker) can answer it; anything else changes nothing. Returns true when the row was updated.
 */
export async function recordConfirmationResponse(sql: Sql, r: ConfirmationResponse): Promise<boolean> {
  const res = await sql.query(
    `UPDATE "Confirmation" c
        SET status = $4::"ConfirmationStatus", reason = $5, "confirmerType" = $6::"ConfirmerType",
            "confirmerPhone" = $7, channel = $8::"Channel", "verificationMethod" = $9::"VerificationMethod",
            evidence = c.evidence || $10::jsonb, "respondedAt" = $11::timestamp(3)
      WHERE c.id = $1 AND c."workerId" = $2 AND c.status = 'REQUESTED'
        AND c."familyContactId" IS NOT DISTINCT FROM $3
        AND ($3::int IS NULL OR EXISTS (SELECT 1 FROM "FamilyContact" f WHERE f.id = $3 AND f."workerId" = $2 AND f.phone = $7))`,
    [
      r.confirmationId,
      r.workerId,
      r.familyContactId,
      r.outcome,
      r.reason,
      r.familyContactId === null ? 'WORKER' : 'FAMILY',
      r.phone,
      r.channel,
      r.verificationMethod,
      JSON.stringify(r.evidence),
      (r.now ?? new Date()).toISOString(),
    ],
  );
  return (res.rowCount ?? 0) > 0;
}

/** A request nobody answered in time. */
export async function markConfirmationExpired(sql: Sql, confirmationId: number): Promise<void> {
  await sql.query(`UPDATE "Confirmation" SET status = 'EXPIRED' WHERE id = $1 AND status = 'REQUESTED'`, [confirmationId]);
}

/**
 * A recording that arrived outside the conversation (Twilio's callback after the call): added to
 * the evidence of the confirmation answered in that call. Returns the confirmations updated.
 */
export async function attachRecording(
  sql: Sql,
  rec: { callSid: string; recordingSid: string; recordingUrl?: string | null; duration?: string | null },
): Promise<number> {
  const res = await sql.query(
    `UPDATE "Confirmation"
        SET evidence = evidence || jsonb_build_object('recordings',
              COALESCE(evidence->'recordings', '[]'::jsonb) || jsonb_build_array(jsonb_build_object('sid', $2::text, 'url', $3::text, 'duration', $4::text)))
      WHERE evidence->>'callSid' = $1
        AND NOT COALESCE(evidence->'recordings', '[]'::jsonb) @> jsonb_build_array(jsonb_build_object('sid', $2::text))
        AND COALESCE(evidence->'recording'->>'sid', '') <> $2`,
    [rec.callSid, rec.recordingSid, rec.recordingUrl ?? null, rec.duration ?? null],
  );
  return res.rowCount ?? 0;
}

/** Staff review: an answered confirmation is approved or rejected, with who, when and a note. */
export async function reviewConfirmation(
  sql: Sql,
  r: { confirmationId: number; staffUserId: number; approve: boolean; note?: string | null; now?: Date },
): Promise<boolean> {
  const res = await sql.query(
    `UPDATE "Confirmation"
        SET status = $3::"ConfirmationStatus", "reviewedById" = $2, "reviewedAt" = $4::timestamp(3), "reviewNote" = $5
      WHERE id = $1 AND status IN ('CONFIRMED', 'DISPUTED')`,
    [r.confirmationId, r.staffUserId, r.approve ? 'APPROVED' : 'REJECTED', (r.now ?? new Date()).toISOString(), r.note ?? null],
  );
  return (res.rowCount ?? 0) > 0;
}

export interface ConfirmationForReview {
  id: number;
  workerId: number;
  kind: ConfirmationKind;
  status: string;
  statement: string;
  reason: string | null;
  relation: FamilyRelation | null;
  confirmerPhone: string | null;
  channel: Channel | null;
  verificationMethod: VerificationMethod | null;
  evidence: { [key: string]: Json };
  respondedAt: Date | null;
}

/** Answered confirmations waiting for staff, in a region's subtree (any level), oldest first. */
export async function confirmationsForReview(sql: Sql, regionId: number, limit = 100): Promise<ConfirmationForReview[]> {
  const r = await sql.query<ConfirmationForReview>(
    `SELECT c.id, c."workerId", c.kind, c.status, c.statement, c.reason, c.relation, c."confirmerPhone", c.channel,
            c."verificationMethod", c.evidence, c."respondedAt"
       FROM "Confirmation" c JOIN "Household" h ON h.id = c."householdId"
      WHERE c.status IN ('CONFIRMED', 'DISPUTED')
        AND $1 IN (h."villageId", h."townshipId", h."countyId", h."cityId", h."provinceId")
      ORDER BY c."respondedAt", c.id
      LIMIT $2`,
    [regionId, limit],
  );
  return r.rows;
}
