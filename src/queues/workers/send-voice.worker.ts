/** Places voice calls, one OutboundMessage per job; calls in progress are capped (config). */
import { QueueName } from '../names.js';
import type { WorkerDeps } from './deps.js';
import { createSendWorker } from './send.js';

export const createSendVoiceWorker = (deps: WorkerDeps) => createSendWorker(deps, QueueName.sendVoice, 5);
