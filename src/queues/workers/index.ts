/** Starts every worker of this process and stops them gracefully. */
import type { Worker } from 'bullmq';
import { createCampaignWorker } from './campaign.worker.js';
import type { WorkerDeps } from './deps.js';
import { createDispatchWorker } from './dispatch.worker.js';
import { createImportWorker } from './import.worker.js';
import { createInboundWorker } from './inbound.worker.js';
import { createProgramsWorker } from './programs.worker.js';
import { createSendSmsWorker } from './send-sms.worker.js';
import { createSendTelegramWorker } from './send-telegram.worker.js';
import { createSendVoiceWorker } from './send-voice.worker.js';
import { closeGracefully } from './shutdown.js';
import { createSweepWorker, scheduleSweep } from './sweep.worker.js';

export interface Workers {
  all: Worker[];
  close(graceMs?: number): Promise<void>;
}

export function startWorkers(deps: WorkerDeps): Workers {
  const all: Worker[] = [
    createImportWorker(deps),
    createInboundWorker(deps),
    createSendSmsWorker(deps),
    createSendTelegramWorker(deps),
    createSendVoiceWorker(deps),
    createSweepWorker(deps),
    createCampaignWorker(deps),
    createDispatchWorker(deps),
    createProgramsWorker(deps),
  ];
  void scheduleSweep(deps.queues).catch((err) => deps.logger.error({ err }, 'could not schedule the sweep'));
  for (const w of all) {
    w.on('failed', (job, err) => deps.logger.warn({ queue: w.name, jobId: job?.id, err }, 'job failed'));
    w.on('error', (err) => deps.logger.error({ queue: w.name, err }, 'worker error'));
    void w.run();
  }
  return { all, close: (graceMs = 10_000) => closeGracefully(all, graceMs) };
}
