/** Handles recorded inbound messages (per contact, in order: see conversations/handle-inbound.ts). */
import { Worker } from 'bullmq';
import { handleInbound } from '../../conversations/handle-inbound.js';
import { enqueueSends } from '../../queues/queues.js';
import { bullName, QueueName, type QueuePayloads } from '../names.js';
import type { WorkerDeps } from './deps.js';

export function createInboundWorker(deps: WorkerDeps): Worker<QueuePayloads['inbound']> {
  return new Worker<QueuePayloads['inbound']>(
    bullName(QueueName.inbound),
    (job) =>
      handleInbound(
        { db: deps.db, texts: deps.texts, logger: deps.logger, enqueueReplies: (rows) => enqueueSends(deps.queues, rows) },
        BigInt(job.data.inboundId),
      ),
    {
      connection: deps.workerConnection(),
      prefix: deps.config.REDIS_PREFIX,
      concurrency: deps.config.INBOUND_CONCURRENCY,
      autorun: false,
    },
  );
}
