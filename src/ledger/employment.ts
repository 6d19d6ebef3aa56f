/**
 * Employment history from conversations: appends EmploymentEvents with their provenance and keeps
 * the Worker's maintained copy of the current status (currentStatus, currentEventId,
 * statusConfirmedAt) and the household counts in step, by the rule in status-rules.ts.
 */

import { prepared } from '../db/prepared.js';
import type { Sql } from '../db/sql.js';
import type { Channel, EmploymentStatus, EventSource } from '../generated/prisma/enums.js';
import { refreshHouseholdCounts } from './household-counts.js';
import { CURRENT_EVENT_ORDER } from './status-rules.js';

/** Who reported, how, and in answer to which message or call. */
export interface Provenance {
  source: EventSource;
  channel: Channel;
  inboundMessageId?: string | null;
  callSid?: string | null;
  familyContactId?: number | null;
  /** The staff user who recorded it (source STAFF). */
  reportedById?: number | null;
}

export interface NewEmploymentEvent {
  workerId: number;
  status: EmploymentStatus;
  /** YYYY-MM-DD: when the change happened (not when it was reported). */
  effectiveDate: string;
  employer?: string | null;
  place?: string | null;
  industry?: string | null;
  monthlyWage?: number | null;
  insured?: boolean | null;
  reason?: string | null;
  /** The job lead that placed the worker (referral subsidy, §14). */
  jobLeadId?: number | null;
  /** The confirmation backing the record: a TEMPORARILY_UNWILLING record (Annex 1), or a status staff confirmed. */
  confirmationId?: number | null;
  /** The Employer record the worker joined (absorption and referral subsidies, §14). */
  employerId?: number | null;
}

/**
 * Appends an event and recomputes the worker's current status and household counts. A report of
 * coming home (RETURNED_HOME) also marks the worker a returnee (回流人员). Returns the event id.
 */
export async function appendEmploymentEvent(sql: Sql, e: NewEmploymentEvent, p: Provenance, now = new Date()): Promise<bigint> {
  // One statement appends the event and points the worker at the current one (the new event
  // counts although the statement's own scan of EmploymentEvent cannot see it yet).
  const r = await sql.query<{ id: string; householdId: number }>(
    prepared(
      sql,
      `WITH ev AS (
       INSERT INTO "EmploymentEvent" ("workerId", status, employer, place, industry, "monthlyWage", reason, "effectiveDate",
                                      "reportedAt", source, channel, "inboundMessageId", "callSid", "familyContactId", "reportedById",
                                      "confirmationId", insured, "jobLeadId", "employerId")
       VALUES ($1, $2::"EmploymentStatus", $3, $4, $5, $6, $7, $8::date, $9::timestamp(3), $10::"EventSource", $11::"Channel", $12, $13, $14,
               $15, $16, $17, $18, $20)
       RETURNING id, status, "effectiveDate", "reportedAt"
     ), cur AS (
       SELECT id, status FROM (
         SELECT id, status, "effectiveDate", "reportedAt" FROM "EmploymentEvent" WHERE "workerId" = $1
         UNION ALL
         SELECT id, status, "effectiveDate", "reportedAt" FROM ev
       ) e
       ORDER BY ${CURRENT_EVENT_ORDER} LIMIT 1
     )
     UPDATE "Worker" w
        SET "currentStatus" = cur.status, "currentEventId" = cur.id, "statusConfirmedAt" = $9::timestamp(3),
            "updatedAt" = $9::timestamp(3), "isReturnee" = w."isReturnee" OR $19
       FROM cur, ev
      WHERE w.id = $1
     RETURNING ev.id, w."householdId"`,
      [
        e.workerId,
        e.status,
        e.employer ?? null,
        e.place ?? null,
        e.industry ?? null,
        e.monthlyWage ?? null,
        e.reason ?? null,
        e.effectiveDate,
        now.toISOString(),
        p.source,
        p.channel,
        p.inboundMessageId ?? null,
        p.callSid ?? null,
        p.familyContactId ?? null,
        p.reportedById ?? null,
        e.confirmationId ?? null,
        e.insured ?? null,
        e.jobLeadId ?? null,
        e.status === 'RETURNED_HOME',
        e.employerId ?? null,
      ],
    ),
  );
  const row = r.rows[0];
  if (!row) throw new Error(`worker ${e.workerId} not found for an employment event`);
  await refreshHouseholdCounts(sql, [row.householdId], now);
  return BigInt(row.id);
}

/**
 * "No change": appends a copy of the current event (same status, employer, place, industry, wage
 * and effective date) reported now. By the status rule the copy becomes current (same effective
 * date, later report), so the status is unchanged and statusConfirmedAt moves to now, with the
 * reconfirmation's provenance in the history. Returns null when the worker has no current event.
 */
export async function reconfirmStatus(sql: Sql, workerId: number, p: Provenance, now = new Date()): Promise<bigint | null> {
  const r = await sql.query<{ id: string }>(
    `INSERT INTO "EmploymentEvent" ("workerId", status, employer, place, industry, "monthlyWage", insured, reason, "effectiveDate",
                                    "reportedAt", source, channel, "inboundMessageId", "callSid", "familyContactId", "jobLeadId", "employerId")
     SELECT e."workerId", e.status, e.employer, e.place, e.industry, e."monthlyWage", e.insured, e.reason, e."effectiveDate",
            $2::timestamp(3), $3::"EventSource", $4::"Channel", $5, $6, $7, e."jobLeadId", e."employerId"
       FROM "Worker" w JOIN "EmploymentEvent" e ON e.id = w."currentEventId"
      WHERE w.id = $1
     RETURNING id`,
    [workerId, now.toISOString(), p.source, p.channel, p.inboundMessageId ?? null, p.callSid ?? null, p.familyContactId ?? null],
  );
  if (!r.rows[0]) return null;
  await refreshCurrentStatus(sql, workerId, now);
  return BigInt(r.rows[0].id);
}

/**
 * Points the worker at the event that is current by the status rule, sets statusConfirmedAt, and
 * refreshes the household's labour and employment counts (the zero-employment flag follows).
 * `returnee` also marks the worker a returnee (回流人员).
 */
export async function refreshCurrentStatus(sql: Sql, workerId: number, now = new Date(), returnee = false): Promise<void> {
  const r = await sql.query<{ householdId: number }>(
    `WITH cur AS (
       SELECT id, status FROM "EmploymentEvent" WHERE "workerId" = $1 ORDER BY ${CURRENT_EVENT_ORDER} LIMIT 1
     )
     UPDATE "Worker" w
        SET "currentStatus" = cur.status, "currentEventId" = cur.id, "statusConfirmedAt" = $2::timestamp(3), "updatedAt" = $2::timestamp(3),
            "isReturnee" = w."isReturnee" OR $3
       FROM cur
      WHERE w.id = $1
     RETURNING w."householdId"`,
    [workerId, now.toISOString(), returnee],
  );
  if (r.rows[0]) await refreshHouseholdCounts(sql, [r.rows[0].householdId], now);
}
