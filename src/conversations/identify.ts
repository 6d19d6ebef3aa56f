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

/**
 * The sender as two one-row CTEs, `w` (a worker) and `f` (a family contact, only when no worker
 * has the number), over the address in $1: a worker by phone, else a registered family contact;
 * on Telegram a worker by linked chat. An address that cannot be a chat id matches nobody.
 */
function senderCtes(channel: Channel, address: string): string {
  const noFamily = `f AS (SELECT NULL::int AS id, NULL::text AS language, NULL::int AS "workerId" WHERE false)`;
  if (channel === 'TELEGRAM') {
    if (!/^-?\d{1,19}$/.test(address))
      return `w AS (SELECT NULL::int AS id, NULL::text AS language WHERE $1::text IS NULL), ${noFamily}`;
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
export async function readTurnStart(
  sql: Sql,
  channel: Channel,
  address: string,
  now: Date,
): Promise<{ session: StoredSession | null; sender: Sender | null }> {
  const r = await sql.query<SenderRow & Partial<SessionRow>>(
    `WITH ${senderCtes(channel, address)},
     s AS (SELECT ${SESSION_COLUMNS}, "expiresAt" < $3::timestamp(3) AS expired
             FROM "ConversationSession" WHERE "activeKey" = $2 FOR UPDATE)
     SELECT s.*, ${SENDER_COLUMNS} FROM (SELECT 1) one LEFT JOIN s ON true LEFT JOIN w ON true LEFT JOIN f ON true`,
    [address, activeKey(channel, address), now.toISOString()],
  );
  const row = r.rows[0];
  return {
    session: row?.id != null ? sessionFromRow(row as SessionRow) : null,
    sender: senderFromRow(row),
  };
}
