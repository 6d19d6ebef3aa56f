/** Campaign control jobs: launch (freeze and plan), a run of a recurring campaign. */
import { Worker } from 'bullmq';
import { runLaunch, runRecurring } from '../../campaigns/control.js';
import { bullName, QueueName, type QueuePayloads } from '../names.js';
import type { WorkerDeps } from './deps.js';

export function createCampaignWorker(deps: WorkerDeps): Worker<QueuePayloads['campaign']> {
  return new Worker<QueuePayloads['campaign']>(
    bullName(QueueName.campaign),
    async (job) => {
      const { action, campaignId } = job.data;
      if (action === 'launch') return runLaunch(deps, campaignId);
      // A scheduler's jobs carry distinct ids per firing: the run key.
      if (action === 'run') return runRecurring(deps, campaignId, job.id ?? String(job.timestamp));
    },
    { connection: deps.workerConnection(), prefix: deps.config.REDIS_PREFIX, concurrency: 2, autorun: false },
  );
}
