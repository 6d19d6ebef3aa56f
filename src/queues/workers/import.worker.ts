/** Imports a ledger file handed to the workers (`outreach import --queue`; later staff uploads). */
import { rm } from 'node:fs/promises';
import { Worker } from 'bullmq';
import { importLedgerFile } from '../../import/import-ledger.js';
import { bullName, QueueName, type QueuePayloads } from '../names.js';
import type { WorkerDeps } from './deps.js';

export function createImportWorker(deps: WorkerDeps): Worker<QueuePayloads['import']> {
  return new Worker<QueuePayloads['import']>(
    bullName(QueueName.import),
    async (job) => {
      const path = deps.uploads.resolve(job.data.file);
      const report = await importLedgerFile(deps.db, path, {
        idHashKey: deps.idHashKey,
        staffUserId: job.data.staffUserId,
        // Rows read so far, for whoever watches the upload (GET /imports/:id, the console).
        onProgress: (progress) => {
          job.updateProgress(progress).catch(() => {});
        },
      });
      deps.logger.info({ importId: report.importId, rows: report.rows, failed: report.failed }, 'ledger import finished');
      await rm(path, { force: true });
      return { importId: report.importId, rows: report.rows, imported: report.imported, failed: report.failed };
    },
    // One import at a time per process: each already writes in large batches.
    { connection: deps.workerConnection(), prefix: deps.config.REDIS_PREFIX, concurrency: 1, autorun: false },
  );
}
