import type { Worker } from 'bullmq';

/**
 * Closes workers: they stop taking jobs at once, and running jobs get `graceMs` to finish. A job
 * still running then is abandoned without being marked done; when its lock expires, BullMQ's
 * stalled-job check hands it to another worker. Nothing is lost either way.
 */
export async function closeGracefully(workers: Worker[], graceMs: number): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
      });
      // pause() stops fetching and resolves once the running jobs have finished.
      await Promise.race([w.pause(), timeout]);
      clearTimeout(timer);
      // Jobs are finished (or abandoned), so a forced close only releases the connections.
      await w.close(true);
    }),
  );
}
