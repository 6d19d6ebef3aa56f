/**
 * Sends one OutboundMessage: the use case behind every send worker.
 *
 * The ledger decides whether a message was already sent: a row that is no longer QUEUED, or has a
 * provider id, is never sent again, whatever Redis replays. Rate limits delay the job; typed
 * errors decide between retry, pause and failure.
 */
import { DelayedError, type Job, Worker } from 'bullmq';
import { FinalSendError, OptedOutSendError, RateLimitedSendError, type SendError } from '../channels/errors.js';
import type { ChannelAdapter } from '../channels/types.js';
import type { Db } from '../db/database.js';
import type { Channel } from '../generated/prisma/enums.js';
import { isOptedOut, recordOptOut } from '../ledger/opt-outs.js';
import type { Logger } from '../logging.js';
import type { Bucket, RateLimiter } from './rate-limiter.js';

export interface DeliverDeps {
  db: Db;
  logger: Logger;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
  limiter: RateLimiter;
  /** Buckets a message must take from before it goes (per channel, from config). */
  buckets(channel: Channel, to: string, segments: number): Bucket[];
  /** Voice calls allowed in progress at once. */
  maxCallsInProgress: number;
}

/** Calls placed and not yet finished, from the ledger (shared by every process). */
async function callsInProgress(deps: DeliverDeps): Promise<number> {
  const r = await deps.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "OutboundMessage" WHERE channel = 'VOICE' AND status = 'SENT'`,
  );
  return r.rows[0]?.n ?? 0;
}

/** The longest a send job sleeps for its rate-limit slot; beyond it the job is delayed instead. */
const MAX_SLOT_WAIT_MS = 5000;

export type DeliverOutcome = 'sent' | 'already-sent' | 'missing' | 'failed' | 'skipped-opted-out';

async function fail(deps: DeliverDeps, id: bigint, errorCode: string): Promise<void> {
  await deps.db.pool.query(
    `UPDATE "OutboundMessage" SET status = 'FAILED', "errorCode" = $2, "failedAt" = now() WHERE id = $1 AND status = 'QUEUED'`,
    [id.toString(), errorCode],
  );
}

export async function deliver(
  deps: DeliverDeps,
  job: Job<{ outboundId: string }>,
  token: string | undefined,
  worker: Worker,
): Promise<DeliverOutcome> {
  const id = BigInt(job.data.outboundId);
  const row = await deps.db.prisma.outboundMessage.findUnique({
    where: { id },
    include: { worker: { select: { phone: true, telegramChatId: true } } },
  });
  if (!row) return 'missing';
  if (row.status !== 'QUEUED' || row.providerId) return 'already-sent';

  const to = row.toAddress ?? (row.channel === 'TELEGRAM' ? row.worker?.telegramChatId?.toString() : row.worker?.phone);
  if (!to) {
    await fail(deps, id, 'no_address');
    return 'failed';
  }
  if (row.kind === 'BROADCAST') {
    if (await isOptedOut(deps.db.pool, row.channel, to)) {
      await deps.db.pool.query(
        `UPDATE "OutboundMessage" SET status = 'CANCELLED', "errorCode" = 'opted_out' WHERE id = $1 AND status = 'QUEUED'`,
        [id.toString()],
      );
      return 'skipped-opted-out';
    }
  }
  const adapter = deps.adapters[row.channel];
  if (!adapter) throw new Error(`no adapter for channel ${row.channel}`);

  if (row.channel === 'VOICE') {
    if ((await callsInProgress(deps)) >= deps.maxCallsInProgress) {
      await job.moveToDelayed(Date.now() + 2000, token);
      throw new DelayedError();
    }
  } else {
    // A slot a few seconds off is slept for here; a later one waits as a delayed job, unreserved.
    const slot = await deps.limiter.reserve(deps.buckets(row.channel, to, row.segments), MAX_SLOT_WAIT_MS);
    if (!slot.reserved) {
      await job.moveToDelayed(Date.now() + slot.waitMs, token);
      throw new DelayedError();
    }
    if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
  }

  await deps.db.pool.query(`UPDATE "OutboundMessage" SET attempts = attempts + 1 WHERE id = $1`, [id.toString()]);
  try {
    const choices = Array.isArray(row.choices) ? (row.choices as Array<{ key: string; label: string }>) : undefined;
    const res = await adapter.send({ messageId: id, to, text: row.body, choices });
    // A status callback may already have moved the status on; the provider id is written either way.
    await deps.db.pool.query(
      `UPDATE "OutboundMessage"
          SET "providerId" = $2, segments = $3, "sentAt" = COALESCE("sentAt", now()),
              status = CASE WHEN status = 'QUEUED' THEN 'SENT'::"MessageStatus" ELSE status END
        WHERE id = $1`,
      [id.toString(), res.providerId, res.segments],
    );
    return 'sent';
  } catch (err) {
    const e = err as SendError;
    if (e instanceof OptedOutSendError) {
      await recordOptOut(deps.db.pool, {
        channel: row.channel,
        address: to,
        workerId: row.workerId,
        source: `provider:${e.code}`,
      });
      await fail(deps, id, e.code ?? 'opted_out');
      return 'failed';
    }
    if (e instanceof FinalSendError) {
      await fail(deps, id, e.code ?? 'rejected');
      deps.logger.warn({ outboundId: id.toString(), code: e.code }, 'message rejected by the provider');
      return 'failed';
    }
    if (e instanceof RateLimitedSendError) {
      // Pause the whole channel queue; the job goes back to waiting without using an attempt.
      await worker.rateLimit(e.retryAfterMs);
      throw Worker.RateLimitError();
    }
    throw err; // retryable: BullMQ retries with backoff, the row stays QUEUED
  }
}
