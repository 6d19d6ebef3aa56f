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
import { canPrepare } from '../db/prepared.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import type { Logger } from '../logging.js';
import { identifySender, type TurnStart, turnStartForMessage, turnStartFromResult } from './identify.js';
import { conversationTurn } from './turn.js';

export { identifySender, type Sender } from './identify.js';
export { senderLockKey } from './turn.js';

export interface InboundDeps {
  db: Db;
  texts: Texts;
  logger: Logger;
  /** Queues the sends for reply rows after the transaction commits. */
  enqueueReplies(rows: Queue): Promise<void>;
}

type Queue = Array<{ id: bigint; channel: Channel }>;

interface InboundRow {
  id: string;
  channel: Channel;
  fromAddress: string;
  text: string | null;
  /** Telegram: a shared contact card and the user who sent the message. */
  contact: { phone_number?: string; user_id?: number } | null;
  fromUserId: string | null;
}

/** Who sent a message, recorded on it when it is marked handled. */
interface Handled {
  id: string;
  workerId: number | null;
  familyContactId: number | null;
}

async function handleOne(
  deps: InboundDeps,
  sql: pg.PoolClient,
  msg: InboundRow,
  start?: { read: TurnStart; now: Date },
): Promise<{ handled: Handled; replies: Queue }> {
  let replies: Queue = [];
  let sender: { workerId: number | null; familyContactId: number | null } | null;
  if (msg.channel === 'VOICE') {
    // Answered during the call (routes/webhooks/twilio-voice.ts); recorded here for the ledger only.
    sender = await identifySender(sql, msg.channel, msg.fromAddress);
  } else {
    const contact = msg.contact?.phone_number
      ? { phone: msg.contact.phone_number, userId: msg.contact.user_id == null ? null : String(msg.contact.user_id) }
      : null;
    const turn = await conversationTurn(
      { sql, texts: deps.texts, ...(start ? { now: start.now } : {}) },
      {
        channel: msg.channel,
        address: msg.fromAddress,
        messageId: msg.id,
        incoming: { kind: 'text', text: msg.text, contact, fromUserId: msg.fromUserId },
        ...(start ? { start: start.read } : {}),
      },
    );
    sender = turn.sender;
    replies = turn.queue;
  }
  return {
    handled: { id: msg.id, workerId: sender?.workerId ?? null, familyContactId: sender?.familyContactId ?? null },
    replies,
  };
}

/**
 * An id written into a statement's text. The round trips that open and close the turn's
 * transaction are single simple-protocol queries of several statements, which take no
 * parameters; only ids (digits, checked here) are ever written into them.
 */
function idLiteral(v: string | number | bigint | null): string {
  if (v === null) return 'NULL';
  const s = String(v);
  if (!/^\d{1,19}$/.test(s)) throw new Error(`not an id: ${s.slice(0, 20)}`);
  return s;
}

/** A time written into a statement's text: only what toISOString makes, quoted and cast. */
function timeLiteral(d: Date): string {
  const s = d.toISOString();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s)) throw new Error('not a timestamp');
  return `'${s}'::timestamp(3)`;
}

/**
 * The statements that open a turn, over the message's id and the turn's time as SQL (parameters
 * or checked literals): the sender's lock (its key computed from the message itself, as
 * `senderLockKey` builds it), the sender's unhandled messages up to this one, and what the first
 * one's turn starts from (identify.ts). A message handled already (or unknown) takes no lock and
 * finds nothing.
 */
const openingStatements = (id: string, now: string) => ({
  lock: `SELECT pg_advisory_xact_lock(hashtextextended('inbound:' || channel::text || ':' || "fromAddress", 0))
           FROM "InboundMessage" WHERE id = ${id} AND "handledAt" IS NULL`,
  pending: `SELECT p.id, p.channel, p."fromAddress", p.text,
                   p.payload->'message'->'contact' AS contact, p.payload->'message'->'from'->>'id' AS "fromUserId"
              FROM "InboundMessage" h
              JOIN "InboundMessage" p ON p.channel = h.channel AND p."fromAddress" = h."fromAddress" AND p.id <= h.id
             WHERE h.id = ${id} AND p."handledAt" IS NULL
             ORDER BY p.id`,
  start: turnStartForMessage(id, now),
});

