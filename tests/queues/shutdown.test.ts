import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { closeGracefully } from '../../src/queues/workers/shutdown.js';
import { producerConnection, workerConnection } from '../../src/redis/connections.js';

const target = { url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' };
const prefix = `test-${randomUUID()}`;
const producer = producerConnection(target);
const conns = [producer];
afterAll(async () => {
  const keys = await producer.keys(`${prefix}:*`);
  if (keys.length) await producer.del(...keys);
  for (const c of conns) c.disconnect();
});

function conn() {
  const c = workerConnection(target);
  conns.push(c);
  return c;
}

describe('graceful worker shutdown', () => {
  it('lets a running job finish within the grace period', async () => {
    const queue = new Queue('{grace}', { connection: producer, prefix });
    const done: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    const worker = new Worker(
      '{grace}',
      async (job) => {
        started();
        await new Promise((r) => setTimeout(r, 300));
        done.push(job.id!);
      },
      { connection: conn(), prefix },
    );
    const job = await queue.add('slow', {});
    await running;
    await closeGracefully([worker], 5000);
    expect(done).toEqual([job.id]);
    expect(await job.getState()).toBe('completed');
    await queue.close();
  });

  it('hands a job that overruns the grace period back to another worker', async () => {
    const queue = new Queue('{handback}', { connection: producer, prefix });
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    const stuck = new Worker(
      '{handback}',
      async () => {
        started();
        await new Promise((r) => setTimeout(r, 10_000));
      },
      { connection: conn(), prefix, lockDuration: 1000, stalledInterval: 500 },
    );
    const job = await queue.add('long', { n: 1 });
    await running;
    const t0 = Date.now();
    await closeGracefully([stuck], 300);
    expect(Date.now() - t0).toBeLessThan(3000);

    const finishedBy: string[] = [];
    const rescuer = new Worker(
      '{handback}',
      async (j) => {
        finishedBy.push(`rescuer:${j.id}`);
      },
      { connection: conn(), prefix, lockDuration: 1000, stalledInterval: 500 },
    );
    await expect.poll(() => finishedBy, { timeout: 15_000, interval: 200 }).toEqual([`rescuer:${job.id}`]);
    await rescuer.close();
    await queue.close();
  });
});
