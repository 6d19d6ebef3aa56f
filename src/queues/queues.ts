/** Producers for every queue, created once per process and shared by the API and the CLI. */
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Channel } from '../generated/prisma/enums.js';
import { bullName, QueueName, type QueuePayloads } from './names.js';

type Key = keyof typeof QueueName;
export type Queues = { [K in Key]: Queue<QueuePayloads[(typeof QueueName)[K]]> };

/** Finished jobs are trimmed; the ledger keeps the record of what happened. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Sends retry for hours with capped exponential backoff, so a provider outage leaves messages
 * waiting rather than failed; the ledger row stays QUEUED until the provider takes it.
 */
export const SEND_JOB_OPTIONS: JobsOptions = {
  ...DEFAULT_JOB_OPTIONS,
  attempts: 20,
  backoff: { type: 'capped' },
};

/** The 'capped' backoff: 2 s doubling per attempt, at most 10 minutes (20 attempts span ~2.5 h). */
export function cappedBackoff(attemptsMade: number): number {
  return Math.min(2000 * 2 ** Math.max(0, attemptsMade - 1), 10 * 60_000);
}

const OPTIONS: Partial<Record<Key, JobsOptions>> = {
  sendSms: SEND_JOB_OPTIONS,
  sendTelegram: SEND_JOB_OPTIONS,
  sendVoice: SEND_JOB_OPTIONS,
  // A slice waits out a provider outage like a single send does; its rows stay QUEUED meanwhile.
  dispatch: SEND_JOB_OPTIONS,
};

export function createQueues(connection: Redis, prefix: string): Queues {
  const entries = (Object.keys(QueueName) as Key[]).map((k) => [
    k,
    new Queue(bullName(QueueName[k]), {
      connection,
      prefix,
      defaultJobOptions: OPTIONS[k] ?? DEFAULT_JOB_OPTIONS,
    }),
  ]);
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/**
 * Adds jobs to a queue. A single job goes in with `add`, not `addBulk`: `addBulk` builds an
 * ioredis pipeline, whose constructor copies every script command BullMQ defines onto it. Each
 * reply queues one inbound job and one send, and under a burst of replies constructing those
 * pipelines took about 4% of the service's CPU.
 */
export async function addJobs<D>(queue: Queue<D>, jobs: Parameters<Queue<D>['addBulk']>[0]): Promise<void> {
  const [only] = jobs;
  if (jobs.length === 1 && only) await queue.add(only.name, only.data, only.opts);
  else if (jobs.length > 1) await queue.addBulk(jobs);
}

/** Queues the handling of recorded inbound messages. Idempotent: the job id is the row id. */
export async function enqueueInbound(queues: Queues, ids: ReadonlyArray<bigint | string>): Promise<void> {
  await addJobs(
    queues.inbound,
    ids.map((id) => ({ name: 'inbound', data: { inboundId: String(id) }, opts: { jobId: `in-${id}` } })),
  );
}

/** Queues sends for ledger rows. Idempotent: the job id is the row id. */
export async function enqueueSends(queues: Queues, rows: Array<{ id: bigint; channel: Channel }>): Promise<void> {
  const byQueue = { SMS: queues.sendSms, TELEGRAM: queues.sendTelegram, VOICE: queues.sendVoice } as const;
  const groups = new Map<(typeof byQueue)[keyof typeof byQueue], Array<{ id: bigint }>>();
  for (const r of rows) {
    const q = byQueue[r.channel as keyof typeof byQueue];
    if (!q) throw new Error(`no send queue for channel ${r.channel}`);
    groups.set(q, [...(groups.get(q) ?? []), r]);
  }
  for (const [q, list] of groups) {
    await addJobs(
      q,
      list.map((r) => ({ name: 'send', data: { outboundId: r.id.toString() }, opts: { jobId: `out-${r.id}` } })),
    );
  }
}
