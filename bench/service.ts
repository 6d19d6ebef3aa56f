/**
 * The service as a benchmark runs it: its own process (`outreach serve` or `start`) on a fresh
 * PostgreSQL database and a private Redis prefix, talking to provider simulators that run in the
 * benchmark's process. `stop()` removes everything it made.
 * Env: BENCH_DATABASE_URL (admin URL, default: the local server's Unix socket, see bench/defaults.ts),
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { applyMigrations } from '../src/db/migrations.js';
import { PROJECT_ROOT } from '../src/paths.js';
import {
  startTelegramSimulator,
  startTwilioSimulator,
  type TelegramSimulator,
  type TwilioSimulator,
} from '../src/simulators/index.js';
import { ADMIN_URL } from './defaults.js';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SERVICE_NUMBER = '+8610690000000';

export interface BenchService {
  base: string;
  /** The service process (for its memory high-water mark). */
  pid: number;
  /** The extra worker processes. */
  workerPids: number[];
  dbUrl: string;
  twilio: TwilioSimulator;
  telegram: TelegramSimulator;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface BenchServiceOptions {
  role: 'serve' | 'start';
  /** Extra environment for the service (rates, pool size). */
  env?: Record<string, string>;
  /** Fills the migrated database before the service starts. */
  seed?: (dbUrl: string) => Promise<void>;
  /** Run on this existing database (kept on stop) instead of a fresh one. */
  databaseUrl?: string;
  /** More worker processes (`outreach worker`) beside the service, sharing its database and Redis. */
  extraWorkers?: number;
}

export async function startBenchService(opts: BenchServiceOptions): Promise<BenchService> {
  const dbName = `outreach_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  if (!opts.databaseUrl) await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = opts.databaseUrl ?? Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
  await applyMigrations(dbUrl);
  await opts.seed?.(dbUrl);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const twilio = await startTwilioSimulator({ webhookBase: base, smsWebhookUrl: '/webhooks/twilio/sms' });
  const telegram = await startTelegramSimulator();
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'outreach-bench-'));
  // BENCH_NODE_ARGS: flags for the service's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const env = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: dbUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    PUBLIC_BASE_URL: base,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: SERVICE_NUMBER,
    TWILIO_API_BASE: twilio.url,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    ...opts.env,
  };
  const run = (role: string) =>
    spawn(process.execPath, [...nodeArgs, join(PROJECT_ROOT, 'bin/outreach.js'), role], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    });
  const child = run(opts.role);
  const workers = Array.from({ length: opts.extraWorkers ?? 0 }, () => run('worker'));

  const stop = async () => {
    for (const p of [...workers, child]) {
      if (p.exitCode !== null) continue;
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
    await twilio.close();
    await telegram.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
    if (!opts.databaseUrl) await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  };

  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/readyz`)).ok) {
        return { base, pid: child.pid!, workerPids: workers.map((w) => w.pid!), dbUrl, twilio, telegram, stop };
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error('the service did not become ready');
}
