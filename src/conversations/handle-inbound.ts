/**
 * Handles recorded inbound messages, one contact at a time and in the order they arrived.
 *
 * A job names one message, but jobs for one person may run at once on different workers. So the
 * handler takes a transaction-scoped advisory lock for the sender, then handles every unhandled
 * message of that sender up to this one, oldest first, each as one conversation turn
 * (turn.ts, the same turn a call runs). Replies are ledger rows written in the same transaction
 * and queued after it commits (the sweep queues them if that fails).
 */
import type pg from 'pg';
import type { Db } from '../db/database.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import type { Logger } from '../logging.js';
import { identifySender } from './identify.js';
import { conversationTurn, underSenderLock } from './turn.js';

export { identifySender, type Sender } from './identify.js';
export { senderLockKey } from './turn.js';

export interface InboundDeps {
  db: Db;
  texts: Texts;
  logger: Logger;
  /** Queues the sends for reply rows after the transaction commits. */
  enqueueReplies(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
}

interface InboundRow {
  id: string;
  channel: Channel;
  fromAddress: string;
  text: string | null;
  /** Telegram: a shared contact card and the user who sent the message. */
  contact: { phone_number?: string; user_id?: number } | null;
  fromUserId: string | null;
}

async function handleOne(
  deps: InboundDeps,
  sql: pg.PoolClient,
  msg: InboundRow,
): Promise<Array<{ id: bigint; channel: Channel }>> {
  let replies: Array<{ id: bigint; channel: Channel }> = [];
  let sender: { workerId: number | null; familyContactId: number | null } | null;
  if (msg.channel === 'VOICE') {
    // Answered during the call (routes/webhooks/twilio-voice.ts); recorded here for the ledger only.
    sender = await identifySender(sql, msg.channel, msg.fromAddress);
  } else {
    const contact = msg.contact?.phone_number
      ? { phone: msg.contact.phone_number, userId: msg.contact.user_id == null ? null : String(msg.contact.user_id) }
      : null;
    const turn = await conversationTurn(
      { sql, texts: deps.texts },
      {
        channel: msg.channel,
        address: msg.fromAddress,
        messageId: msg.id,
        incoming: { kind: 'text', text: msg.text, contact, fromUserId: msg.fromUserId },
      },
    );
    sender = turn.sender;
    replies = turn.queue;
  }
  // Who sent it, and that it is handled, in one write.
  await sql.query(`UPDATE "InboundMessage" SET "workerId" = $2, "familyContactId" = $3, "handledAt" = now() WHERE id = $1`, [
    msg.id,
    sender?.workerId ?? null,
    sender?.familyContactId ?? null,
  ]);
  return replies;
}

/** Handles message `inboundId` and any earlier unhandled ones from the same sender. Idempotent. */
export async function handleInbound(deps: InboundDeps, inboundId: bigint): Promise<number> {
  const head = await deps.db.pool.query<{ channel: Channel; fromAddress: string; handledAt: Date | null }>(
    `SELECT channel, "fromAddress", "handledAt" FROM "InboundMessage" WHERE id = $1`,
    [inboundId.toString()],
  );
  const first = head.rows[0];
  if (!first || first.handledAt) return 0;

  const replies = await underSenderLock(deps.db.pool, first.channel, first.fromAddress, async (sql) => {
    const pending = await sql.query<InboundRow>(
      `SELECT id, channel, "fromAddress", text,
              payload->'message'->'contact' AS contact, payload->'message'->'from'->>'id' AS "fromUserId"
         FROM "InboundMessage"
        WHERE channel = $1::"Channel" AND "fromAddress" = $2 AND "handledAt" IS NULL AND id <= $3
        ORDER BY id`,
      [first.channel, first.fromAddress, inboundId.toString()],
    );
    const all: Array<{ id: bigint; channel: Channel }> = [];
    for (const msg of pending.rows) all.push(...(await handleOne(deps, sql, msg)));
    return all;
  });
  if (replies.length) {
    try {
      await deps.enqueueReplies(replies);
    } catch (err) {
      deps.logger.warn({ err, count: replies.length }, 'replies recorded but not queued; the sweep will queue them');
    }
  }
  return replies.length;
}
