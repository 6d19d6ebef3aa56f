/**
 * Sending a running campaign. Its frozen slices (CampaignSlice, written at launch) are sent one
 * BullMQ job each; a slice job works through its people in batches, and each batch costs a fixed
 * number of ledger statements whatever its size: one read of the batch (person, address,
 * opt-out, any message already written), one INSERT of the batch's messages, and the outcomes,
 * group-committed with other batches' (src/outbound/records.ts). The next batch is read and
 * claimed while the current one is with the provider, so provider calls never wait for the ledger.
 *
 * Exactly once, with the ledger as the judge (src/outbound/sender.ts):
 * - a person's message row is unique per campaign, person and channel. For SMS the INSERT that
 *   writes a batch's rows is their claim (claimedAt); a row another job wrote is left to it. On
 *   channels whose provider keeps no message list (Telegram, calls) the rows are written unclaimed
 *   and each is claimed just before its own call;
 * - a row found QUEUED with an old claim is in doubt and is settled before anything is sent;
 * - an outage releases the claims it can (the provider said no), the slice job retries with
 *   backoff, and only rows still QUEUED go out.
 *
 * Pause, cancel and a new generation (resume) are read from the ledger before every batch, so they
 * take effect within one batch. Quiet hours delay the whole slice until they end.
 */
