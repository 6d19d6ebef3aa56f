/**
 * Confirmations (Annex 1): a registered family member confirms for an absent worker (家人代签), or
 * the worker confirms remotely from their own number (本人远程确认). Staff ask
 * (src/conversations/request-confirmation.ts starts the conversation), the person answers by SMS
 * or a recorded call, staff review. Every row says who answered for whom (contact, relation,
 * number), how (channel, inbound message ids, call sid, recordings), when, and what backs it
 * (verificationMethod). Only the number the request went to can answer: the conversation is keyed
 * on it, and recordConfirmationResponse checks the number again.
 *
 * A request ends in a clear state: CONFIRMED or DISPUTED when answered, EXPIRED when nobody answered
 * in time, INTERRUPTED when its conversation ended without an answer (an opt-out, another keyword,
 * a request for a person, a newer request to the same number); then APPROVED or REJECTED by staff.
 */
import { type Sql, sqlIn } from '../db/sql.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type {
  Channel,
  ConfirmationKind,
  ConfirmationStatus,
  ConfirmerType,
  FamilyRelation,
  VerificationMethod,
} from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, type Staff, scopeFilter, subtreeFilter } from '../staff/scope.js';
import type { Json } from './json.js';
import { maskPhone } from './worker-directory.js';

export interface NewConfirmation {
  workerId: number;
  householdId: number;
  kind: ConfirmationKind;
  statement: string;
  confirmerType: ConfirmerType;
  /** The family contact asked (FAMILY); null when the worker answers themself. */
  familyContactId: number | null;
  relation: FamilyRelation | null;
  channel: 'SMS' | 'VOICE';
  requestedById: number | null;
  expiresAt: Date;
}

/** Inserts the REQUESTED row (inside the transaction that starts its conversation). Returns its id. */
export async function insertConfirmation(sql: Sql, c: NewConfirmation, now: Date): Promise<number> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "Confirmation" (kind, "workerId", "householdId", statement, "confirmerType", "familyContactId", relation,
                                 "requestedById", "requestedAt", "expiresAt", evidence)
     VALUES ($1::"ConfirmationKind", $2, $3, $4, $5::"ConfirmerType", $6, $7::"FamilyRelation", $8, $9::timestamp(3),
             $10::timestamp(3), $11::jsonb)
     RETURNING id`,
    [
      c.kind,
      c.workerId,
      c.householdId,
      c.statement,
      c.confirmerType,
      c.familyContactId,
      c.relation,
      c.requestedById,
      now.toISOString(),
      c.expiresAt.toISOString(),
      JSON.stringify({ requestedVia: c.channel }),
    ],
  );
  return r.rows[0]!.id;
}

/** Ties the request to the conversation that asks it, which ends when the request expires. */
export async function linkConfirmationSession(sql: Sql, confirmationId: number, sessionId: number): Promise<void> {
  await sql.query(
    `WITH c AS (UPDATE "Confirmation" SET "sessionId" = $2 WHERE id = $1 RETURNING "expiresAt")
     UPDATE "ConversationSession" s SET "expiresAt" = c."expiresAt" FROM c WHERE s.id = $2 AND c."expiresAt" IS NOT NULL`,
    [confirmationId, sessionId],
  );
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
 * Records the answer on a REQUESTED confirmation. Only the one asked can answer it: the family
 * contact the request went to, at its registered number, or the worker at their own number.
 * Anything else changes nothing. Returns true when the row was updated.
 */
export async function recordConfirmationResponse(sql: Sql, r: ConfirmationResponse): Promise<boolean> {
  const res = await sql.query(
    `UPDATE "Confirmation" c
        SET status = $4::"ConfirmationStatus", reason = $5, "confirmerType" = $6::"ConfirmerType",
            "confirmerPhone" = $7, channel = $8::"Channel", "verificationMethod" = $9::"VerificationMethod",
            evidence = c.evidence || $10::jsonb, "respondedAt" = $11::timestamp(3)
      WHERE c.id = $1 AND c."workerId" = $2 AND c.status = 'REQUESTED'
        AND c."familyContactId" IS NOT DISTINCT FROM $3
        AND c."confirmerType" IS NOT DISTINCT FROM $6::"ConfirmerType"
        AND CASE WHEN $3::int IS NULL
                 THEN EXISTS (SELECT 1 FROM "Worker" w WHERE w.id = $2 AND w.phone = $7)
                 ELSE EXISTS (SELECT 1 FROM "FamilyContact" f
                               WHERE f.id = $3 AND f."workerId" = $2 AND f.phone = $7 AND f."removedAt" IS NULL) END
      RETURNING c.id`,
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

/** A request nobody answered in time (its conversation expired). */
export async function markConfirmationExpired(sql: Sql, confirmationId: number): Promise<void> {
  await sql.query(`UPDATE "Confirmation" SET status = 'EXPIRED' WHERE id = $1 AND status = 'REQUESTED' RETURNING id`, [
    confirmationId,
  ]);
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
        AND COALESCE(evidence->'recording'->>'sid', '') <> $2
      RETURNING id`,
    [rec.callSid, rec.recordingSid, rec.recordingUrl ?? null, rec.duration ?? null],
  );
  return res.rowCount ?? 0;
}