/** Records who sent message `id` and that it was handled (arguments: parameters or checked literals). */
function markHandled(id: string, worker: string, contact: string): string {
  return `UPDATE "InboundMessage" SET "workerId" = ${worker}::int, "familyContactId" = ${contact}::int, "handledAt" = now()
           WHERE id = ${id}::bigint`;
}

/**
 * Where statements may be prepared (src/db/prepared.ts), each connection prepares the opening
 * statements once: planning them cost more of the database's time than running them.
 */
const PREPARE = (() => {
  const s = openingStatements('$1', '$2::timestamp(3)');
  return `PREPARE turn_lock(bigint, timestamp) AS ${s.lock};
    PREPARE turn_pending(bigint, timestamp) AS ${s.pending};
    PREPARE turn_start(bigint, timestamp) AS ${s.start};
    PREPARE turn_handled(bigint, int, int) AS ${markHandled('$1', '$2', '$3')}`;
})();
const preparedOn = new WeakSet<pg.PoolClient>();

/**
 * Begins the transaction and runs the opening statements, each in a snapshot taken after the
 * lock: one round trip, a simple-protocol query of several statements (which takes no
 * parameters; only the checked id and time are written into it).
 */
async function beginAndRead(client: pg.PoolClient, id: string, now: Date): Promise<pg.QueryResult[]> {
  const time = timeLiteral(now);
  let text: string;
  if (!canPrepare(client)) {
    const s = openingStatements(id, time);
    text = `BEGIN; ${s.lock}; ${s.pending}; ${s.start}`;
  } else {
    if (!preparedOn.has(client)) {
      await client.query(PREPARE);
      preparedOn.add(client);
    }
    // The turn's named statements keep their generic plans: PostgreSQL otherwise re-plans a
    // statement at every execution whenever a plan for the values at hand looks cheaper, which
    // for the household counts refresh cost ten times its execution.
    text = `BEGIN; EXECUTE turn_lock(${id}, ${time}); EXECUTE turn_pending(${id}, ${time}); EXECUTE turn_start(${id}, ${time});
            SET LOCAL plan_cache_mode = force_generic_plan`;
  }
  return (await client.query(text)) as unknown as pg.QueryResult[];
}

/**
 * Marks the messages handled, with who sent each, and commits: one round trip. Where statements
 * may be prepared, each message is an EXECUTE of turn_handled (a statement with literal values
 * was planned at every turn).
 */
function markHandledAndCommit(client: pg.PoolClient, handled: Handled[]): string {
  const prepared = canPrepare(client);
  const statements = handled.map((h) => {
    const [id, worker, contact] = [idLiteral(h.id), idLiteral(h.workerId), idLiteral(h.familyContactId)];
    return prepared ? `EXECUTE turn_handled(${id}, ${worker}, ${contact})` : markHandled(id, worker, contact);
  });
  return [...statements, 'COMMIT'].join('; ');
}

/** Handles message `inboundId` and any earlier unhandled ones from the same sender. Idempotent. */
export async function handleInbound(deps: InboundDeps, inboundId: bigint): Promise<number> {
  const client = await deps.db.pool.connect();
  const replies: Queue = [];
  try {
    const now = new Date();
    const results = await beginAndRead(client, idLiteral(inboundId), now);
    const pending = results[2]!.rows as InboundRow[];
    // What the sender's first turn starts from was read with the lock; later turns read their own
    // (the first one changes it).
    const read = turnStartFromResult(results[3]!.rows);
    const handled: Handled[] = [];
    for (const [i, msg] of pending.entries()) {
      const one = await handleOne(deps, client, msg, i === 0 && read ? { read, now } : undefined);
      handled.push(one.handled);
      replies.push(...one.replies);
    }
    await client.query(markHandledAndCommit(client, handled));
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  if (replies.length) {
    try {
      await deps.enqueueReplies(replies);
    } catch (err) {
      deps.logger.warn({ err, count: replies.length }, 'replies recorded but not queued; the sweep will queue them');
    }
  }
  return replies.length;
}
