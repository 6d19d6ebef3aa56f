/**
 * Sending a running campaign. Its frozen rows are cut into slices (one BullMQ job each, per
 * channel); a slice job sends its QUEUED rows in batches, and every batch costs a fixed number of
 * ledger statements whatever its size: claim, then one write for all sent and one for all failed.
 *
 * Exactly once, with the ledger as the judge:
 * - a row is claimed (claimedAt) just before the provider is called, by compare-and-set, so two
 *   jobs never both send it;
 * - a row that is still QUEUED but claimed long ago was caught between the provider call and the
 *   ledger write (the process died): it is looked up in the provider's message list and, if the
 *   provider has it, recorded as sent rather than sent again;
 * - a failure the provider reports before accepting (outage, 5xx) releases the claim; the slice
 *   job retries with backoff and only rows still QUEUED go out.
 *
 * Pause, cancel and a new generation (resume) are read from the ledger before every batch, so they
 * take effect within one batch. Quiet hours delay the whole slice until they end.
 */
import { DelayedError, type Job } from 'bullmq';
import { FinalSendError, OptedOutSendError, RateLimitedSendError } from '../channels/errors.js';
import type { ChannelAdapter, OutboundSend, SendResult } from '../channels/types.js';
import type { Config } from '../config.js';
import { startWorkerConversation } from '../conversations/start.js';
import type { Db } from '../db/database.js';
import { retryOnDeadlock } from '../db/sql.js';
import type { FlowState } from '../flows/types.js';
import type { CampaignKind, Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { recordOptOut } from '../ledger/opt-outs.js';
import { enqueueSends } from '../ledger/outbound.js';
import type { Logger } from '../logging.js';
import type { Bucket, RateLimiter } from '../outbound/rate-limiter.js';
import type { QueuePayloads } from '../queues/names.js';
import type { Queues } from '../queues/queues.js';
import { FLOW_OF } from './content.js';
import { quietUntil } from './quiet-hours.js';

type SendChannel = 'SMS' | 'TELEGRAM' | 'VOICE';
export type DispatchJob = QueuePayloads['dispatch'];

export interface DispatchDeps {
  db: Db;
  logger: Logger;
  queues: Queues;
  texts: Texts;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
  limiter: RateLimiter;
  buckets(channel: Channel, to: string, segments: number): Bucket[];
  config: Pick<
    Config,
    | 'QUIET_HOURS_SMS'
    | 'QUIET_HOURS_TELEGRAM'
    | 'QUIET_HOURS_VOICE'
    | 'DISPATCH_BATCH_SIZE'
    | 'DISPATCH_CONCURRENCY'
    | 'DISPATCH_IN_DOUBT_AFTER_MS'
    | 'VOICE_MAX_CONCURRENT_CALLS'
  >;
}

/** Rows per slice job: enough to keep a job busy for seconds, few enough to spread over workers. */
const SLICE_BATCHES = 10;
const MAX_ID = '9223372036854775807';

export class SliceRetryError extends Error {
  constructor(readonly pending: number) {
    super(`${pending} message(s) of the slice wait for the provider; the slice is retried`);
  }
}

function quietWindow(deps: DispatchDeps, channel: SendChannel): string {
  return channel === 'SMS'
    ? deps.config.QUIET_HOURS_SMS
    : channel === 'TELEGRAM'
      ? deps.config.QUIET_HOURS_TELEGRAM
      : deps.config.QUIET_HOURS_VOICE;
}

/**
 * Queues slice jobs over the campaign's QUEUED rows for this generation. Job ids are stable per
 * generation and slice, so planning twice (a retried launch, the sweep) adds nothing new.
 */
export async function planDispatch(
  deps: { db: Db; queues: Queues; config: Pick<Config, 'DISPATCH_BATCH_SIZE'> },
  campaignId: number,
  generation: number,
): Promise<number> {
  const slice = deps.config.DISPATCH_BATCH_SIZE * SLICE_BATCHES;
  const r = await deps.db.pool.query<{ channel: SendChannel; id: string }>(
    `SELECT channel, id FROM (
       SELECT channel, id, row_number() OVER (PARTITION BY channel ORDER BY id) - 1 AS rn
         FROM "OutboundMessage" WHERE "campaignId" = $1 AND status = 'QUEUED') x
      WHERE rn % $2 = 0 ORDER BY channel, id`,
    [campaignId, slice],
  );
  const jobs: Array<{ name: string; data: DispatchJob; opts: { jobId: string } }> = [];
  r.rows.forEach((row, i) => {
    const next = r.rows[i + 1];
    const toId = next && next.channel === row.channel ? (BigInt(next.id) - 1n).toString() : MAX_ID;
    jobs.push({
      name: 'slice',
      data: { campaignId, generation, channel: row.channel, fromId: row.id, toId },
      opts: { jobId: `c${campaignId}-g${generation}-${row.channel}-${row.id}` },
    });
  });
  for (let i = 0; i < jobs.length; i += 1000) await deps.queues.dispatch.addBulk(jobs.slice(i, i + 1000));
  return jobs.length;
}

interface Row {
  id: string;
  workerId: number;
  body: string;
  segments: number;
  choices: Array<{ key: string; label: string; leadId?: number }> | null;
  claimedAt: Date | null;
  to: string | null;
}

interface Outcomes {
  sent: Array<{ id: string; res: SendResult }>;
  failed: Array<{ id: string; code: string }>;
  /** The provider never took them: claim released, retried later. */
  released: string[];
  optedOut: Array<{ id: string; workerId: number; to: string; code: string }>;
  retryAfterMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one slice job; returns how many messages it settled. */
export async function dispatchSlice(deps: DispatchDeps, job: Job<DispatchJob>, token: string | undefined): Promise<number> {
  const { campaignId, generation, channel } = job.data;
  let after = BigInt(job.data.fromId) - 1n;
  let settled = 0;
  let pending = 0;
  const batch = deps.config.DISPATCH_BATCH_SIZE;
  for (;;) {
    const c = await deps.db.pool.query<{ status: string; generation: number; kind: CampaignKind }>(
      `SELECT status, generation, kind FROM "Campaign" WHERE id = $1`,
      [campaignId],
    );
    const camp = c.rows[0];
    if (camp?.status !== 'RUNNING' || camp.generation !== generation) return settled;

    const quiet = quietUntil(quietWindow(deps, channel));
    if (quiet) {
      // Spread the morning start over a minute rather than all slices at 07:00:00.
      await job.moveToDelayed(quiet.getTime() + Math.floor(Math.random() * 60_000), token);
      throw new DelayedError();
    }

    const r = await deps.db.pool.query<Row>(
      `SELECT o.id, o."workerId", o.body, o.segments, o.choices, o."claimedAt",
              CASE WHEN o.channel = 'TELEGRAM' THEN w."telegramChatId"::text ELSE w.phone END AS "to"
         FROM "OutboundMessage" o JOIN "Worker" w ON w.id = o."workerId"
        WHERE o."campaignId" = $1 AND o.status = 'QUEUED' AND o.id > $3 AND o.id <= $4 AND o.channel = $2::"Channel"
        ORDER BY o.id LIMIT $5`,
      [campaignId, channel, after.toString(), job.data.toId, batch],
    );
    if (r.rows.length === 0) break;
    after = BigInt(r.rows[r.rows.length - 1]!.id);

    deps.logger.debug(
      { campaignId, channel, rows: r.rows.length, claimed: r.rows.filter((x) => x.claimedAt).length },
      'campaign batch',
    );
    const result = FLOW_OF[camp.kind]
      ? await startFlows(deps, camp.kind, channel, r.rows)
      : await sendBatch(deps, channel, r.rows);
    settled += result.settled;
    pending += result.pending;
    if (result.retryAfterMs > 0) await sleep(Math.min(result.retryAfterMs, 30_000));
  }
  if (pending > 0) throw new SliceRetryError(pending);
  await completeIfDone(deps.db, campaignId);
  return settled;
}

/** A campaign with nothing left QUEUED is COMPLETED. */
export async function completeIfDone(db: Db, campaignId: number): Promise<boolean> {
  const r = await db.pool.query(
    `UPDATE "Campaign" SET status = 'COMPLETED', "completedAt" = now(), "updatedAt" = now()
      WHERE id = $1 AND status = 'RUNNING'
        AND NOT EXISTS (SELECT 1 FROM "OutboundMessage" WHERE "campaignId" = $1 AND status = 'QUEUED')`,
    [campaignId],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Text kinds: the batch goes to the provider, a fixed number of ledger statements per batch. */
async function sendBatch(
  deps: DispatchDeps,
  channel: SendChannel,
  rows: Row[],
): Promise<{ settled: number; pending: number; retryAfterMs: number }> {
  const adapter = deps.adapters[channel];
  if (!adapter) throw new Error(`no adapter for channel ${channel}`);
  const sql = deps.db.pool;
  const out: Outcomes = { sent: [], failed: [], released: [], optedOut: [], retryAfterMs: 0 };
  const now = Date.now();

  const noAddress = rows.filter((r) => !r.to);
  out.failed.push(...noAddress.map((r) => ({ id: r.id, code: 'no_address' })));
  let live = rows.filter((r) => r.to);

  // Opted out since the freeze: cancelled, not sent.
  const opted = await sql.query<{ address: string }>(
    `SELECT address FROM "OptOut" WHERE "optedInAt" IS NULL AND address = ANY($1::text[]) AND channel = ANY($2::"Channel"[])`,
    [live.map((r) => r.to), channel === 'TELEGRAM' ? ['TELEGRAM'] : ['SMS', 'VOICE']],
  );
  const optedSet = new Set(opted.rows.map((o) => o.address));
  const cancelled = live.filter((r) => optedSet.has(r.to!)).map((r) => r.id);
  live = live.filter((r) => !optedSet.has(r.to!));

  // Claimed by a job that may still be calling the provider: not ours to touch yet.
  const busy = live.filter((r) => r.claimedAt && now - r.claimedAt.getTime() < deps.config.DISPATCH_IN_DOUBT_AFTER_MS);
  live = live.filter((r) => !busy.includes(r));

  // In doubt: settle against the provider's own list before anything is sent again.
  const toSend: Row[] = [];
  for (const r of live) {
    if (!r.claimedAt || !adapter.findSent) {
      toSend.push(r);
      continue;
    }
    try {
      const found = await adapter.findSent(message(r), r.claimedAt);
      if (found) out.sent.push({ id: r.id, res: found });
      else toSend.push(r);
    } catch {
      busy.push(r); // the provider cannot tell us now: ask again on the retry
    }
  }

  // Claim by compare-and-set on claimedAt: a row another job claimed meanwhile is skipped.
  const claimed = await sql.query<{ id: string }>(
    `UPDATE "OutboundMessage" m SET "claimedAt" = now(), attempts = m.attempts + 1
       FROM unnest($1::bigint[], $2::timestamp(3)[]) AS v(id, seen)
      WHERE m.id = v.id AND m.status = 'QUEUED' AND m."claimedAt" IS NOT DISTINCT FROM v.seen
      RETURNING m.id`,
    [toSend.map((r) => r.id), toSend.map((r) => r.claimedAt?.toISOString() ?? null)],
  );
  const mine = new Set(claimed.rows.map((x) => x.id));
  await sendAll(
    deps,
    adapter,
    channel,
    toSend.filter((r) => mine.has(r.id)),
    out,
  );
  await writeOutcomes(deps, channel, out, cancelled);
  return {
    settled: out.sent.length + out.failed.length + out.optedOut.length + cancelled.length,
    pending: out.released.length + busy.length,
    retryAfterMs: out.retryAfterMs,
  };
}

function message(r: Row): OutboundSend {
  return {
    messageId: BigInt(r.id),
    to: r.to!,
    text: r.body,
    ...(r.choices?.length ? { choices: r.choices.map((c) => ({ key: c.key, label: c.label })) } : {}),
  };
}

/** Provider calls with bounded concurrency, each taking from the channel's rate buckets first. */
async function sendAll(
  deps: DispatchDeps,
  adapter: ChannelAdapter,
  channel: SendChannel,
  rows: Row[],
  out: Outcomes,
): Promise<void> {
  let next = 0;
  let stop = false;
  const concurrency =
    channel === 'VOICE'
      ? Math.min(deps.config.VOICE_MAX_CONCURRENT_CALLS, deps.config.DISPATCH_CONCURRENCY)
      : deps.config.DISPATCH_CONCURRENCY;
  const lane = async () => {
    for (;;) {
      const r = rows[next++];
      if (!r) return;
      if (stop) {
        out.released.push(r.id);
        continue;
      }
      for (;;) {
        const wait = await deps.limiter.take(deps.buckets(channel, r.to!, r.segments));
        if (wait <= 0) break;
        await sleep(wait);
      }
      try {
        out.sent.push({ id: r.id, res: await adapter.send(message(r)) });
      } catch (err) {
        if (err instanceof OptedOutSendError)
          out.optedOut.push({ id: r.id, workerId: r.workerId, to: r.to!, code: err.code ?? 'opted_out' });
        else if (err instanceof FinalSendError) out.failed.push({ id: r.id, code: err.code ?? 'rejected' });
        else {
          // Outage or throttling: what is left of the batch waits for the retry.
          if (err instanceof RateLimitedSendError) out.retryAfterMs = Math.max(out.retryAfterMs, err.retryAfterMs);
          out.released.push(r.id);
          if (!stop)
            deps.logger.warn(
              { err: { message: (err as Error).message }, channel },
              'provider did not take a campaign message; the batch waits',
            );
          stop = true;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane));
}

async function writeOutcomes(deps: DispatchDeps, channel: SendChannel, out: Outcomes, cancelled: string[]): Promise<void> {
  const sql = deps.db.pool;
  // Each write is one idempotent statement, repeated if it meets a callback batch in a deadlock.
  const write = (text: string, values: unknown[]) => retryOnDeadlock(() => sql.query(text, values));
  if (out.sent.length) {
    // A status callback may already have moved the row on; the provider id is written either way.
    await write(
      `UPDATE "OutboundMessage" m
          SET "providerId" = v.sid, segments = v.seg, "sentAt" = COALESCE(m."sentAt", now()),
              status = CASE WHEN m.status = 'QUEUED' THEN 'SENT'::"MessageStatus" ELSE m.status END
         FROM unnest($1::bigint[], $2::text[], $3::int[]) AS v(id, sid, seg)
        WHERE m.id = v.id`,
      [out.sent.map((s) => s.id), out.sent.map((s) => s.res.providerId), out.sent.map((s) => s.res.segments)],
    );
  }
  for (const o of out.optedOut) {
    await recordOptOut(sql, { channel, address: o.to, workerId: o.workerId, source: `provider:${o.code}` });
    out.failed.push({ id: o.id, code: o.code });
  }
  if (out.failed.length) {
    await write(
      `UPDATE "OutboundMessage" m SET status = 'FAILED', "errorCode" = v.code, "failedAt" = now()
         FROM unnest($1::bigint[], $2::text[]) AS v(id, code)
        WHERE m.id = v.id AND m.status = 'QUEUED'`,
      [out.failed.map((f) => f.id), out.failed.map((f) => f.code)],
    );
  }
  if (cancelled.length) {
    await write(
      `UPDATE "OutboundMessage" SET status = 'CANCELLED', "errorCode" = 'opted_out' WHERE id = ANY($1::bigint[]) AND status = 'QUEUED'`,
      [cancelled],
    );
  }
  if (out.released.length) {
    await write(`UPDATE "OutboundMessage" SET "claimedAt" = NULL WHERE id = ANY($1::bigint[]) AND status = 'QUEUED'`, [
      out.released,
    ]);
  }
}

/**
 * Flow kinds: each person's conversation starts under their sender lock, its first question
 * written into their frozen row, which then goes out through the channel's send queue. A row whose
 * text is already written was started before a crash: it is only queued again (idempotent).
 */
async function startFlows(
  deps: DispatchDeps,
  kind: CampaignKind,
  channel: SendChannel,
  rows: Row[],
): Promise<{ settled: number; pending: number; retryAfterMs: number }> {
  const flow = FLOW_OF[kind]!;
  const leadIds = [...new Set(rows.flatMap((r) => (r.choices ?? []).map((c) => c.leadId).filter((x): x is number => !!x)))];
  const leads = leadIds.length
    ? (
        await deps.db.pool.query<{
          id: number;
          title: string;
          employer: string;
          place: string;
          wageMin: number | null;
          wageMax: number | null;
        }>(`SELECT id, title, employer, place, "wageMin", "wageMax" FROM "JobLead" WHERE id = ANY($1::int[])`, [leadIds])
      ).rows
    : [];
  const enqueue = (q: Array<{ id: bigint; channel: Channel }>) => enqueueSends(deps.queues, q);
  let settled = 0;
  for (const r of rows) {
    if (r.body !== '') {
      await enqueue([{ id: BigInt(r.id), channel }]);
      settled++;
      continue;
    }
    let state: FlowState | undefined;
    if (flow === 'job_leads') {
      const mine = (r.choices ?? []).map((c) => leads.find((l) => l.id === c.leadId)).filter((l) => !!l);
      state = { leads: mine.map((l) => ({ ...l })) } as unknown as FlowState;
    }
    const res = await startWorkerConversation(
      { db: deps.db, texts: deps.texts, enqueue },
      { workerId: r.workerId, channel, flow, ...(state ? { state } : {}), outboundId: BigInt(r.id) },
    );
    if (!res.started) {
      await deps.db.pool.query(
        `UPDATE "OutboundMessage" SET status = 'CANCELLED', "errorCode" = $2 WHERE id = $1 AND status = 'QUEUED'`,
        [r.id, res.reason],
      );
    }
    settled++;
  }
  return { settled, pending: 0, retryAfterMs: 0 };
}
