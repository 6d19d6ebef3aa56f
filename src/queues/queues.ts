/** Producers for every queue, created once per process and shared by the API and the CLI. */
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullName, QUEUE_PREFIX, QueueName, type QueuePayloads } from './names.js';

export type Queues = { [N in QueueName]: Queue<QueuePayloads[N]> };

/** Finished jobs are trimmed; the ledger keeps the record of what happened. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export function createQueues(connection: Redis): Queues {
  const make = <N extends QueueName>(name: N) =>
    new Queue<QueuePayloads[N]>(bullName(name), { connection, prefix: QUEUE_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS });
  return Object.fromEntries(Object.values(QueueName).map((n) => [n, make(n)])) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
