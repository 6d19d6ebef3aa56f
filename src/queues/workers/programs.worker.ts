/**
 * The program's routines (src/programs/routines.ts) on the `programs` queue: one job scheduler
 * per routine (cron pattern in Asia/Shanghai), and the worker that runs them one at a time. The
 * routines are idempotent, so a job repeated after a crash, or a second process running the same
 * routine, does no harm.
 */
import { Worker } from 'bullmq';
import { ROUTINES, runRoutine } from '../../programs/routines.js';
import { bullName, QueueName, type QueuePayloads } from '../names.js';
import type { Queues } from '../queues.js';
import type { WorkerDeps } from './deps.js';

export async function schedulePrograms(queues: Queues): Promise<void> {
  for (const [routine, { pattern }] of Object.entries(ROUTINES)) {
    await queues.programs.upsertJobScheduler(
      `program-${routine}`,
      { pattern, tz: 'Asia/Shanghai' },
      { name: routine, data: { routine }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 30_000 } } },
    );
  }
}

/** The worker; also (re)schedules the routines, so registering it is all a process needs. */
export function createProgramsWorker(deps: WorkerDeps): Worker<QueuePayloads['programs']> {
  void schedulePrograms(deps.queues).catch((err) => deps.logger.error({ err }, 'could not schedule the program routines'));
  return new Worker<QueuePayloads['programs']>(
    bullName(QueueName.programs),
    async (job) => {
      const result = await runRoutine(deps, job.data.routine, { countyId: job.data.countyId, runId: job.data.runId });
      deps.logger.info({ routine: job.data.routine, ...result }, 'program routine finished');
      return result;
    },
    { connection: deps.workerConnection(), prefix: deps.config.REDIS_PREFIX, concurrency: 1, autorun: false },
  );
}
