/** Sends SMS (Twilio), one OutboundMessage per job. */
import { QueueName } from '../names.js';
import type { WorkerDeps } from './deps.js';
import { createSendWorker } from './send.js';

export const createSendSmsWorker = (deps: WorkerDeps) => createSendWorker(deps, QueueName.sendSms, deps.config.SEND_CONCURRENCY);
