/**
 * The weekly check-in (§3: the ledger is refreshed at least weekly), started by the service rather
 * than by the worker: campaigns and schedules call startCheckIn for each worker whose status is
 * stale. The conversation is bots/check-in.ts; a "no" continues into the status report.
 */
import { senderLockKey } from '../conversations/handle-inbound.js';
import type { Db } from '../db/database.js';
import { inTransaction } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { isOptedOut } from '../ledger/opt-outs.js';
import { activeSession } from '../ledger/sessions.js';
import { expireSession, type Party, runTurn } from './runner.js';
import type { FlowId, FlowState } from './types.js';

export interface CheckInDeps {
  db: Db;
  texts: Texts;
  /** Queues the message or call after the transaction commits (enqueueSends with the service's queues). */
  enqueue(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
}

export type CheckInResult =
  | { started: true; sessionId: number | null }
  /** no_address: no phone or chat on that channel; opted_out; busy: a conversation is open (not interrupted). */
  | { started: false; reason: 'no_worker' | 'no_address' | 'opted_out' | 'busy' };

/**
 * Asks the worker "still working at X? 1 yes 2 no" (or whether anything changed) by SMS, Telegram
 * or a phone call. Skips a worker who opted out of the channel or is in the middle of another
 * conversation there.
 */
export function startCheckIn(
  deps: CheckInDeps,
  workerId: number,
  channel: 'SMS' | 'TELEGRAM' | 'VOICE',
  now = new Date(),
): Promise<CheckInResult> {
  return startConversation(deps, { workerId, channel, flow: 'check_in' }, now);
}

export interface ConversationStart {
  workerId: number;
  channel: 'SMS' | 'TELEGRAM' | 'VOICE';
  flow: FlowId;
  /** The flow's starting state (default: what its loader reads from the ledger). */
  state?: FlowState;
  /** A campaign's frozen row for this person: the first message is written into it. */
  outboundId?: bigint;
}

/** Starts a flow the service begins (check-in, job leads pushed by a campaign) for one worker. */
export async function startConversation(deps: CheckInDeps, start: ConversationStart, now = new Date()): Promise<CheckInResult> {
  const { workerId, channel } = start;
  const w = await deps.db.pool.query<{ phone: string | null; telegramChatId: string | null; language: string }>(
    `SELECT phone, "telegramChatId"::text AS "telegramChatId", language FROM "Worker" WHERE id = $1`,
    [workerId],
  );
  const worker = w.rows[0];
  if (!worker) return { started: false, reason: 'no_worker' };
  const address = channel === 'TELEGRAM' ? worker.telegramChatId : worker.phone;
  if (!address) return { started: false, reason: 'no_address' };

  const outcome = await inTransaction(deps.db.pool, async (sql) => {
    await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [senderLockKey(channel, address)]);
    if (await isOptedOut(sql, channel, address)) return { started: false as const, reason: 'opted_out' as const };
    const party: Party = { channel, address, audience: 'worker', workerId, familyContactId: null, language: worker.language };
    const open = await activeSession(sql, channel, address, now);
    if (open && !open.expired) return { started: false as const, reason: 'busy' as const };
    if (open) await expireSession({ sql, texts: deps.texts, now }, party, open);
    const turn = await runTurn(
      { sql, texts: deps.texts, now },
      {
        party,
        inboundMessageId: null,
        delivery: channel === 'VOICE' ? 'call' : 'message',
        ...(start.outboundId !== undefined ? { outboundId: start.outboundId } : {}),
      },
      { kind: 'start', flow: start.flow, ...(start.state ? { state: start.state } : {}) },
    );
    return { started: true as const, sessionId: turn.session?.id ?? null, queue: turn.queue };
  });
  if (!outcome.started) return outcome;
  await deps.enqueue(outcome.queue);
  return { started: true, sessionId: outcome.sessionId };
}
