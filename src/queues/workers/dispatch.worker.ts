/** Campaign slices: each job sends a slice of one campaign's frozen rows in batches. */
import { Worker } from 'bullmq';
import { type DispatchDeps, dispatchSlice } from '../../campaigns/dispatch.js';
import { bullName, QueueName, type QueuePayloads } from '../names.js';
import { cappedBackoff } from '../queues.js';
import type { WorkerDeps } from './deps.js';
import { senderDeps } from './send.js';

export function createDispatchWorker(deps: WorkerDeps): Worker<QueuePayloads['dispatch']> {
  const dispatchDeps: DispatchDeps = {
    ...senderDeps(deps),
    db: deps.db,
    queues: deps.queues,
    texts: deps.texts,
    config: deps.config,
  };
  return new Worker<QueuePayloads['dispatch']>(
    bullName(QueueName.dispatch),
    (job, token) => dispatchSlice(dispatchDeps, job, token),
    {
      connection: deps.workerConnection(),
      prefix: deps.config.REDIS_PREFIX,
      // Each job keeps DISPATCH_CONCURRENCY provider calls in flight; a few jobs overlap their ledger writes.
      concurrency: 4,
      // A slice whose process died is taken up again within 10-20 s rather than BullMQ's default 30-60 s.
      lockDuration: 10_000,
      stalledInterval: 10_000,
      autorun: false,
      settings: { backoffStrategy: (attemptsMade) => cappedBackoff(attemptsMade) },
    },
  );
}