/**
 * Brings requests to a clear state: REQUESTED past expiresAt → EXPIRED (and their conversation
 * ends), REQUESTED whose conversation ended without an answer → INTERRUPTED (with how it ended).
 * Set-based; runs every minute (the sweep) and before staff read confirmations. Returns how many
 * changed.
 */
export async function settleConfirmations(sql: Sql, now = new Date()): Promise<{ expired: number; interrupted: number }> {
  const at = now.toISOString();
  const expired = await sql.query(
    `WITH e AS (
       UPDATE "Confirmation" SET status = 'EXPIRED'
        WHERE status = 'REQUESTED' AND "expiresAt" <= $1::timestamp(3)
       RETURNING id, "sessionId"
     ), s AS (
       UPDATE "ConversationSession" s SET status = 'EXPIRED', "activeKey" = NULL, "updatedAt" = $1::timestamp(3)
         FROM e WHERE s.id = e."sessionId" AND s.status = 'ACTIVE'
       RETURNING s.id
     )
     SELECT id FROM e`,
    [at],
  );
  const interrupted = await sql.query(
    `UPDATE "Confirmation" c
        SET status = 'INTERRUPTED',
            evidence = c.evidence || jsonb_build_object('interrupted',
              jsonb_build_object('conversation', s.status::text, 'at', to_char(s."updatedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
       FROM "ConversationSession" s
      WHERE c.status = 'REQUESTED' AND s.id = c."sessionId" AND s.status <> 'ACTIVE'
      RETURNING c.id`,
  );
  return { expired: expired.rowCount ?? 0, interrupted: interrupted.rowCount ?? 0 };
}

// ───────────── Staff: list, read with evidence, review ─────────────

export interface ConfirmationQuery {
  status?: ConfirmationStatus;
  kind?: ConfirmationKind;
  /** Only those of workers in this region (a code inside the caller's scope). */
  regionCode?: string;
  workerId?: number;
  /** Confirmations with an id below this (newest first). */
  before?: number;
  limit: number;
}

const SUMMARY_SELECT = {
  id: true,
  kind: true,
  status: true,
  statement: true,
  reason: true,
  confirmerType: true,
  relation: true,
  confirmerPhone: true,
  channel: true,
  verificationMethod: true,
  requestedAt: true,
  expiresAt: true,
  respondedAt: true,
  reviewedAt: true,
  reviewNote: true,
  evidence: true,
  worker: {
    select: { id: true, name: true, idLast4: true, household: { select: { village: { select: { code: true, name: true } } } } },
  },
  familyContact: { select: { id: true, name: true, relation: true, phone: true, verified: true } },
  requestedBy: { select: { id: true, username: true, name: true } },
  reviewedBy: { select: { id: true, username: true, name: true } },
} as const;

type SummaryRecord = Prisma.ConfirmationGetPayload<{ select: typeof SUMMARY_SELECT }>;

export interface ConfirmationSummary extends Omit<SummaryRecord, 'evidence' | 'confirmerPhone' | 'familyContact' | 'worker'> {
  confirmerPhone: string | null;
  worker: { id: number; name: string; idLast4: string; villageCode: string; villageName: string };
  familyContact: { id: number; name: string; relation: FamilyRelation; phone: string | null; verified: boolean } | null;
  /** How the request was sent (SMS or VOICE). */
  requestedVia: string | null;
  /** Recordings that back the answer, by sid; play them through `/confirmations/:id/recordings/:sid`. */
  recordings: Array<{ sid: string; duration: string | null }>;
}

