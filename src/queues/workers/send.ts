/** Shared by the per-channel send workers: the buckets each channel's messages take from. */
import { Worker } from 'bullmq';
import type { Config } from '../../config.js';
import type { Channel } from '../../generated/prisma/enums.js';
import { createMessageReader, type DeliverDeps, deliver } from '../../outbound/deliver.js';
import type { Bucket } from '../../outbound/rate-limiter.js';
import type { SenderDeps } from '../../outbound/sender.js';
import { bullName, type QueueName } from '../names.js';
import { cappedBackoff } from '../queues.js';
import type { WorkerDeps } from './deps.js';

/** SMS: segments per second per sender. Telegram: the bot overall, and 1 per second per chat. */
export function channelBuckets(config: Config, sender: string | undefined) {
  return (channel: Channel, to: string, segments: number): Bucket[] => {
    if (channel === 'SMS')
      return [{ key: `sms:${sender ?? 'default'}`, ratePerSecond: config.SMS_RATE_PER_SECOND, burst: 1, cost: segments }];
    if (channel === 'TELEGRAM') {
      return [
        { key: 'tg', ratePerSecond: config.TELEGRAM_RATE_PER_SECOND, burst: 1, cost: 1 },
        { key: `tg:${to}`, ratePerSecond: config.TELEGRAM_CHAT_RATE_PER_SECOND, burst: 1, cost: 1 },
      ];
    }
    return [];
  };
}

/** The send path's dependencies, as every worker of this process shares them. */
export function senderDeps(deps: WorkerDeps): SenderDeps {
  const sender = deps.providers.twilio.messagingServiceSid ?? deps.providers.twilio.from;
  return {
    logger: deps.logger,
    adapters: deps.providers.adapters,
    limiter: deps.limiter,
    buckets: channelBuckets(deps.config, sender),
    records: deps.sendRecords,
    inDoubtAfterMs: deps.config.DISPATCH_IN_DOUBT_AFTER_MS,
  };
}

export function createSendWorker(deps: WorkerDeps, queue: QueueName, concurrency: number): Worker<{ outboundId: string }> {
  const deliverDeps: DeliverDeps = {
    db: deps.db,
    readMessage: createMessageReader(deps.db.pool),
    ...senderDeps(deps),
    maxCallsInProgress: deps.config.VOICE_MAX_CONCURRENT_CALLS,
  };
  const worker: Worker<{ outboundId: string }> = new Worker<{ outboundId: string }>(
    bullName(queue),
    (job, token) => deliver(deliverDeps, job, token, worker),
    {
      connection: deps.workerConnection(),
      prefix: deps.config.REDIS_PREFIX,
      concurrency,
      // A send whose process died is taken up again within 10-20 s (BullMQ's default: 30-60 s);
      // the in-doubt check settles it before anything is sent again.
      lockDuration: 10_000,
      stalledInterval: 10_000,
      autorun: false,
      settings: { backoffStrategy: (attemptsMade) => cappedBackoff(attemptsMade) },
    },
  );
  // Out of attempts (hours of provider failures): the row is failed so reports show it.
  worker.on('failed', (job) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    void deps.db.pool
      .query(
        `UPDATE "OutboundMessage" SET status = 'FAILED', "errorCode" = 'retries_exhausted', "failedAt" = now() WHERE id = $1 AND status = 'QUEUED'`,
        [job.data.outboundId],
      )
      .catch((err) => deps.logger.error({ err }, 'could not mark an exhausted message failed'));
  });
  return worker;
}
