/**
 * Handles recorded inbound messages, one contact at a time and in the order they arrived.
 *
 * A job names one message, but jobs for one person may run at once on different workers. So the
 * handler takes a transaction-scoped advisory lock for the sender, then handles every unhandled
 * message of that sender up to this one, oldest first. Replies are ledger rows written in the
 * same transaction and queued after it commits (the sweep queues them if that fails).
 */
import type pg from 'pg';
import type { Db } from '../db/database.js';
import { inTransaction } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { recordOptIn, recordOptOut } from '../ledger/opt-outs.js';
import { createMessage } from '../ledger/outbound.js';
import { activeSession, endSession } from '../ledger/sessions.js';
import type { Logger } from '../logging.js';
import { identifySender } from './identify.js';
import { parseGlobalCommand } from './keywords.js';
import { respond } from './respond.js';

export { identifySender, type Sender } from './identify.js';

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

/** The per-sender lock: inbound handling, voice turns and conversations the service starts share it. */
export const senderLockKey = (channel: Channel, address: string) => `inbound:${channel}:${address}`;

async function handleOne(
  deps: InboundDeps,
  sql: pg.PoolClient,
  msg: InboundRow,
): Promise<Array<{ id: bigint; channel: Channel }>> {
  const sender = await identifySender(sql, msg.channel, msg.fromAddress);
  const language = sender?.language ?? 'zh-CN';
  const t = deps.texts.forLanguage(language);
  const replies: Array<{ id: bigint; channel: Channel }> = [];
  const reply = async (body: string) => {
    const id = await createMessage(sql, {
      kind: 'REPLY',
      channel: msg.channel,
      body,
      language,
      workerId: sender?.workerId,
      familyContactId: sender?.familyContactId,
      toAddress: msg.fromAddress,
      inReplyToId: BigInt(msg.id),
    });
    replies.push({ id, channel: msg.channel });
  };

  const command = parseGlobalCommand(msg.text);
  if (msg.channel === 'VOICE') {
    // Answered during the call (routes/webhooks/twilio-voice.ts); recorded here for the ledger only.
  } else if (command === 'optout') {
    const changed = await recordOptOut(sql, {
      channel: msg.channel,
      address: msg.fromAddress,
      workerId: sender?.workerId,
      source: 'keyword',
    });
    // Whatever was being asked is no longer wanted.
    const open = await activeSession(sql, msg.channel, msg.fromAddress, new Date());
    if (open) await endSession(sql, open.id, 'COMPLETED');
    await reply(t(changed ? 'optout.confirmed' : 'optout.already'));
  } else if (command === 'optin' && (await recordOptIn(sql, msg.channel, msg.fromAddress))) {
    await reply(t('optin.confirmed'));
  } else {
    const contact = msg.contact?.phone_number
      ? { phone: msg.contact.phone_number, userId: msg.contact.user_id == null ? null : String(msg.contact.user_id) }
      : null;
    replies.push(...(await respond({ sql, texts: deps.texts }, { ...msg, contact }, sender, command)));
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

  const replies = await inTransaction(deps.db.pool, async (sql) => {
    await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [senderLockKey(first.channel, first.fromAddress)]);
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
