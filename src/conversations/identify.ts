/**
 * Who wrote or called: matched by phone (or linked Telegram chat) against the ledger, in one
 * statement. A conversation turn reads the sender together with the open conversation
 * (`readTurnStart`), so a turn starts with one read.
 */
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import { activeKey, SESSION_COLUMNS, type SessionRow, type StoredSession, sessionFromRow } from '../ledger/sessions.js';

export interface Sender {
  workerId: number | null;
  familyContactId: number | null;
  /** For a family contact: the worker they are registered for. */
  familyWorkerId?: number | null;
  language: string;
}

/** Whether an address can be a Telegram chat id (a bigint): anything else matches nobody. */
function isChatId(address: string): boolean {
  if (!/^-?\d{1,19}$/.test(address)) return false;
  const n = BigInt(address);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/**
 * The sender as two one-row CTEs, `w` (a worker) and `f` (a family contact, only when no worker
 * has the number), over the address in $1: a worker by phone, else a registered family contact;
 * on Telegram a worker by linked chat. An address that cannot be a chat id matches nobody.
 */
function senderCtes(channel: Channel, address: string): string {
  const noFamily = `f AS (SELECT NULL::int AS id, NULL::text AS language, NULL::int AS "workerId" WHERE false)`;
  if (channel === 'TELEGRAM') {
    if (!isChatId(address)) return `w AS (SELECT NULL::int AS id, NULL::text AS language WHERE $1::text IS NULL), ${noFamily}`;
    return `w AS (SELECT id, language FROM "Worker" WHERE "telegramChatId" = $1::bigint ORDER BY id LIMIT 1), ${noFamily}`;
  }
  return `w AS (SELECT id, language FROM "Worker" WHERE phone = $1 ORDER BY id LIMIT 1),
     f AS (SELECT id, language, "workerId" FROM "FamilyContact"
            WHERE phone = $1 AND "removedAt" IS NULL AND NOT EXISTS (SELECT 1 FROM w) ORDER BY verified DESC, id LIMIT 1)`;
}

const SENDER_COLUMNS = `w.id AS "senderWorkerId", w.language AS "senderWorkerLanguage",
       f.id AS "senderFamilyId", f.language AS "senderFamilyLanguage", f."workerId" AS "senderFamilyWorkerId"`;

interface SenderRow {
  senderWorkerId: number | null;
  senderWorkerLanguage: string | null;
  senderFamilyId: number | null;
  senderFamilyLanguage: string | null;
  senderFamilyWorkerId: number | null;
}

function senderFromRow(r: SenderRow | undefined): Sender | null {
  if (r?.senderWorkerId != null)
    return { workerId: r.senderWorkerId, familyContactId: null, language: r.senderWorkerLanguage ?? 'zh-CN' };
  if (r?.senderFamilyId != null)
    return {
      workerId: null,
      familyContactId: r.senderFamilyId,
      familyWorkerId: r.senderFamilyWorkerId,
      language: r.senderFamilyLanguage ?? 'zh-CN',
    };
  return null;
}

/** A worker (by phone or linked Telegram chat), else a registered family contact, else null. */
export async function identifySender(sql: Sql, channel: Channel, address: string): Promise<Sender | null> {
  const r = await sql.query<SenderRow>(
    `WITH ${senderCtes(channel, address)}
     SELECT ${SENDER_COLUMNS} FROM (SELECT 1) one LEFT JOIN w ON true LEFT JOIN f ON true`,
    [address],
  );
  return senderFromRow(r.rows[0]);
}

/**
 * What a turn needs to begin, in one statement: the person's active conversation on the channel
 * (locked for the transaction, expired ones included, as `activeSession` reads it) and who the
 * ledger says they are.
 */
export async function readTurnStart(sql: Sql, channel: Channel, address: string, now: Date): Promise<TurnStart> {
  const r = await sql.query<SenderRow & Partial<SessionRow>>(
    `WITH ${senderCtes(channel, address)},
     s AS (SELECT ${SESSION_COLUMNS}, "expiresAt" < $3::timestamp(3) AS expired
             FROM "ConversationSession" WHERE "activeKey" = $2 FOR UPDATE)
     SELECT s.*, ${SENDER_COLUMNS} FROM (SELECT 1) one LEFT JOIN s ON true LEFT JOIN w ON true LEFT JOIN f ON true`,
    [address, activeKey(channel, address), now.toISOString()],
  );
  return turnStartFromRow(r.rows[0]);
}

export interface TurnStart {
  session: StoredSession | null;
  sender: Sender | null;
}

type TurnStartRow = SenderRow & Partial<SessionRow>;

function turnStartFromRow(row: TurnStartRow | undefined): TurnStart {
  return {
    session: row?.id != null ? sessionFromRow(row as SessionRow) : null,
    sender: senderFromRow(row),
  };
}

/**
 * `readTurnStart` for the sender of a recorded text message, for the round trip that takes the
 * sender's lock (handle-inbound.ts): it runs after the lock statement, so it reads what committed
 * before the lock was granted. The address comes from the message row. `inboundId` and `now` are
 * SQL: parameters ($n) when the statement is prepared, else literals the caller has checked
 * (digits; a quoted toISOString cast to timestamp(3)). The sender is matched as `senderCtes` does,
 * with the channel read from the row: a chat id that is not a bigint matches nobody.
 */
export function turnStartForMessage(inboundId: string, now: string): string {
  return `WITH h AS (SELECT channel, "fromAddress" AS address FROM "InboundMessage" WHERE id = ${inboundId} AND "handledAt" IS NULL AND channel <> 'VOICE'),
     chat AS (SELECT CASE WHEN address ~ '^-?[0-9]{1,19}$' THEN
                CASE WHEN address::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 THEN address::bigint END END AS id
                FROM h WHERE channel = 'TELEGRAM'),
     w AS (SELECT id, language FROM (
             (SELECT id, language FROM "Worker" WHERE phone = (SELECT address FROM h WHERE channel <> 'TELEGRAM') ORDER BY id LIMIT 1)
             UNION ALL
             (SELECT id, language FROM "Worker" WHERE "telegramChatId" = (SELECT id FROM chat) ORDER BY id LIMIT 1)) x),
     f AS (SELECT id, language, "workerId" FROM "FamilyContact"
            WHERE phone = (SELECT address FROM h WHERE channel <> 'TELEGRAM') AND "removedAt" IS NULL AND NOT EXISTS (SELECT 1 FROM w)
            ORDER BY verified DESC, id LIMIT 1),
     s AS (SELECT ${SESSION_COLUMNS}, "expiresAt" < ${now} AS expired
             FROM "ConversationSession" WHERE "activeKey" = (SELECT channel::text || ':' || address FROM h) FOR UPDATE)
     SELECT s.*, ${SENDER_COLUMNS} FROM h LEFT JOIN s ON true LEFT JOIN w ON true LEFT JOIN f ON true`;
}

/** The turn start `turnStartForMessage` read; undefined when the message was not one it reads. */
export function turnStartFromResult(rows: TurnStartRow[]): TurnStart | undefined {
  return rows.length === 1 ? turnStartFromRow(rows[0]) : undefined;
}
