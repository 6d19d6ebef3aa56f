/** Sends Telegram messages, one OutboundMessage per job. */
import { QueueName } from '../names.js';
import type { WorkerDeps } from './deps.js';
import { createSendWorker } from './send.js';

export const createSendTelegramWorker = (deps: WorkerDeps) =>
  createSendWorker(deps, QueueName.sendTelegram, deps.config.SEND_CONCURRENCY);
