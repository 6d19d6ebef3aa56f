/**
 * Crash safety with real processes: the worker is killed (SIGKILL) in the middle of a campaign
 * while provider calls are in flight, and started again; Redis (append-only file on) is
 * restarted mid-campaign; the provider has an outage. Each time, every recipient has exactly one
 * message at the provider and the ledger agrees with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign, launchCampaign } from '../../src/campaigns/control.js';
import { loadConfig } from '../../src/config.js';
import { type Db, openDb } from '../../src/db/database.js';
import { createTexts } from '../../src/i18n.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { createQueues } from '../../src/queues/queues.js';
import { startTwilioSimulator, type TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { createPgDatabase } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';
import { startTestService } from '../helpers/service.js';
import { NO_QUIET_HOURS, seedCounty, staffFor } from './helpers.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

/** Messages the provider accepted, per recipient. */
function perRecipient(sim: TwilioSimulator): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of sim.messages({ direction: 'outbound-api' })) m.set(x.to, (m.get(x.to) ?? 0) + 1);
  return m;
}

async function ledgerAgrees(db: Db, sim: TwilioSimulator, campaignId: number): Promise<void> {
  const rows = await db.pool.query<{ status: string; providerId: string | null; phone: string }>(
    `SELECT o.status, o."providerId", w.phone FROM "OutboundMessage" o JOIN "Worker" w ON w.id = o."workerId" WHERE o."campaignId" = $1`,
    [campaignId],
  );
  const bySid = new Map(sim.messages({ direction: 'outbound-api' }).map((m) => [m.sid, m.to]));
  for (const r of rows.rows) {
    expect(r.status).not.toBe('QUEUED');
    expect(bySid.get(r.providerId!)).toBe(r.phone);
  }
}

