/**
 * bench:webhooks — signed inbound SMS webhooks under load against the API process on PostgreSQL.
 *
 * The service runs as its own process (`outreach serve`: webhooks only, so queue workers do not
 * share the CPU with the load generator's measurements) on a fresh database and a private Redis
 * prefix. autocannon sends 50 connections for 20 s; every request carries a distinct MessageSid
 * and a valid X-Twilio-Signature, precomputed so signing does not slow the load generator.
 * Afterwards the InboundMessage rows are counted: every request answered 2xx must be stored.
 *
 * Last line: {"requests", "req_per_s", "p99_ms", "stored", "lost", ...}.
 * Env: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres),
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_SECONDS (20), BENCH_CONNECTIONS (50).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { applyMigrations } from '../src/db/migrations.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { startTelegramSimulator, startTwilioSimulator, twilioSignature } from '../src/simulators/index.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('service did not become ready');
}

async function main() {
  const dbName = `outreach_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = Object.assign(new URL(ADMIN), { pathname: `/${dbName}` }).toString();
  await applyMigrations(dbUrl);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const twilioSim = await startTwilioSimulator();
  const tgSim = await startTelegramSimulator();
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'outreach-bench-'));
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), 'serve'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: dbUrl,
      DATABASE_POOL_SIZE: '10',
      REDIS_URL: REDIS,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      PUBLIC_BASE_URL: base,
      TWILIO_ACCOUNT_SID: twilioSim.accountSid,
      TWILIO_AUTH_TOKEN: twilioSim.authToken,
      TWILIO_FROM: '+8610690000000',
      TWILIO_API_BASE: twilioSim.url,
      TELEGRAM_BOT_TOKEN: tgSim.token,
      TELEGRAM_API_ROOT: tgSim.url,
    },
  });
  try {
    await waitReady(base, child);

    // Distinct signed bodies, more than the run can use.
    const total = Math.max(200_000, SECONDS * 8000);
    const signedUrl = `${base}/webhooks/twilio/sms`;
    const bodies: Array<{ sid: string; body: string; signature: string }> = [];
    for (let i = 0; i < total; i++) {
      const params = {
        MessageSid: `SM${randomBytes(16).toString('hex')}`,
        AccountSid: twilioSim.accountSid,
        From: `+86138${String(10_000_000 + (i % 89_999_999)).padStart(8, '0')}`,
        To: '+8610690000000',
        Body: i % 3 === 0 ? '帮助' : i % 3 === 1 ? '状态' : '找工作',
        NumMedia: '0',
        NumSegments: '1',
        ApiVersion: '2010-04-01',
      };
      bodies.push({
        sid: params.MessageSid,
        body: new URLSearchParams(params).toString(),
        signature: twilioSignature(twilioSim.authToken, signedUrl, params),
      });
    }
    let next = 0;
    const accepted = new Set<string>();
    let exhausted = false;

    const result = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/webhooks/twilio/sms',
          setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
            const b = bodies[next++];
            if (!b) {
              exhausted = true;
              return null;
            }
            context.sid = b.sid;
            return {
              ...req,
              body: b.body,
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': b.signature },
            };
          },
          onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
            if (status >= 200 && status < 300) accepted.add(context.sid as string);
          },
        },
      ],
    } as unknown as autocannon.Options);

    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    const stored = Number((await c.query(`SELECT count(*) FROM "InboundMessage"`)).rows[0].count);
    const storedSids = new Set(
      (await c.query<{ providerId: string }>(`SELECT "providerId" FROM "InboundMessage"`)).rows.map((r) => r.providerId),
    );
    await c.end();
    const lost = [...accepted].filter((s) => !storedSids.has(s)).length;
    const summary = {
      requests: result.requests.total,
      req_per_s: Math.round(result.requests.average),
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      non_2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      accepted: accepted.size,
      stored,
      lost,
      connections: CONNECTIONS,
      seconds: SECONDS,
      bodies_exhausted: exhausted,
    };
    console.log(
      `requests ${summary.requests}, ${summary.req_per_s} req/s, p99 ${summary.p99_ms} ms, stored ${stored}, lost ${lost}`,
    );
    console.log(JSON.stringify(summary));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await twilioSim.close();
    await tgSim.close();
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
