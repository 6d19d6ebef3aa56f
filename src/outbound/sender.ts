/**
 * The one send path, for campaign messages and replies alike: claim, send, record, and the
 * in-doubt check before anything is sent again.
 *
 * - Claim: a message is claimed in the ledger (claimedAt, compare-and-set) before its provider
 *   call, so no two senders call for it. A campaign batch of SMS is claimed by the INSERT that
 *   writes its rows; everything else is claimed here, just before its own call (group-committed,
 *   src/outbound/records.ts), so the claim marks exactly the calls that were made.
 * - Record: the provider's answer is written after the call (group-committed as well).
 * - In doubt: a message still QUEUED but claimed longer than DISPATCH_IN_DOUBT_AFTER_MS ago was
 *   caught between its call and the ledger write (the process died, the answer never came). It is
 *   settled before anything else happens to it. SMS: Twilio's message list is asked (same number,
 *   same text, since the claim): found means sent; not found means it may go again. Telegram and
 *   calls: the provider keeps no list that could tell, so the message is never sent again; it is
 *   recorded FAILED with the code `outcome_unknown` (at most once, never twice).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FinalSendError, OptedOutSendError, RateLimitedSendError, RetryableSendError } from '../channels/errors.js';
import type { ChannelAdapter, OutboundSend } from '../channels/types.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Logger } from '../logging.js';
import type { Bucket, RateLimiter } from './rate-limiter.js';
import type { SendOutcome, SendRecords } from './records.js';

export interface SenderDeps {
  logger: Logger;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
  limiter: RateLimiter;
  /** Buckets a message must take from before it goes (per channel, from config). */
  buckets(channel: Channel, to: string, segments: number): Bucket[];
  records: SendRecords;
  /** DISPATCH_IN_DOUBT_AFTER_MS: a claim older than this, still QUEUED, is in doubt. */
  inDoubtAfterMs: number;
}

/** A message ready for its provider call. */
export interface Outgoing {
  id: string;
  channel: Channel;
  workerId: number | null;
  msg: OutboundSend;
  segments: number;
  /** Claimed already (a campaign batch's INSERT); otherwise claimed just before the call. */
  claimed: boolean;
  /** claimedAt as read, for the compare-and-set of the claim. */
  seen: Date | null;
}

/** The message the adapter sends for a ledger row. */
export function outboundSend(id: string, to: string, text: string, choices?: OutboundSend['choices'] | null): OutboundSend {
  return { messageId: BigInt(id), to, text, ...(choices?.length ? { choices } : {}) };
}

export function adapterFor(deps: Pick<SenderDeps, 'adapters'>, channel: Channel): ChannelAdapter {
  const adapter = deps.adapters[channel];
  if (!adapter) throw new Error(`no adapter for channel ${channel}`);
  return adapter;
}

/** Whether a batch may be claimed ahead of its calls: only where an in-doubt message can be looked up. */
export function claimsAhead(deps: Pick<SenderDeps, 'adapters'>, channel: Channel): boolean {
  return Boolean(deps.adapters[channel]?.findSent);
}

export type InDoubt =
  /** Claimed recently: another sender may be calling the provider right now. */
  | 'busy'
  /** Settled from the provider's record (sent), or recorded as outcome_unknown. */
  | 'settled'
  /** The provider has no such message: it may be claimed again (compare-and-set) and sent. */
  | 'unsent';

/** Settles a QUEUED message that carries a claim (see the module note). */
export async function settleInDoubt(deps: SenderDeps, m: Outgoing, claimedAt: Date, now = Date.now()): Promise<InDoubt> {
  if (now - claimedAt.getTime() < deps.inDoubtAfterMs) return 'busy';
  const adapter = adapterFor(deps, m.channel);
  if (!adapter.findSent) {
    await deps.records.record({ kind: 'failed', id: m.id, code: 'outcome_unknown' });
    deps.logger.warn({ outboundId: m.id, channel: m.channel }, 'message in doubt: recorded as outcome_unknown, not sent again');
    return 'settled';
  }
  try {
    const found = await adapter.findSent(m.msg, claimedAt);
    if (!found) return 'unsent';
    await deps.records.record({ kind: 'sent', id: m.id, providerId: found.providerId, segments: found.segments });
    return 'settled';
  } catch {
    return 'busy'; // the provider cannot tell us now: ask again later
  }
}

/** What one provider call came to. `recorded` resolves once the outcome is in the ledger. */
export interface SendAttempt {
  result:
    | 'sent'
    | 'failed'
    | 'opted-out'
    /** The provider surely did not take it; the claim is released. */
    | 'released'
    /** No answer that says either way: the claim stays and the in-doubt check settles it later. */
    | 'in-doubt'
    /** Another sender claimed it first: nothing was sent. */
    | 'claimed-elsewhere'
    /** The rate-limit slot lies further off than the caller waits: nothing was claimed or sent. */
    | 'deferred';
  recorded: Promise<void>;
  /** For 'deferred' and a provider's 429: how long to wait. */
  retryAfterMs?: number;
  /** For 'released' and 'in-doubt': why. */
  error?: Error;
}

