/**
 * Sends one queued OutboundMessage (a reply, a conversation's message, a campaign's flow message):
 * the use case behind every send worker. It goes through the same claim, record and in-doubt
 * check as campaign batches (src/outbound/sender.ts): the ledger decides whether a message was
 * already sent, whatever Redis replays, and a process that dies between the provider call and
 * the ledger write does not make the retried job send it again.
 */
import { DelayedError, type Job, Worker } from 'bullmq';
import type { Db } from '../db/database.js';
import { createGroupCommit } from '../db/group-commit.js';
import { prepared } from '../db/prepared.js';
import type { Channel, MessageKind, MessageStatus } from '../generated/prisma/enums.js';
import { isOptedOut } from '../ledger/opt-outs.js';
import { type Outgoing, outboundSend, type SenderDeps, sendOne, settleInDoubt } from './sender.js';

export interface DeliverDeps extends SenderDeps {
  db: Db;
  /** The message's row with the worker's addresses (`createMessageReader`). */
  readMessage(id: bigint): Promise<MessageRow | undefined>;
  /** Voice calls allowed in progress at once. */
  maxCallsInProgress: number;
}

/** The longest a send job sleeps for its rate-limit slot; beyond it the job is delayed instead. */
const MAX_SLOT_WAIT_MS = 5000;

/** Calls placed and not yet finished, from the ledger (shared by every process). */
async function callsInProgress(deps: DeliverDeps): Promise<number> {
  const r = await deps.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "OutboundMessage" WHERE status = 'SENT' AND channel = 'VOICE'`,
  );
  return r.rows[0]?.n ?? 0;
}

/** What a send needs of its ledger row, with the worker's addresses. */
export interface MessageRow {
  status: MessageStatus;
  kind: MessageKind;
  channel: Channel;
  body: string;
  choices: unknown;
  segments: number;
  workerId: number | null;
  toAddress: string | null;
  claimedAt: Date | null;
  phone: string | null;
  telegramChatId: string | null;
}

/**
 * Reads the rows of the sends in progress, many at a time: every send job starts with its row, and
 * under load dozens start together, so they share one statement (group commit) instead of a round
 * trip each. A lone send still reads at once.
 */
export function createMessageReader(pool: Db['pool']): (id: bigint) => Promise<MessageRow | undefined> {
  const reads = createGroupCommit<string, MessageRow | undefined>({
    flush: async (ids) => {
      const r = await pool.query<MessageRow & { id: string }>(
        prepared(
          pool,
          `SELECT m.id, m.status, m.kind, m.channel, m.body, m.choices, m.segments, m."workerId", m."toAddress", m."claimedAt",
                w.phone, w."telegramChatId"::text AS "telegramChatId"
           FROM "OutboundMessage" m LEFT JOIN "Worker" w ON w.id = m."workerId"
          WHERE m.id = ANY($1::bigint[])`,
          [[...new Set(ids)]],
        ),
      );
      const byId = new Map(r.rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id));
    },
    maxBatch: 500,
    maxInFlight: 2,
  });
  return (id) => reads.submit(String(id));
}

export type DeliverOutcome = 'sent' | 'already-sent' | 'missing' | 'failed' | 'skipped-opted-out';

async function delay(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(100, ms), token);
  throw new DelayedError();
}

export async function deliver(
  deps: DeliverDeps,
  job: Job<{ outboundId: string }>,
  token: string | undefined,
  worker: Worker,
): Promise<DeliverOutcome> {
  const id = BigInt(job.data.outboundId);
  const row = await deps.readMessage(id);
  if (!row) return 'missing';
  if (row.status !== 'QUEUED') return 'already-sent';

  const to = row.toAddress ?? (row.channel === 'TELEGRAM' ? row.telegramChatId : row.phone) ?? undefined;
  if (!to) {
    await deps.records.record({ kind: 'failed', id: String(id), code: 'no_address' });
    return 'failed';
  }
  if (row.kind === 'BROADCAST' && !row.claimedAt && (await isOptedOut(deps.db.pool, row.channel, to))) {
    await deps.db.pool.query(
      `UPDATE "OutboundMessage" SET status = 'CANCELLED', "errorCode" = 'opted_out'
        WHERE id = $1 AND status = 'QUEUED' AND "claimedAt" IS NULL`,
      [String(id)],
    );
    return 'skipped-opted-out';
  }
  const choices = Array.isArray(row.choices) ? (row.choices as Array<{ key: string; label: string }>) : undefined;
  const m: Outgoing = {
    id: String(id),
    channel: row.channel,
    workerId: row.workerId,
    msg: outboundSend(String(id), to, row.body, choices),
    segments: row.segments,
    claimed: false,
    seen: row.claimedAt,
  };

  if (row.claimedAt) {
    // An earlier attempt claimed it and never recorded an answer.
    const state = await settleInDoubt(deps, m, row.claimedAt);
    if (state === 'busy') return delay(job, token, row.claimedAt.getTime() + deps.inDoubtAfterMs - Date.now());
    if (state === 'settled') return 'already-sent';
  }
  if (row.channel === 'VOICE' && (await callsInProgress(deps)) >= deps.maxCallsInProgress) return delay(job, token, 2000);

  const a = await sendOne(deps, m, MAX_SLOT_WAIT_MS);
  await a.recorded;
  switch (a.result) {
    case 'sent':
      return 'sent';
    case 'failed':
    case 'opted-out':
      if (a.result === 'failed') deps.logger.warn({ outboundId: m.id, channel: m.channel }, 'message rejected by the provider');
      return 'failed';
    case 'claimed-elsewhere':
      return 'already-sent';
    case 'deferred':
      return delay(job, token, a.retryAfterMs ?? 1000);
    case 'released':
      if (a.retryAfterMs !== undefined) {
        // The provider throttles: pause the whole channel queue; the job waits without using an attempt.
        await worker.rateLimit(a.retryAfterMs);
        throw Worker.RateLimitError();
      }
      throw a.error; // an outage: BullMQ retries with backoff, the row stays QUEUED
    case 'in-doubt':
      // The claim stays: the retry settles the message before it could be sent again.
      throw a.error;
  }
}