describe('a worker process killed mid-campaign', () => {
  it('is restarted and every recipient gets the message exactly once (in-doubt sends settled from the provider’s list)', async () => {
    const sim = await startTwilioSimulator();
    cleanups.push(() => sim.close());
    const pg = await createPgDatabase('outreach_crash');
    cleanups.push(() => pg.drop());
    const dataDir = mkdtempSync(join(tmpdir(), 'outreach-crash-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const prefix = `crash-${Date.now()}`;
    const env = {
      ...process.env,
      ...NO_QUIET_HOURS,
      DATABASE_URL: pg.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDir,
      TWILIO_ACCOUNT_SID: sim.accountSid,
      TWILIO_AUTH_TOKEN: sim.authToken,
      TWILIO_FROM: '+8610690000000',
      TWILIO_API_BASE: sim.url,
      PUBLIC_BASE_URL: 'http://127.0.0.1:9',
      // Telegram is not used by this campaign; a worker process needs some provider configured.
      TELEGRAM_BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
      SMS_RATE_PER_SECOND: '0',
      DISPATCH_IN_DOUBT_AFTER_MS: '1500',
      LOG_LEVEL: 'silent',
    };
    const config = loadConfig(env);
    const db = await openDb({ databaseUrl: pg.url, dataDir, migrate: true });
    cleanups.push(() => db.close());
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
    const queues = createQueues(redis, prefix);
    cleanups.push(async () => {
      await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).catch(() => {})));
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
    });

    const { workers } = await seedCounty(
      db,
      '610821',
      Array.from({ length: 400 }, () => ({ phone: true })),
    );
    const staff = await staffFor(db, '610821');
    const deps = { db, queues, texts: await createTexts(), config };
    const c = await createCampaign(deps, staff, {
      name: '崩溃测试',
      kind: 'POLICY_NOTICE',
      regionCode: '610821',
      content: { text: { 'zh-CN': '崩溃恢复测试通知' } },
    });
    // Every provider call answers after 400 ms: at any moment dozens are in flight.
    sim.injectFailure({ kind: 'slow', times: Number.POSITIVE_INFINITY, delayMs: 400 });

    const startWorker = (): ChildProcess => {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), 'worker'], {
        cwd: PROJECT_ROOT,
        env,
        stdio: 'ignore',
      });
      cleanups.push(() => child.kill('SIGKILL'));
      return child;
    };
    const first = startWorker();
    await launchCampaign(deps, staff, c.id);
    await expect
      .poll(() => sim.messages({ direction: 'outbound-api' }).length, { timeout: 30_000, interval: 50 })
      .toBeGreaterThan(100);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const inDoubt = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "OutboundMessage" WHERE "campaignId" = $1 AND status = 'QUEUED' AND "claimedAt" IS NOT NULL`,
      [c.id],
    );
    expect(inDoubt.rows[0]!.n).toBeGreaterThan(0); // calls the provider took but the ledger never heard back from
    const atKill = sim.messages({ direction: 'outbound-api' }).length;
    expect(atKill).toBeLessThan(workers.length);

    startWorker();
    await expect
      .poll(async () => (await db.pool.query(`SELECT status FROM "Campaign" WHERE id = $1`, [c.id])).rows[0].status, {
        timeout: 90_000,
        interval: 500,
      })
      .toBe('COMPLETED');
    const counts = perRecipient(sim);
    expect(counts.size).toBe(workers.length);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    await ledgerAgrees(db, sim, c.id);
  }, 150_000);
});

describe('Redis restarted mid-campaign (append-only file on)', () => {
  it('loses nothing and sends nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outreach-aof-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const startRedis = () =>
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--save',
          '',
          '--maxmemory-policy',
          'noeviction',
        ],
        {
          stdio: 'ignore',
        },
      );
    let server = startRedis();
    cleanups.push(() => server.kill('SIGKILL'));
    await expect
      .poll(
        async () => {
          const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          r.on('error', () => {});
          try {
            await r.connect();
            return await r.ping();
          } catch {
            return 'down';
          } finally {
            r.disconnect();
          }
        },
        { timeout: 10_000 },
      )
      .toBe('PONG');

    const svc = await startTestService({
      ...NO_QUIET_HOURS,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      SMS_RATE_PER_SECOND: '100',
      DISPATCH_BATCH_SIZE: '20',
    });
    cleanups.push(() => svc.stop().catch(() => {}));
    const d = svc.running.container;
    const sim = d.providers.simulators!.twilio;
    const { workers } = await seedCounty(
      d.db,
      '610822',
      Array.from({ length: 300 }, () => ({ phone: true })),
    );
    const staff = await staffFor(d.db, '610822');
    const c = await createCampaign(d, staff, {
      name: 'AOF',
      kind: 'POLICY_NOTICE',
      regionCode: '610822',
      content: { text: { 'zh-CN': '重启测试' } },
    });
    await launchCampaign(d, staff, c.id);
    await expect
      .poll(() => sim.messages({ direction: 'outbound-api' }).length, { timeout: 20_000, interval: 50 })
      .toBeGreaterThan(50);

    // SHUTDOWN flushes the append-only file, as a restart by the service manager would.
    const exited = new Promise((r) => server.once('exit', r));
    const admin = new Redis(port, '127.0.0.1', { retryStrategy: () => null });
    admin.on('error', () => {});
    await admin.call('SHUTDOWN').catch(() => {});
    admin.disconnect();
    await exited;
    expect(sim.messages({ direction: 'outbound-api' }).length).toBeLessThan(workers.length);
    await new Promise((r) => setTimeout(r, 1000));
    server = startRedis();

    await expect
      .poll(async () => (await d.db.pool.query(`SELECT status FROM "Campaign" WHERE id = $1`, [c.id])).rows[0].status, {
        timeout: 60_000,
        interval: 500,
      })
      .toBe('COMPLETED');
    const counts = perRecipient(sim);
    expect(counts.size).toBe(workers.length);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    await ledgerAgrees(d.db, sim, c.id);
  }, 120_000);
});

describe('a provider outage', () => {
  it('keeps messages queued and sends them once it ends', async () => {
    const svc = await startTestService({ ...NO_QUIET_HOURS, SMS_RATE_PER_SECOND: '0' });
    cleanups.push(() => svc.stop());
    const d = svc.running.container;
    const sim = d.providers.simulators!.twilio;
    const { workers } = await seedCounty(
      d.db,
      '610823',
      Array.from({ length: 30 }, () => ({ phone: true })),
    );
    const staff = await staffFor(d.db, '610823');
    sim.setOutage(true);
    const c = await createCampaign(d, staff, {
      name: '故障',
      kind: 'POLICY_NOTICE',
      regionCode: '610823',
      content: { text: { 'zh-CN': '故障测试' } },
    });
    await launchCampaign(d, staff, c.id);
    await expect
      .poll(
        async () =>
          (await d.db.pool.query(`SELECT attempts FROM "OutboundMessage" WHERE "campaignId" = $1 ORDER BY id LIMIT 1`, [c.id]))
            .rows[0]?.attempts ?? 0,
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    const during = await d.db.pool.query(
      `SELECT status, count(*)::int AS n FROM "OutboundMessage" WHERE "campaignId" = $1 GROUP BY status`,
      [c.id],
    );
    expect(during.rows).toEqual([{ status: 'QUEUED', n: workers.length }]);
    sim.setOutage(false);
    await expect
      .poll(async () => (await d.db.pool.query(`SELECT status FROM "Campaign" WHERE id = $1`, [c.id])).rows[0].status, {
        timeout: 30_000,
        interval: 300,
      })
      .toBe('COMPLETED');
    const counts = perRecipient(sim);
    expect(counts.size).toBe(workers.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});