interface Evidence {
  requestedVia?: string;
  inboundMessageIds?: string[];
  callSid?: string | null;
  recording?: { sid: string; duration?: string | null } | null;
  recordings?: Array<{ sid: string; duration?: string | null }>;
  interrupted?: { conversation: string; at: string };
}

/** The recordings of a confirmation's evidence: the answer's own, then any that came later. */
export function recordingsOf(evidence: unknown): Array<{ sid: string; duration: string | null }> {
  const e = (evidence ?? {}) as Evidence;
  return [...(e.recording ? [e.recording] : []), ...(e.recordings ?? [])]
    .filter((r) => typeof r?.sid === 'string')
    .map((r) => ({ sid: r.sid, duration: r.duration ?? null }));
}

function summary(c: SummaryRecord): ConfirmationSummary {
  const { evidence, worker, familyContact, ...rest } = c;
  return {
    ...rest,
    confirmerPhone: maskPhone(c.confirmerPhone),
    worker: {
      id: worker.id,
      name: worker.name,
      idLast4: worker.idLast4,
      villageCode: worker.household.village.code,
      villageName: worker.household.village.name,
    },
    familyContact: familyContact && { ...familyContact, phone: maskPhone(familyContact.phone) },
    requestedVia: (evidence as Evidence).requestedVia ?? null,
    recordings: recordingsOf(evidence),
  };
}

/** Confirmations of workers in the caller's scope, or in a region inside it (403 outside). */
async function workerScope(prisma: PrismaClient, staff: Staff, regionCode?: string): Promise<Prisma.ConfirmationWhereInput> {
  if (!regionCode) {
    const f = scopeFilter(staff);
    return { worker: { [f.column]: f.value } };
  }
  if (!codeInScope(staff, regionCode))
    throw forbidden(`region ${regionCode} is outside your scope (${staff.regionCode} and below)`);
  const region = await prisma.region.findUnique({ where: { code: regionCode }, select: { id: true, level: true } });
  if (!region) throw invalid('querystring/regionCode', `names no region in the ledger (${regionCode})`);
  const f = subtreeFilter(region);
  return { worker: { [f.column]: f.value } };
}

/** Confirmations of workers in the caller's scope matching every filter, newest first. */
export async function listConfirmations(
  prisma: PrismaClient,
  staff: Staff,
  q: ConfirmationQuery,
): Promise<ConfirmationSummary[]> {
  await settleConfirmations(sqlIn(prisma));
  const rows = await prisma.confirmation.findMany({
    where: {
      ...(await workerScope(prisma, staff, q.regionCode)),
      status: q.status,
      kind: q.kind,
      workerId: q.workerId,
      id: q.before === undefined ? undefined : { lt: q.before },
    },
    orderBy: { id: 'desc' },
    take: q.limit,
    select: SUMMARY_SELECT,
  });
  return rows.map(summary);
}

/** Answered confirmations waiting for staff review in the caller's scope. */
export async function countConfirmationsToReview(prisma: PrismaClient, staff: Staff): Promise<number> {
  return prisma.confirmation.count({
    where: { ...(await workerScope(prisma, staff)), status: { in: ['CONFIRMED', 'DISPUTED'] }, reviewedAt: null },
  });
}

export interface ConversationLine {
  direction: 'in' | 'out';
  id: string;
  at: Date;
  channel: Channel;
  text: string;
  /** Outbound only: QUEUED, SENT, DELIVERED, FAILED, CANCELLED. */
  status: string | null;
}

export interface ConfirmationFile extends ConfirmationSummary {
  /** The conversation: what was asked and what the person answered, oldest first. */
  messages: ConversationLine[];
  callSid: string | null;
  interrupted: { conversation: string; at: string } | null;
  /** Events (a temporarily-unwilling record, a staff-entered status) this confirmation backs. */
  backs: Array<{ eventId: string; status: string; effectiveDate: Date }>;
}

