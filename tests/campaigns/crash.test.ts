/**
 * Crash safety with real processes: the worker is killed (SIGKILL) in the middle of a campaign
 * while provider calls are in flight, and started again; two worker processes share a campaign
 * and one of them is killed; Redis (append-only file on) is restarted mid-campaign; the provider
 * has an outage. Each time, every recipient has exactly one message at the provider and the
 * ledger agrees with it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign, launchCampaign } from '../../src/campaigns/control.js';
import type { Db } from '../../src/db/database.js';
import { createTexts } from '../../src/i18n.js';
import { startTwilioSimulator, type TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { freePort } from '../helpers/net.js';
import { startTestService } from '../helpers/service.js';
import { kill, smsPerRecipient, type WorkerRig, workerRig } from '../helpers/worker-process.js';
import { NO_QUIET_HOURS, seedCounty, staffFor } from './helpers.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

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

/** Seeds a county of `n` people with phones and launches a policy notice to them. */
async function launchTo(rig: WorkerRig, county: string, n: number) {
  const { workers } = await seedCounty(
    rig.db,
    county,
    Array.from({ length: n }, () => ({ phone: true })),
  );
  const staff = await staffFor(rig.db, county);
  const deps = { db: rig.db, queues: rig.queues, texts: await createTexts(), config: rig.config };
  const c = await createCampaign(deps, staff, {
    name: '崩溃测试',
    kind: 'POLICY_NOTICE',
    regionCode: county,
    content: { text: { 'zh-CN': '崩溃恢复测试通知' } },
  });
  await launchCampaign(deps, staff, c.id);
  return { workers, campaignId: c.id };
}

async function inDoubtCount(db: Db, campaignId: number): Promise<number> {
  const r = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "OutboundMessage" WHERE "campaignId" = $1 AND status = 'QUEUED' AND "claimedAt" IS NOT NULL`,
    [campaignId],
  );
  return r.rows[0]!.n;
}

const campaignStatus = async (db: Db, id: number) =>
  (await db.pool.query(`SELECT status FROM "Campaign" WHERE id = $1`, [id])).rows[0].status;

/** Waits for the campaign to complete; then each of the `people` has exactly one message, as the ledger says. */
async function everyoneOnce(db: Db, sim: TwilioSimulator, campaignId: number, people: number): Promise<void> {
  await expect.poll(() => campaignStatus(db, campaignId), { timeout: 90_000, interval: 500 }).toBe('COMPLETED');
  const counts = smsPerRecipient(sim);
  expect(counts.size).toBe(people);
  expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  await ledgerAgrees(db, sim, campaignId);
}

describe('a worker process killed mid-campaign', () => {
  it('is restarted and every recipient gets the message exactly once (in-doubt sends settled from the provider’s list)', async () => {
    const sim = await startTwilioSimulator();
    cleanups.push(() => sim.close());
    const rig = await workerRig({ twilio: sim });
    cleanups.push(() => rig.close());
    // Every provider call answers after 400 ms: at any moment dozens are in flight.
    sim.injectFailure({ kind: 'slow', times: Number.POSITIVE_INFINITY, delayMs: 400 });
    const first = rig.startWorker();
    const { workers, campaignId } = await launchTo(rig, '610821', 400);
    await expect
      .poll(() => sim.messages({ direction: 'outbound-api' }).length, { timeout: 30_000, interval: 50 })
      .toBeGreaterThan(100);
    await kill(first);
    expect(await inDoubtCount(rig.db, campaignId)).toBeGreaterThan(0); // calls the provider took but the ledger never heard back from
    expect(sim.messages({ direction: 'outbound-api' }).length).toBeLessThan(workers.length);

    rig.startWorker();
    await everyoneOnce(rig.db, sim, campaignId, workers.length);
  }, 150_000);
});

describe('two worker processes on the same Redis and PostgreSQL', () => {
  it('share a campaign’s slices without a duplicate, and one takes over when the other is killed mid-send', async () => {
    const sim = await startTwilioSimulator();
    cleanups.push(() => sim.close());
    // Slices of 40: the 400 people are ten dispatch jobs, shared out between the processes; with
    // 4 calls in flight per job a slice takes seconds, so both processes are busy at once.
    const rig = await workerRig({ twilio: sim }, { DISPATCH_SLICE_SIZE: '40', DISPATCH_CONCURRENCY: '4' });
    cleanups.push(() => rig.close());
    sim.injectFailure({ kind: 'slow', times: Number.POSITIVE_INFINITY, delayMs: 300 });
    const a = rig.startWorker();
    rig.startWorker();
    const { workers, campaignId } = await launchTo(rig, '610824', 400);
    const slices = async () =>
      (
        await rig.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "CampaignSlice" WHERE "campaignId" = $1`, [
          campaignId,
        ])
      ).rows[0]!.n;
    await expect.poll(slices, { timeout: 60_000, interval: 50 }).toBe(10);
    // Both processes hold slice jobs at once (each runs up to 4), so both are sending.
    await expect
      .poll(async () => (await rig.queues.dispatch.getJobCounts('active')).active, { timeout: 60_000, interval: 20 })
      .toBeGreaterThan(4);
    await expect
      .poll(() => sim.messages({ direction: 'outbound-api' }).length, { timeout: 60_000, interval: 50 })
      .toBeGreaterThan(60);
    await kill(a);
    expect(sim.messages({ direction: 'outbound-api' }).length).toBeLessThan(workers.length);

    // The survivor takes up the dead process's slices (stalled jobs) and settles its claims.
    await everyoneOnce(rig.db, sim, campaignId, workers.length);
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

    await everyoneOnce(d.db, sim, c.id, workers.length);
  }, 150_000);
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
    const counts = smsPerRecipient(sim);
    expect(counts.size).toBe(workers.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});
