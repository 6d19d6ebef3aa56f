/**
 * The whole service for end-to-end tests: API and workers in one process on real HTTP, a fresh
 * PostgreSQL database, the shared Redis under a key prefix of its own, and the provider
 * simulators. Log lines are kept for assertions.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { type Running, start } from '../../src/main.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { createPgDatabase } from './db.js';
import { freePort } from './net.js';

export interface TestService {
  running: Running;
  url: string;
  logs: string[];
  /** The service's PostgreSQL database (pass it to another service to restart on the same ledger). */
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  /** Run on this existing database instead of a new one; stop() then leaves it for its owner to drop. */
  databaseUrl?: string;
}

export async function startTestService(env: Record<string, string> = {}, opts: TestServiceOptions = {}): Promise<TestService> {
  const pgdb = opts.databaseUrl ? { url: opts.databaseUrl, drop: async () => {} } : await createPgDatabase('outreach_svc');
  const dataDir = mkdtempSync(join(tmpdir(), 'outreach-svc-'));
  const port = await freePort();
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: pgdb.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const running = await start('all', config, createLogger('debug', sink));
  return {
    running,
    url: running.address!,
    logs,
    databaseUrl: pgdb.url,
    async stop() {
      await running.stop();
      const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await pgdb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `outreach …` as staff would beside the service: its address, a token (OUTREACH_TOKEN) and
 * its database. Resolves to standard output; rejects with the child's `code` and `stderr`.
 */
export async function outreachCli(
  svc: TestService,
  args: string[],
  opts: { token?: string; stdin?: string } = {},
): Promise<string> {
  const child = promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), ...args], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'silent',
      PORT: new URL(svc.url).port,
      ...(opts.token !== undefined ? { OUTREACH_TOKEN: opts.token } : {}),
      DATABASE_URL: svc.databaseUrl,
      DATA_DIR: svc.running.container.config.DATA_DIR,
    },
  });
  child.child.stdin?.end(opts.stdin);
  return (await child).stdout;
}

/**
 * Waits until the service has nothing left in hand that could still send or record something:
 * no job waiting, running or due within `timeoutMs` in any of its queues (the routines' own
 * schedules, and queues whose worker the test paused, aside), and no callback its simulators
 * still owe, twice in a row. Tests wait on this
 * before they assert that nothing more happened, instead of sleeping and hoping. Throws when the
 * service is still busy after `timeoutMs`.
 */
export async function settled(svc: TestService, timeoutMs = 15_000): Promise<void> {
  const { queues, providers } = svc.running.container;
  const sims = providers.simulators;
  const deadline = Date.now() + timeoutMs;
  const pending = async (): Promise<number> => {
    const paused = new Set((svc.running.workers?.all ?? []).filter((w) => w.isPaused()).map((w) => w.name));
    let n = 0;
    for (const q of Object.values(queues)) {
      if (paused.has(q.name)) continue;
      const c = await q.getJobCounts('waiting', 'active', 'prioritized');
      n += (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0);
      for (const job of await q.getJobs(['delayed'])) {
        if (!job.repeatJobKey && job.timestamp + (job.delay ?? 0) <= deadline) n++;
      }
    }
    return n;
  };
  let quietChecks = 0;
  while (quietChecks < 2) {
    await Promise.all([sims?.twilio.idle(), sims?.telegram.idle()]);
    const n = await pending();
    quietChecks = n === 0 ? quietChecks + 1 : 0;
    if (n > 0 && Date.now() > deadline) throw new Error(`the service is still busy after ${timeoutMs} ms: ${n} job(s) pending`);
    if (quietChecks < 2) await new Promise((r) => setTimeout(r, 50));
  }
}
