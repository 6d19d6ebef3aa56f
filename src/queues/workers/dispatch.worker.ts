/** Campaign slices: each job sends a slice of one campaign's frozen rows in batches. */
import { Worker } from 'bullmq';
import { dispatchSlice } from '../../campaigns/dispatch.js';
import { bullName, QueueName, type QueuePayloads } from '../names.js';
import { cappedBackoff } from '../queues.js';
import type { WorkerDeps } from './deps.js';
import { channelBuckets } from './send.js';

export function createDispatchWorker(deps: WorkerDeps): Worker<QueuePayloads['dispatch']> {
  const sender = deps.providers.twilio.messagingServiceSid ?? deps.providers.twilio.from;
  const dispatchDeps = {
    db: deps.db,
    logger: deps.logger,
    queues: deps.queues,
    texts: deps.texts,
    adapters: deps.providers.adapters,
    limiter: deps.limiter,
    buckets: channelBuckets(deps.config, sender),
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