const DONE = Promise.resolve();

/**
 * Sends one message: rate-limit slot, claim (unless claimed already), admission into the buckets'
 * last second, provider call, outcome.
 * `maxSlotWaitMs`: the longest to sleep for a rate-limit slot (a further one answers 'deferred').
 */
export async function sendOne(deps: SenderDeps, m: Outgoing, maxSlotWaitMs = Number.POSITIVE_INFINITY): Promise<SendAttempt> {
  const adapter = adapterFor(deps, m.channel);
  const buckets = deps.buckets(m.channel, m.msg.to, m.segments);
  const slot = await deps.limiter.reserve(buckets, maxSlotWaitMs);
  if (!slot.reserved) return { result: 'deferred', recorded: DONE, retryAfterMs: slot.waitMs };
  if (slot.waitMs > 0) await sleep(slot.waitMs);
  if (!m.claimed && !(await deps.records.claim(m.id, m.seen))) return { result: 'claimed-elsewhere', recorded: DONE };
  // Last step before the call, so nothing else lies between the count and the provider: a sender
  // woken late waits here while the last second already holds the rate (the claim is kept).
  const admission = await deps.limiter.admit(buckets);
  try {
    return await call(deps, adapter, m);
  } finally {
    // Not awaited: the lane goes on, and its next request to Redis queues behind this one anyway.
    deps.limiter
      .answered(buckets, admission)
      .catch((err) =>
        deps.logger.warn({ err: { message: (err as Error).message } }, 'could not mark a send answered in its rate windows'),
      );
  }
}

/** The provider call and what its answer means for the ledger. */
async function call(deps: SenderDeps, adapter: ChannelAdapter, m: Outgoing): Promise<SendAttempt> {
  const record = (o: SendOutcome) => deps.records.record(o);
  try {
    const res = await adapter.send(m.msg);
    return { result: 'sent', recorded: record({ kind: 'sent', id: m.id, providerId: res.providerId, segments: res.segments }) };
  } catch (err) {
    if (err instanceof OptedOutSendError) {
      const o = { kind: 'opted-out', id: m.id, channel: m.channel, address: m.msg.to, workerId: m.workerId } as const;
      return { result: 'opted-out', recorded: record({ ...o, code: err.code ?? 'opted_out' }) };
    }
    if (err instanceof FinalSendError) {
      return { result: 'failed', recorded: record({ kind: 'failed', id: m.id, code: err.code ?? 'rejected' }) };
    }
    if (err instanceof RateLimitedSendError) {
      return { result: 'released', recorded: record({ kind: 'released', id: m.id }), retryAfterMs: err.retryAfterMs, error: err };
    }
    if (err instanceof RetryableSendError && !err.outcomeUnknown) {
      return { result: 'released', recorded: record({ kind: 'released', id: m.id }), error: err };
    }
    // A timeout, a dropped connection, or anything unexpected: the provider may have it.
    return { result: 'in-doubt', recorded: DONE, error: err as Error };
  }
}

export interface BatchSummary {
  /** Messages that went or were settled for good. */
  settled: number;
  /** Released or in doubt: the caller retries them later. */
  unsettled: number;
  retryAfterMs: number;
  /** Outcomes still being written; await before reporting the batch done. */
  recorded: Promise<void>;
}

/**
 * Sends a batch with `lanes` provider calls in flight; each lane sleeps until its own rate-limit
 * slot. The first answer that says the provider is unavailable or throttling stops the batch: the
 * rest are released (if claimed) and left for the retry.
 */
export async function sendBatch(deps: SenderDeps, messages: Outgoing[], lanes: number): Promise<BatchSummary> {
  const summary = { settled: 0, unsettled: 0, retryAfterMs: 0 };
  const writes: Array<Promise<void>> = [];
  let next = 0;
  let stop = false;
  const lane = async () => {
    for (;;) {
      const m = messages[next++];
      if (!m) return;
      if (stop) {
        if (m.claimed) writes.push(deps.records.record({ kind: 'released', id: m.id }));
        summary.unsettled++;
        continue;
      }
      const a = await sendOne(deps, m);
      writes.push(a.recorded);
      if (a.result === 'released' || a.result === 'in-doubt') {
        summary.unsettled++;
        if (a.retryAfterMs) summary.retryAfterMs = Math.max(summary.retryAfterMs, a.retryAfterMs);
        if (!stop)
          deps.logger.warn(
            { err: { message: a.error?.message }, channel: m.channel, result: a.result },
            'provider did not take a message; the rest of the batch waits',
          );
        stop = true;
      } else if (a.result !== 'claimed-elsewhere') {
        summary.settled++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, messages.length) }, lane));
  return { ...summary, recorded: Promise.all(writes).then(() => undefined) };
}
