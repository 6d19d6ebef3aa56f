/**
 * Conversation sessions in the ledger (ConversationSession). A session is ACTIVE while a question
 * waits; activeKey = "CHANNEL:address" is set only then, so the database allows one active
 * conversation per person and channel. Rows are read FOR UPDATE inside the per-sender
 * transaction, so a restart mid-conversation resumes from the last answer that committed.
 */
import type { Sql, Statement } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { JsonObject } from './json.js';

/**
 * A conversation's progress as the ledger keeps it: which flow (by its id; the flows themselves
 * live in bots/ and src/flows, which the ledger does not know), which step, the flow's state.
 */
export interface SessionRecord<F extends string = string> {
  flow: F;
  step: string;
  state: JsonObject;
  retries: number;
  status: 'ACTIVE' | 'COMPLETED' | 'EXPIRED' | 'ESCALATED';
  expiresAt: Date;
}

export interface StoredSession<F extends string = string> extends SessionRecord<F> {
  id: number;
  channel: Channel;
  address: string;
  workerId: number | null;
  familyContactId: number | null;
  /** True when expiresAt has passed: the conversation ends politely at this message. */
  expired?: boolean;
}

export const activeKey = (channel: Channel, address: string) => `${channel}:${address}`;

/** A ConversationSession row as `SESSION_COLUMNS` and the `expired` comparison read it. */
export interface SessionRow {
  id: number;
  channel: Channel;
  address: string;
  workerId: number | null;
  familyContactId: number | null;
  flow: string;
  step: string;
  state: JsonObject;
  status: SessionRecord['status'];
  retries: number;
  expiresAt: Date;
  expired: boolean;
}

export const SESSION_COLUMNS = `id, channel, address, "workerId", "familyContactId", flow, step, state, status, retries, "expiresAt"`;
/**
 * The person's active conversation on the channel, locked for this transaction; expired ones
 * included. `F`: the flow ids the caller runs (a row of a flow it no longer has is the caller's
 * to end, see flows/runner.ts isRunnable).
 */
export async function activeSession<F extends string = string>(
  sql: Sql,
  channel: Channel,
  address: string,
  now: Date,
): Promise<StoredSession<F> | null> {
  // Timestamps are compared in SQL: the columns have no time zone, and the values are UTC.
  const r = await sql.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS}, "expiresAt" < $2::timestamp(3) AS expired FROM "ConversationSession" WHERE "activeKey" = $1 FOR UPDATE`,
    [activeKey(channel, address), now.toISOString()],
  );
  return r.rows[0] ? sessionFromRow<F>(r.rows[0]) : null;
}

/** The session a row holds. `F`: the flow ids the caller runs. */
export function sessionFromRow<F extends string = string>(row: SessionRow): StoredSession<F> {
  return { ...row, flow: row.flow as F } satisfies StoredSession<F>;
}

/** The UPDATE that writes a session's progress; an ended session gives up its active key. */
export function saveSessionStatement(s: StoredSession<string>, offset = 0): Statement {
  const p = (i: number) => `$${offset + i}`;
  return {
    text: `UPDATE "ConversationSession"
        SET flow = ${p(2)}, step = ${p(3)}, state = ${p(4)}::jsonb, status = ${p(5)}::"SessionStatus", retries = ${p(6)}, "expiresAt" = ${p(7)},
            "activeKey" = CASE WHEN ${p(5)}::"SessionStatus" = 'ACTIVE' THEN "activeKey" END, "updatedAt" = now()
      WHERE id = ${p(1)}`,
    values: [s.id, s.flow, s.step, JSON.stringify(s.state), s.status, s.retries, s.expiresAt.toISOString()],
  };
}

/** Writes a session's progress; an ended session gives up its active key. */
export async function saveSession(sql: Sql, s: StoredSession<string>): Promise<void> {
  const st = saveSessionStatement(s);
  await sql.query(st.text, st.values);
}

export interface NewSession<F extends string = string> extends SessionRecord<F> {
  channel: Channel;
  address: string;
  workerId: number | null;
  familyContactId: number | null;
}

/**
 * Records a new session. An ACTIVE one takes the active key: any other active session of the
 * person on this channel must have been ended first (endSession), or the insert fails.
 */
export async function insertSession<F extends string>(sql: Sql, s: NewSession<F>): Promise<StoredSession<F>> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "ConversationSession" (channel, address, "activeKey", "workerId", "familyContactId", flow, step, state, status, retries, "expiresAt", "updatedAt")
     VALUES ($1::"Channel", $2, $3, $4, $5, $6, $7, $8::jsonb, $9::"SessionStatus", $10, $11, now()) RETURNING id`,
    [
      s.channel,
      s.address,
      s.status === 'ACTIVE' ? activeKey(s.channel, s.address) : null,
      s.workerId,
      s.familyContactId,
      s.flow,
      s.step,
      JSON.stringify(s.state),
      s.status,
      s.retries,
      s.expiresAt.toISOString(),
    ],
  );
  return { ...s, id: r.rows[0]!.id };
}

/** Ends a session (completed, expired, escalated) and frees the person's active key. */
export async function endSession(sql: Sql, id: number, status: Exclude<SessionRecord['status'], 'ACTIVE'>): Promise<void> {
  await sql.query(
    `UPDATE "ConversationSession" SET status = $2::"SessionStatus", "activeKey" = NULL, "updatedAt" = now() WHERE id = $1`,
    [id, status],
  );
}