/** One confirmation of the caller's scope with its evidence (404 outside the scope). */
export async function getConfirmation(prisma: PrismaClient, staff: Staff, id: number): Promise<ConfirmationFile> {
  await settleConfirmations(sqlIn(prisma));
  const c = await prisma.confirmation.findFirst({
    where: { id, ...(await workerScope(prisma, staff)) },
    select: { ...SUMMARY_SELECT, sessionId: true, events: { select: { id: true, status: true, effectiveDate: true } } },
  });
  if (!c) throw notFound(`no confirmation ${id}`);
  const evidence = c.evidence as Evidence;
  const address =
    c.familyContact?.phone ?? (await prisma.worker.findUnique({ where: { id: c.worker.id }, select: { phone: true } }))?.phone;
  // The exchange with the number asked, from the request until it was answered or ended.
  const until = c.respondedAt ?? c.reviewedAt ?? c.expiresAt ?? new Date();
  const window = { gte: c.requestedAt, lte: new Date(until.getTime() + 60_000) };
  const [outbound, inbound] = address
    ? await Promise.all([
        prisma.outboundMessage.findMany({
          where: { toAddress: address, queuedAt: window, campaignId: null },
          orderBy: { id: 'asc' },
          select: { id: true, queuedAt: true, channel: true, body: true, status: true },
        }),
        prisma.inboundMessage.findMany({
          where: { fromAddress: address, receivedAt: window },
          orderBy: { id: 'asc' },
          select: { id: true, receivedAt: true, channel: true, text: true },
        }),
      ])
    : [[], []];
  const messages: ConversationLine[] = [
    ...outbound.map((m) => ({
      direction: 'out' as const,
      id: m.id.toString(),
      at: m.queuedAt,
      channel: m.channel,
      text: m.body,
      status: m.status,
    })),
    ...inbound.map((m) => ({
      direction: 'in' as const,
      id: m.id.toString(),
      at: m.receivedAt,
      channel: m.channel,
      text: m.text ?? '',
      status: null,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const { sessionId: _session, events, ...rest } = c;
  return {
    ...summary(rest),
    messages,
    callSid: evidence.callSid ?? null,
    interrupted: evidence.interrupted ?? null,
    backs: events.map((e) => ({ eventId: e.id.toString(), status: e.status, effectiveDate: e.effectiveDate })),
  };
}

/**
 * Staff review an answer: approve or reject a CONFIRMED one; a DISPUTED one (the statement is not
 * true) can only be rejected, since it can never back the statement. Audited.
 */
export async function reviewConfirmation(
  prisma: PrismaClient,
  staff: Staff,
  r: { confirmationId: number; decision: 'approve' | 'reject'; note?: string | null; via: Channel },
  now = new Date(),
): Promise<ConfirmationFile> {
  if (staff.role === 'VIEWER') throw forbidden('role VIEWER may not review confirmations; needs ADMIN or OPERATOR');
  const scope = await workerScope(prisma, staff);
  await prisma.$transaction(async (tx) => {
    const c = await tx.confirmation.findFirst({
      where: { id: r.confirmationId, ...scope },
      select: { id: true, status: true, worker: { select: { villageId: true } } },
    });
    if (!c) throw notFound(`no confirmation ${r.confirmationId}`);
    if (c.status !== 'CONFIRMED' && c.status !== 'DISPUTED')
      throw conflict('invalid_state', `confirmation ${c.id} is ${c.status}: only answered confirmations are reviewed`);
    if (c.status === 'DISPUTED' && r.decision === 'approve')
      throw conflict('disputed', `confirmation ${c.id} was disputed by the person asked: reject it, or request a new one`);
    const status = r.decision === 'approve' ? 'APPROVED' : 'REJECTED';
    const done = await tx.confirmation.updateMany({
      where: { id: c.id, status: c.status },
      data: { status, reviewedById: staff.userId, reviewedAt: now, reviewNote: r.note?.trim() || null },
    });
    if (done.count === 0) throw conflict('invalid_state', `confirmation ${c.id} changed meanwhile`);
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: `confirmation.${r.decision}`,
      entity: 'Confirmation',
      entityId: c.id,
      regionId: c.worker.villageId,
      details: { from: c.status, to: status, via: r.via },
    });
  });
  return getConfirmation(prisma, staff, r.confirmationId);
}

/** The recording `sid` if it is part of the evidence of a confirmation in the caller's scope. */
export async function confirmationRecording(
  prisma: PrismaClient,
  staff: Staff,
  id: number,
  sid: string,
): Promise<{ sid: string }> {
  const c = await prisma.confirmation.findFirst({
    where: { id, ...(await workerScope(prisma, staff)) },
    select: { evidence: true },
  });
  const rec = c ? recordingsOf(c.evidence).find((r) => r.sid === sid) : undefined;
  if (!rec) throw notFound(`no recording ${sid} on confirmation ${id}`);
  return { sid: rec.sid };
}
