/**
 * Worker processes for crash tests: `outreach worker` as a real child process on a fresh
 * PostgreSQL database and a Redis prefix of its own, talking to provider simulators that run in
 * the test. The test keeps its own ledger and queue connections beside them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type Config, loadConfig } from '../../src/config.js';
import { type Db, openDb } from '../../src/db/database.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { createQueues, type Queues } from '../../src/queues/queues.js';
import type { TelegramSimulator, TwilioSimulator } from '../../src/simulators/index.js';
import { createPgDatabase } from './db.js';

export interface WorkerRig {
  env: Record<string, string>;
  config: Config;
  db: Db;
  queues: Queues;
  /** Starts another `outreach worker` process. */
  startWorker(): ChildProcess;
  /** Stops the processes and removes the database, the Redis keys and the data folder. */
  close(): Promise<void>;
}

export async function workerRig(
  sims: { twilio: TwilioSimulator; telegram?: TelegramSimulator },
  extraEnv: Record<string, string> = {},
): Promise<WorkerRig> {
  const pg = await createPgDatabase('outreach_crash');
  const dataDir = mkdtempSync(join(tmpdir(), 'outreach-crash-'));
  const prefix = `crash-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    QUIET_HOURS_SMS: 'off',
    QUIET_HOURS_TELEGRAM: 'off',
    QUIET_HOURS_VOICE: 'off',
    DATABASE_URL: pg.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    TWILIO_ACCOUNT_SID: sims.twilio.accountSid,
    TWILIO_AUTH_TOKEN: sims.twilio.authToken,
    TWILIO_FROM: '+8610690000000',
    TWILIO_API_BASE: sims.twilio.url,
    PUBLIC_BASE_URL: 'http://127.0.0.1:9',
    // A worker process needs a Telegram bot configured even when the test does not use it.
    TELEGRAM_BOT_TOKEN: sims.telegram?.token ?? '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    TELEGRAM_API_ROOT: sims.telegram?.url ?? 'http://127.0.0.1:9',
    SMS_RATE_PER_SECOND: '0',
    TELEGRAM_RATE_PER_SECOND: '0',
    DISPATCH_IN_DOUBT_AFTER_MS: '1500',
    LOG_LEVEL: 'silent',
    ...extraEnv,
  };
  const config = loadConfig(env);
  const db = await openDb({ databaseUrl: pg.url, dataDir, migrate: true });
  const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null });
  const queues = createQueues(redis, prefix);
  const children: ChildProcess[] = [];
  return {
    env,
    config,
    db,
    queues,
    startWorker() {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), 'worker'], {
        cwd: PROJECT_ROOT,
        env,
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    },
    async close() {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).catch(() => {})));
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
      await db.close();
      await pg.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Kills a process and waits until it is gone. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Messages the Twilio simulator accepted, per recipient. */
export function smsPerRecipient(sim: TwilioSimulator): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of sim.messages({ direction: 'outbound-api' })) m.set(x.to, (m.get(x.to) ?? 0) + 1);
  return m;
}
