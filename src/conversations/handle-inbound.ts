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
import { inTransaction, type Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { recordOptIn, recordOptOut } from '../ledger/opt-outs.js';
import { createMessage } from '../ledger/outbound.js';
import type { Logger } from '../logging.js';
import { parseGlobalCommand } from './keywords.js';

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
}

export interface Sender {
  workerId: number | null;
  familyContactId: number | null;
  language: string;
}

/** Unknown senders get the "please register" reply at most once a day (auto-responders loop). */
const UNKNOWN_REPLY_INTERVAL = '24 hours';

/** Who wrote: a worker (by phone or linked Telegram chat), else a registered family contact. */
export async function identifySender(sql: Sql, channel: Channel, address: string): Promise<Sender | null> {
  if (channel === 'TELEGRAM') {
    if (!/^-?\d+$/.test(address)) return null;
    const w = await sql.query<{ id: number; language: string }>(`SELECT id, language FROM "Worker" WHERE "telegramChatId" = $1`, [
      address,
    ]);
    return w.rows[0] ? { workerId: w.rows[0].id, familyContactId: null, language: w.rows[0].language } : null;
  }
  const w = await sql.query<{ id: number; language: string }>(
    `SELECT id, language FROM "Worker" WHERE phone = $1 ORDER BY id LIMIT 1`,
    [address],
  );
  if (w.rows[0]) return { workerId: w.rows[0].id, familyContactId: null, language: w.rows[0].language };
  const f = await sql.query<{ id: number; language: string }>(
    `SELECT id, language FROM "FamilyContact" WHERE phone = $1 ORDER BY verified DESC, id LIMIT 1`,
    [address],
  );
  return f.rows[0] ? { workerId: null, familyContactId: f.rows[0].id, language: f.rows[0].language } : null;
}

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

  await sql.query(`UPDATE "InboundMessage" SET "workerId" = $2, "familyContactId" = $3 WHERE id = $1`, [
    msg.id,
    sender?.workerId ?? null,
    sender?.familyContactId ?? null,
  ]);

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
    await reply(t(changed ? 'optout.confirmed' : 'optout.already'));
  } else if (command === 'optin') {
    const changed = await recordOptIn(sql, msg.channel, msg.fromAddress);
    await reply(changed ? t('optin.confirmed') : t('help.menu'));
  } else if (command === 'help') {
    await reply(t('help.menu'));
  } else if (!sender) {
    const recent = await sql.query(
      `SELECT 1 FROM "OutboundMessage" WHERE channel = $1::"Channel" AND "toAddress" = $2 AND kind = 'REPLY'
         AND "workerId" IS NULL AND "familyContactId" IS NULL AND "queuedAt" > now() - $3::interval LIMIT 1`,
      [msg.channel, msg.fromAddress, UNKNOWN_REPLY_INTERVAL],
    );
    if (recent.rowCount === 0) await reply(t('unknown.sender'));
  } else {
    // Conversation flows take over here; until one starts, the menu shows what can be done.
    await reply(t('help.menu'));
  }
  await sql.query(`UPDATE "InboundMessage" SET "handledAt" = now() WHERE id = $1`, [msg.id]);
  return replies;
}

/** Handles message `inboundId` and any earlier unhandled ones from the same sender. Idempotent. */
export async function handleInbound(deps: InboundDeps, inboundId: bigint): Promise<number> {
  const head = await deps.db.pool.query<InboundRow & { handledAt: Date | null }>(
    `SELECT id, channel, "fromAddress", text, "handledAt" FROM "InboundMessage" WHERE id = $1`,
    [inboundId.toString()],
  );
  const first = head.rows[0];
  if (!first || first.handledAt) return 0;

  const replies = await inTransaction(deps.db.pool, async (sql) => {
    await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`inbound:${first.channel}:${first.fromAddress}`]);
    const pending = await sql.query<InboundRow>(
      `SELECT id, channel, "fromAddress", text FROM "InboundMessage"
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
