/** Starts every worker of this process and stops them gracefully. */
import type { Worker } from 'bullmq';
import type { WorkerDeps } from './deps.js';
import { createImportWorker } from './import.worker.js';

export interface Workers {
  all: Worker[];
  /** Waits up to `graceMs` for running jobs; jobs still running then are handed back (stalled) for another worker. */
  close(graceMs?: number): Promise<void>;
}

export function startWorkers(deps: WorkerDeps): Workers {
  const all: Worker[] = [createImportWorker(deps)];
  for (const w of all) {
    w.on('failed', (job, err) => deps.logger.warn({ queue: w.name, jobId: job?.id, err }, 'job failed'));
    w.on('error', (err) => deps.logger.error({ queue: w.name, err }, 'worker error'));
    void w.run();
  }
  return {
    all,
    async close(graceMs = 10_000) {
      await Promise.all(
        all.map(async (w) => {
          const graceful = w.close();
          const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
          if ((await Promise.race([graceful, timer])) === 'timeout') await w.close(true);
        }),
      );
    },
  };
}