import { DelayedError, type Job } from 'bullmq';
import { smsSegments, smsText } from '../channels/twilio/sms-text.js';
import type { OutboundSend } from '../channels/types.js';
import type { Config } from '../config.js';
import { startWorkerConversation } from '../conversations/start.js';
import type { Db } from '../db/database.js';
import type { FlowState } from '../flows/types.js';
import type { CampaignKind, Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { claimsAhead, type Outgoing, outboundSend, type SenderDeps, sendBatch, settleInDoubt } from '../outbound/sender.js';
import type { QueuePayloads } from '../queues/names.js';
import { addJobs, enqueueSends, type Queues } from '../queues/queues.js';
import { FLOW_OF } from './content.js';
import { quietUntil } from './quiet-hours.js';

type SendChannel = 'SMS' | 'TELEGRAM' | 'VOICE';
export type DispatchJob = QueuePayloads['dispatch'];

export interface DispatchDeps extends SenderDeps {
  db: Db;
  queues: Queues;
  texts: Texts;
  config: Pick<
    Config,
    | 'QUIET_HOURS_SMS'
    | 'QUIET_HOURS_TELEGRAM'
    | 'QUIET_HOURS_VOICE'
    | 'DISPATCH_BATCH_SIZE'
    | 'DISPATCH_CONCURRENCY'
    | 'DISPATCH_IN_DOUBT_AFTER_MS'
    | 'VOICE_MAX_CONCURRENT_CALLS'
    | 'SMS_RATE_PER_SECOND'
  >;
}

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
 * Queues a job for every slice not done yet. Job ids are stable per generation and slice, so
 * planning twice (a retried launch, the sweep) adds nothing new.
 */
export async function planDispatch(deps: { db: Db; queues: Queues }, campaignId: number, generation: number): Promise<number> {
  const r = await deps.db.pool.query<{ seq: number; channel: SendChannel }>(
    `SELECT seq, channel FROM "CampaignSlice" WHERE "campaignId" = $1 AND "doneAt" IS NULL ORDER BY seq`,
    [campaignId],
  );
  const jobs = r.rows.map((s) => ({
    name: 'slice',
    data: { campaignId, generation, channel: s.channel, seq: s.seq },
    opts: { jobId: `c${campaignId}-g${generation}-s${s.seq}` },
  }));
  for (let i = 0; i < jobs.length; i += 1000) await addJobs(deps.queues.dispatch, jobs.slice(i, i + 1000));
  return jobs.length;
}

/**
 * A campaign with every slice done and no message left QUEUED is COMPLETED. The slices are asked
 * first: while any is open (every slice job but the last) the answer costs one index probe.
 */
export async function completeIfDone(db: Db, campaignId: number): Promise<boolean> {
  const open = await db.pool.query(`SELECT 1 FROM "CampaignSlice" WHERE "campaignId" = $1 AND "doneAt" IS NULL LIMIT 1`, [
    campaignId,
  ]);
  if (open.rowCount) return false;
  const r = await db.pool.query(
    `UPDATE "Campaign" SET status = 'COMPLETED', "completedAt" = now(), "updatedAt" = now()
      WHERE id = $1 AND status = 'RUNNING'
        AND NOT EXISTS (SELECT 1 FROM "OutboundMessage" WHERE status = 'QUEUED' AND "campaignId" = $1)`,
    [campaignId],
  );
  return (r.rowCount ?? 0) > 0;
}

interface Campaign {
  status: string;
  generation: number;
  kind: CampaignKind;
  texts: Record<string, string> | null;
}

async function loadState(deps: DispatchDeps, campaignId: number): Promise<Campaign | undefined> {
  const c = await deps.db.pool.query<Campaign>(`SELECT status, generation, kind, texts FROM "Campaign" WHERE id = $1`, [
    campaignId,
  ]);
  return c.rows[0];
}

/** A person of the batch as the ledger has them now. */
interface Person {
  workerId: number;
  to: string | null;
  language: string;
  optedOut: boolean;
  choices: OutboundSend['choices'] | null;
  /** Their message, when one was written already. */
  id: string | null;
  status: string | null;
  claimedAt: Date | null;
  body: string | null;
}

/**
 * People per batch. On a rate-limited channel whose batches are claimed ahead of their calls
 * (SMS), a batch is small enough to go out well inside DISPATCH_IN_DOUBT_AFTER_MS at the rate
 * with several jobs sharing it, so no claim looks abandoned while its call still waits its turn.
 */
function batchSize(deps: DispatchDeps, channel: SendChannel): number {
  const rate = channel === 'SMS' ? deps.config.SMS_RATE_PER_SECOND : 0;
  if (!rate || !claimsAhead(deps, channel)) return deps.config.DISPATCH_BATCH_SIZE;
  return Math.max(
    1,
    Math.min(deps.config.DISPATCH_BATCH_SIZE, Math.floor((rate * deps.config.DISPATCH_IN_DOUBT_AFTER_MS) / 16_000)),
  );
}

/** Runs one slice job; returns how many messages it settled. */
export async function dispatchSlice(deps: DispatchDeps, job: Job<DispatchJob>, token: string | undefined): Promise<number> {
  const { campaignId, generation, channel, seq } = job.data;
  if (seq === undefined) return 0; // a job planned by an older version of this module
  const slice = await deps.db.pool.query<{ workerIds: number[]; choices: Array<OutboundSend['choices']> | null; done: boolean }>(
    `SELECT "workerIds", choices, "doneAt" IS NOT NULL AS done FROM "CampaignSlice" WHERE "campaignId" = $1 AND seq = $2`,
    [campaignId, seq],
  );
  const s = slice.rows[0];
  if (!s || s.done) return 0;
  const size = batchSize(deps, channel);
  let settled = 0;
  let pending = 0;

  // Batch i+1 is read and claimed while batch i is with the provider.
  const prepare = async (from: number) => {
    const camp = await loadState(deps, campaignId);
    if (camp?.status !== 'RUNNING' || camp.generation !== generation) return null;
    const quiet = quietUntil(quietWindow(deps, channel));
    if (quiet) return { quiet };
    const ids = s.workerIds.slice(from, from + size);
    const choices = s.choices?.slice(from, from + size) ?? null;
    return { camp, batch: await prepareBatch(deps, campaignId, camp, channel, ids, choices) };
  };
  let next: ReturnType<typeof prepare> | null = prepare(0);
  for (let from = 0; next; from += size) {
    const cur = await next;
    next = null;
    if (!cur) break; // paused, cancelled or resumed under a new generation
    if ('quiet' in cur) {
      // Spread the morning start over a minute rather than all slices at 07:00:00.
      await job.moveToDelayed(cur.quiet!.getTime() + Math.floor(Math.random() * 60_000), token);
      throw new DelayedError();
    }
    const more = from + size < s.workerIds.length;
    if (more) next = prepare(from + size);
    const result = FLOW_OF[cur.camp.kind]
      ? await startFlows(deps, cur.camp.kind, channel, cur.batch.flows)
      : await sendPrepared(deps, channel, cur.batch);
    settled += result.settled + cur.batch.settled;
    pending += result.pending + cur.batch.pending;
    if (result.retryAfterMs > 0) await new Promise((r) => setTimeout(r, Math.min(result.retryAfterMs, 30_000)));
    if (result.stop && next) {
      // The provider stopped taking messages: what the next batch claimed waits for the retry.
      const skipped = await next;
      next = null;
      if (skipped && !('quiet' in skipped)) pending += await releaseClaimed(deps, skipped.batch);
    }
  }
  if (pending > 0) throw new SliceRetryError(pending);
  const fresh = await loadState(deps, campaignId);
  if (fresh?.status !== 'RUNNING' || fresh.generation !== generation) return settled;
  await deps.db.pool.query(`UPDATE "CampaignSlice" SET "doneAt" = now() WHERE "campaignId" = $1 AND seq = $2`, [campaignId, seq]);
  await completeIfDone(deps.db, campaignId);
  return settled;
}

interface Prepared {
  /** Claimed or claimable messages to send (text kinds). */
  send: Outgoing[];
  /** Flow kinds: rows to start conversations on. */
  flows: Array<{ id: string; workerId: number; body: string; choices: OutboundSend['choices'] | null }>;
  settled: number;
  pending: number;
}

/** Text per person: their language's text, else zh-CN. */
function textFor(texts: Record<string, string> | null, language: string): string {
  if (!texts) return '';
  return texts[language] ?? texts['zh-CN'] ?? '';
}

const segmentMemo = new Map<string, number>();
function segmentsOf(channel: SendChannel, text: string, choices: OutboundSend['choices'] | null): number {
  if (channel !== 'SMS') return 1;
  const body = smsText({ text, choices: choices ?? undefined });
  let n = segmentMemo.get(body);
  if (n === undefined) {
    n = smsSegments(body);
    if (segmentMemo.size > 1000) segmentMemo.clear();
    segmentMemo.set(body, n);
  }
  return n;
}

/**
 * Reads a batch of the slice as the ledger has it now and writes the messages not written yet:
 * FAILED (no address), CANCELLED (opted out since the freeze), or QUEUED — claimed by this INSERT
 * where the channel allows claiming ahead. Rows written earlier are settled, busy, in doubt or
 * released, and handled as such.
 */
async function prepareBatch(
  deps: DispatchDeps,
  campaignId: number,
  camp: Campaign,
  channel: SendChannel,
  workerIds: number[],
  choices: Array<OutboundSend['choices']> | null,
): Promise<Prepared> {
  const flow = FLOW_OF[camp.kind] !== undefined;
  const optOutChannels = channel === 'TELEGRAM' ? ['TELEGRAM'] : ['SMS', 'VOICE'];
  const r = await deps.db.pool.query<Omit<Person, 'choices'> & { ord: number }>(
    `SELECT u.wid AS "workerId", u.ord::int AS ord, w.language,
            CASE WHEN $2::"Channel" = 'TELEGRAM' THEN w."telegramChatId"::text ELSE w.phone END AS "to",
            EXISTS (SELECT 1 FROM "OptOut" x
                     WHERE x.channel = ANY($3::"Channel"[]) AND x."optedInAt" IS NULL
                       AND x.address = CASE WHEN $2::"Channel" = 'TELEGRAM' THEN w."telegramChatId"::text ELSE w.phone END
                   ) AS "optedOut",
            o.id, o.status, o."claimedAt", o.body
       FROM unnest($4::int[]) WITH ORDINALITY AS u(wid, ord)
       LEFT JOIN "Worker" w ON w.id = u.wid
       -- LATERAL … LIMIT 1 keeps this an index probe per person: planned as a join, PostgreSQL
       -- read every message of the campaign once per batch (its statistics lag a growing campaign).
       LEFT JOIN LATERAL (
         SELECT id, status, "claimedAt", body FROM "OutboundMessage" x
          WHERE x."campaignId" = $1 AND x."workerId" = u.wid AND x.channel = $2::"Channel" LIMIT 1
       ) o ON true
      ORDER BY u.ord`,
    [campaignId, channel, optOutChannels, workerIds],
  );
  const people: Person[] = r.rows.map((p) => ({ ...p, choices: choices?.[p.ord - 1] ?? null }));
  const out: Prepared = { send: [], flows: [], settled: 0, pending: 0 };
  const ahead = !flow && claimsAhead(deps, channel);

  // Messages not written yet: one INSERT for the whole batch.
  const fresh = people.filter((p) => p.id === null);
  if (fresh.length) {
    const rows = fresh.map((p) => {
      const text = flow ? '' : textFor(camp.texts, p.language ?? 'zh-CN');
      const status = !p.to ? 'FAILED' : p.optedOut ? 'CANCELLED' : 'QUEUED';
      return {
        p,
        text,
        status,
        code: !p.to ? 'no_address' : p.optedOut ? 'opted_out' : null,
        segments: segmentsOf(channel, text, p.choices),
      };
    });
    const written = await deps.db.pool.query<{ id: string; workerId: number; status: string }>(
      `INSERT INTO "OutboundMessage" (kind, "campaignId", "workerId", channel, "toAddress", language, body, segments, choices,
                                      status, "errorCode", "failedAt", "claimedAt", attempts)
       SELECT 'BROADCAST', $1, v.wid, $2::"Channel", v.addr, v.lang, v.body, v.seg, v.choices, v.status::"MessageStatus", v.code,
              CASE WHEN v.status = 'FAILED' THEN now() END,
              CASE WHEN v.status = 'QUEUED' AND $3 THEN now() END,
              CASE WHEN v.status = 'QUEUED' AND $3 THEN 1 ELSE 0 END
         FROM unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::jsonb[], $10::text[], $11::text[])
              AS v(wid, addr, lang, body, seg, choices, status, code)
       ON CONFLICT ("campaignId", "workerId", channel) DO NOTHING
       RETURNING id, "workerId", status`,
      [
        campaignId,
        channel,
        ahead,
        rows.map((x) => x.p.workerId),
        rows.map((x) => x.p.to),
        rows.map((x) => x.p.language ?? 'zh-CN'),
        rows.map((x) => x.text),
        rows.map((x) => x.segments),
        rows.map((x) => (x.p.choices?.length ? JSON.stringify(x.p.choices) : null)),
        rows.map((x) => x.status),
        rows.map((x) => x.code),
      ],
    );
    const byWorker = new Map(rows.map((x) => [x.p.workerId, x]));
    for (const w of written.rows) {
      const x = byWorker.get(w.workerId)!;
      if (w.status !== 'QUEUED') {
        out.settled++;
        continue;
      }
      if (flow) out.flows.push({ id: w.id, workerId: w.workerId, body: '', choices: x.p.choices });
      else out.send.push(outgoing(channel, w.id, x.p, x.text, x.segments, ahead, null));
    }
    // Rows another job wrote between our read and our INSERT are that job's to send.
  }

  // Messages written earlier (a retried slice, a crash): settled ones are done.
  for (const p of people) {
    if (p.id === null || p.status !== 'QUEUED') {
      if (p.id !== null) out.settled++;
      continue;
    }
    if (flow) {
      out.flows.push({ id: p.id, workerId: p.workerId, body: p.body ?? '', choices: p.choices });
      continue;
    }
    if (!p.to && !p.claimedAt) {
      // The address went away after the row was written.
      await deps.records.record({ kind: 'failed', id: p.id, code: 'no_address' });
      out.settled++;
      continue;
    }
    const text = p.body ?? '';
    const m = outgoing(channel, p.id, { ...p, to: p.to ?? '' }, text, segmentsOf(channel, text, p.choices), false, p.claimedAt);
    if (p.claimedAt) {
      const state = await settleInDoubt(deps, m, p.claimedAt);
      if (state === 'busy') out.pending++;
      else if (state === 'settled') out.settled++;
      else out.send.push(m);
    } else if (p.optedOut) {
      await deps.db.pool.query(
        `UPDATE "OutboundMessage" SET status = 'CANCELLED', "errorCode" = 'opted_out' WHERE id = $1 AND status = 'QUEUED' AND "claimedAt" IS NULL`,
        [p.id],
      );
      out.settled++;
    } else {
      out.send.push(m);
    }
  }
  return out;
}

function outgoing(
  channel: SendChannel,
  id: string,
  p: Person,
  text: string,
  segments: number,
  claimed: boolean,
  seen: Date | null,
): Outgoing {
  return { id, channel, workerId: p.workerId, msg: outboundSend(id, p.to!, text, p.choices), segments, claimed, seen };
}

async function sendPrepared(
  deps: DispatchDeps,
  channel: SendChannel,
  batch: Prepared,
): Promise<{ settled: number; pending: number; retryAfterMs: number; stop: boolean }> {
  const lanes =
    channel === 'VOICE'
      ? Math.min(deps.config.VOICE_MAX_CONCURRENT_CALLS, deps.config.DISPATCH_CONCURRENCY)
      : deps.config.DISPATCH_CONCURRENCY;
  const r = await sendBatch(deps, batch.send, lanes);
  await r.recorded;
  return { settled: r.settled, pending: r.unsettled, retryAfterMs: r.retryAfterMs, stop: r.unsettled > 0 };
}

/** Releases the claims of a batch that will not be sent now; returns how many wait. */
async function releaseClaimed(deps: DispatchDeps, batch: Prepared): Promise<number> {
  await Promise.all(batch.send.filter((m) => m.claimed).map((m) => deps.records.record({ kind: 'released', id: m.id })));
  return batch.send.length + batch.pending;
}

/**
 * Flow kinds: each person's conversation starts under their sender lock, its first question
 * written into their campaign row, which then goes out through the channel's send queue (and its
 * claim). A row whose text is already written was started before a crash: it is only queued again.
 */
async function startFlows(
  deps: DispatchDeps,
  kind: CampaignKind,
  channel: SendChannel,
  rows: Prepared['flows'],
): Promise<{ settled: number; pending: number; retryAfterMs: number; stop: boolean }> {
  const flow = FLOW_OF[kind]!;
  const leadIds = [
    ...new Set(rows.flatMap((r) => (r.choices ?? []).map((c) => (c as { leadId?: number }).leadId).filter((x) => !!x))),
  ];
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
      const mine = (r.choices ?? []).map((c) => leads.find((l) => l.id === (c as { leadId?: number }).leadId)).filter((l) => !!l);
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
  return { settled, pending: 0, retryAfterMs: 0, stop: false };
}
