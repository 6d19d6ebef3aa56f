import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { pidAlive } from '../../src/dir-lock.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { bullName } from '../../src/queues/names.js';
import { closeQueues, createQueues } from '../../src/queues/queues.js';
import { producerConnection, workerConnection } from '../../src/redis/connections.js';
import { RedisBinaryMissingError, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'outreach-redis-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('embedded redis-server', () => {
  it('keeps queued jobs across a restart (append-only file) and a worker then runs them', async () => {
    const dir = tempDir();
    let redis = await startEmbeddedRedis(dir);
    let conn = producerConnection({ path: redis.path });
    let queues = createQueues(conn, 'outreach');
    await queues.import.waitUntilReady();
    await queues.import.add('ledger', { file: 'a.csv' });
    await queues.import.add('ledger', { file: 'b.csv' });
    await closeQueues(queues);
    conn.disconnect();
    await redis.stop();

    redis = await startEmbeddedRedis(dir);
    conn = producerConnection({ path: redis.path });
    queues = createQueues(conn, 'outreach');
    await queues.import.waitUntilReady();
    expect(await queues.import.getWaitingCount()).toBe(2);

    const seen: string[] = [];
    const wconn = workerConnection({ path: redis.path });
    const worker = new Worker(
      bullName('import'),
      async (job) => {
        seen.push(job.data.file);
      },
      { connection: wconn, prefix: 'outreach' },
    );
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(2);
    expect(seen.sort()).toEqual(['a.csv', 'b.csv']);
    await worker.close();
    wconn.disconnect();
    await closeQueues(queues);
    conn.disconnect();
    await redis.stop();
  });

  it('runs in a process group of its own, and does not outlive a process that exits without stopping it', async () => {
    const dir = tempDir();
    // A process that starts the server and exits at once (as after a second Ctrl-C or a timed-out shutdown).
    const script = `import { readFileSync } from 'node:fs';
      import { startEmbeddedRedis } from './src/redis/embedded-redis.ts';
      await startEmbeddedRedis(${JSON.stringify(dir)});
      const redis = Number(readFileSync(${JSON.stringify(join(dir, 'redis.pid'))}, 'utf8'));
      const group = Number(readFileSync('/proc/' + redis + '/stat', 'utf8').split(') ')[1].split(' ')[2]);
      console.log(JSON.stringify({ redis, group }));
      process.exit(1);`;
    const out = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PROJECT_ROOT,
    }).catch((e: { stdout: string }) => e);
    const { redis, group } = JSON.parse(out.stdout) as { redis: number; group: number };
    expect(group).toBe(redis); // the leader of a group of its own: a terminal's Ctrl-C does not reach it
    await expect.poll(() => pidAlive(redis), { timeout: 10_000 }).toBe(false);
  });

  it('refuses a second owner of the same directory', async () => {
    const dir = tempDir();
    const redis = await startEmbeddedRedis(dir);
    try {
      // This process holds the lock; make it look held by another live process (our parent).
      writeFileSync(join(dir, 'outreach.lock'), String(process.ppid));
      await expect(startEmbeddedRedis(dir)).rejects.toThrow(/in use by process .*REDIS_URL/s);
    } finally {
      writeFileSync(join(dir, 'outreach.lock'), String(process.pid));
      await redis.stop();
    }
  });

  it('says which Debian package to install when the binary is missing', async () => {
    const err = await startEmbeddedRedis(tempDir(), ['/nonexistent/redis-server']).catch((e) => e);
    expect(err).toBeInstanceOf(RedisBinaryMissingError);
    expect(err.message).toMatch(/apt-get install redis-server/);
    expect(err.message).toMatch(/REDIS_URL/);
  });
});
