/**
 * The one way the service starts a conversation itself (rather than answering a message): the
 * weekly check-in, a campaign's job leads or check-in, a trainee follow-up, a staff request for a
 * confirmation. Every start obeys the same rules: the per-sender lock (so an answer arriving now
 * waits for the question), the person's opt-out on that channel, and what to do when they are in
 * the middle of another conversation there.
 */
import type pg from 'pg';
import { FLOWS } from '../../bots/index.js';
import type { Db } from '../db/database.js';
import { expireSession, isRunnable, type Party, runTurn } from '../flows/runner.js';
import type { FlowId, FlowState } from '../flows/types.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { isOptedOut } from '../ledger/opt-outs.js';
import { activeSession, endSession } from '../ledger/sessions.js';
import { underSenderLock } from './turn.js';

export interface StartDeps {
  db: Db;
  texts: Texts;
  /** Queues the message or call after the transaction commits (enqueueSends with the service's queues). */
  enqueue(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
}

export type ServiceChannel = 'SMS' | 'TELEGRAM' | 'VOICE';

export interface ServiceStart<P> {
  party: Party & { channel: ServiceChannel };
  flow: FlowId;
  /** The flow's starting state (default: what its loader reads from the ledger). */
  state?: FlowState;
  /** A campaign's frozen row for this person: the first message is written into it. */
  outboundId?: bigint;
  /** Lines said before the flow's first question. */
  before?: string[];
  /**
   * The person is in another conversation on this channel: `skip` leaves it alone (check-ins and
   * campaigns wait for another day); `replace` ends it (staff asked for this one).
   */
  whenBusy: 'skip' | 'replace';
  /**
   * Writes the request's own rows in the same transaction, once the checks have passed (nothing is
   * written when they fail); returns what it made and state for the flow.
   */
  prepare?: (sql: pg.PoolClient) => Promise<{ made: P; state?: FlowState }>;
  /** Runs after the conversation started, in the same transaction, with the new session's id. */
  started?: (sql: pg.PoolClient, made: P, sessionId: number | null) => Promise<void>;
}

export type StartResult<P> =
  | { started: true; sessionId: number | null; made: P }
  /** opted_out: the address opted out of the channel; busy: another conversation is open (whenBusy skip). */
  | { started: false; reason: 'opted_out' | 'busy' };

/** Starts `s.flow` with the party, by the rules above; queues its first message after the commit. */
export async function startServiceConversation<P = undefined>(
  deps: StartDeps,
  s: ServiceStart<P>,
  now = new Date(),
): Promise<StartResult<P>> {
  const { party } = s;
  const outcome = await underSenderLock(deps.db.pool, party.channel, party.address, async (sql) => {
    if (await isOptedOut(sql, party.channel, party.address)) return { started: false as const, reason: 'opted_out' as const };
    const any = await activeSession(sql, party.channel, party.address, now);
    // A session a deploy left behind (its flow or step is gone) ends; it holds nobody up.
    const open = any && isRunnable(FLOWS, any) ? any : null;
    if (any && !open) await endSession(sql, any.id, 'EXPIRED');
    if (open && !open.expired && s.whenBusy === 'skip') return { started: false as const, reason: 'busy' as const };
    if (open?.expired) await expireSession({ sql, texts: deps.texts, flows: FLOWS, now }, party, open);
    const prepared = s.prepare ? await s.prepare(sql) : { made: undefined as P, state: undefined };
    const state = prepared.state || s.state ? { ...s.state, ...prepared.state } : undefined;
    const turn = await runTurn(
      { sql, texts: deps.texts, flows: FLOWS, now },
      {
        party,
        inboundMessageId: null,
        delivery: party.channel === 'VOICE' ? 'call' : 'message',
        ...(s.outboundId !== undefined ? { outboundId: s.outboundId } : {}),
      },
      // An open conversation that did not expire ends here (whenBusy replace).
      { kind: 'start', flow: s.flow, ...(state ? { state } : {}), open: open && !open.expired ? open : null },
      s.before,
    );
    const sessionId = turn.session?.id ?? null;
    await s.started?.(sql, prepared.made, sessionId);
    return { started: true as const, sessionId, made: prepared.made, queue: turn.queue };
  });
  if (!outcome.started) return outcome;
  await deps.enqueue(outcome.queue);
  return { started: true, sessionId: outcome.sessionId, made: outcome.made };
}

export type WorkerStartResult =
  | { started: true; sessionId: number | null }
  /** no_address: no phone or chat on that channel; opted_out; busy: a conversation is open (not interrupted). */
  | { started: false; reason: 'no_worker' | 'no_address' | 'opted_out' | 'busy' };

export interface WorkerStart {
  workerId: number;
  channel: ServiceChannel;
  flow: FlowId;
  state?: FlowState;
  outboundId?: bigint;
}

/**
 * Starts a flow with a worker at their own address on the channel (a check-in, job leads pushed by
 * a campaign). Skips a worker who opted out there or is in the middle of another conversation.
 */
export async function startWorkerConversation(deps: StartDeps, start: WorkerStart, now = new Date()): Promise<WorkerStartResult> {
  const worker = await deps.db.prisma.worker.findUnique({
    where: { id: start.workerId },
    select: { phone: true, telegramChatId: true, language: true },
  });
  if (!worker) return { started: false, reason: 'no_worker' };
  const address = start.channel === 'TELEGRAM' ? worker.telegramChatId?.toString() : worker.phone;
  if (!address) return { started: false, reason: 'no_address' };
  const r = await startServiceConversation(
    deps,
    {
      party: {
        channel: start.channel,
        address,
        audience: 'worker',
        workerId: start.workerId,
        familyContactId: null,
        language: worker.language,
      },
      flow: start.flow,
      state: start.state,
      outboundId: start.outboundId,
      whenBusy: 'skip',
    },
    now,
  );
  return r.started ? { started: true, sessionId: r.sessionId } : r;
}

/**
 * The weekly check-in (§3: the ledger is refreshed at least weekly): "still working at X? 1 yes
 * 2 no" (or whether anything changed) by SMS, Telegram or a call; "no" continues into the status
 * report (bots/check-in.ts).
 */
export function startCheckIn(deps: StartDeps, workerId: number, channel: ServiceChannel, now = new Date()) {
  return startWorkerConversation(deps, { workerId, channel, flow: 'check_in' }, now);
}
