/**
 * The one send path under a crash, with real processes: conversation replies go through the same
 * claim and in-doubt check as campaign messages, so a worker killed between its provider calls and
 * the ledger writes does not make the retried jobs send a reply twice (SMS: settled from Twilio's
 * message list). On Telegram, which keeps no list, a message whose outcome was lost is never sent
 * again: it is recorded FAILED `outcome_unknown`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign, launchCampaign } from '../../src/campaigns/control.js';
import { createTexts } from '../../src/i18n.js';
import { createInboundRecorder } from '../../src/ledger/inbound-recorder.js';
import { createLogger } from '../../src/logging.js';
import { startTelegramSimulator, startTwilioSimulator } from '../../src/simulators/index.js';
import { seedCounty, staffFor } from '../campaigns/helpers.js';
import { kill, smsPerRecipient, workerRig } from '../helpers/worker-process.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

describe('a worker process killed while it sends replies', () => {
  it('is restarted and every sender gets their reply exactly once', async () => {
    const sim = await startTwilioSimulator();
    cleanups.push(() => sim.close());
    const rig = await workerRig({ twilio: sim });
    cleanups.push(() => rig.close());
    const { workers } = await seedCounty(
      rig.db,
      '610831',
      Array.from({ length: 120 }, () => ({ phone: true })),
    );
    // Each reply's provider call answers after 1.5 s: the replies are in flight for seconds.
    sim.injectFailure({ kind: 'slow', times: Number.POSITIVE_INFINITY, delayMs: 1500 });
    const first = rig.startWorker();

    // Everyone texts 帮助 (help) at once, recorded as the SMS webhook records them.
    const recorder = createInboundRecorder({
      pool: rig.db.pool,
      logger: createLogger('silent'),
      enqueue: async (ids) => {
        await rig.queues.inbound.addBulk(
          ids.map((id) => ({ name: 'inbound', data: { inboundId: id.toString() }, opts: { jobId: `in-${id}` } })),
        );
      },
    });
    await Promise.all(
      workers.map((w, i) =>
        recorder.record({
          channel: 'SMS',
          providerId: `SM${String(i).padStart(32, '0')}`,
          from: w.phone!,
          text: '帮助',
          payload: {},
        }),
      ),
    );
    const handled = async () =>
      (await rig.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "InboundMessage" WHERE "handledAt" IS NOT NULL`))
        .rows[0]!.n;
    await expect.poll(handled, { timeout: 30_000, interval: 50 }).toBe(workers.length);
    await expect
      .poll(() => sim.messages({ direction: 'outbound-api' }).length, { timeout: 30_000, interval: 50 })
      .toBeGreaterThan(20);
    await kill(first);
    expect(sim.messages({ direction: 'outbound-api' }).length).toBeLessThan(workers.length);
    const inDoubt = await rig.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "OutboundMessage" WHERE kind = 'REPLY' AND status = 'QUEUED' AND "claimedAt" IS NOT NULL`,
    );
    expect(inDoubt.rows[0]!.n).toBeGreaterThan(0); // calls in flight when the process died

    // The new process takes up the dead one's send jobs; each in-doubt reply is looked up first.
    rig.startWorker();
    const queued = async () =>
      (await rig.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "OutboundMessage" WHERE status = 'QUEUED'`))
        .rows[0]!.n;
    await expect.poll(queued, { timeout: 100_000, interval: 500 }).toBe(0);
    await sim.idle();
    const counts = smsPerRecipient(sim);
    expect(counts.size).toBe(workers.length);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // The ledger agrees with the provider: each reply row carries the id of the one message sent.
    const rows = await rig.db.pool.query<{ providerId: string | null; to: string }>(
      `SELECT o."providerId", w.phone AS to FROM "OutboundMessage" o JOIN "Worker" w ON w.id = o."workerId" WHERE o.kind = 'REPLY'`,
    );
    expect(rows.rows).toHaveLength(workers.length);
    for (const r of rows.rows) expect(sim.message(r.providerId!)?.to).toBe(r.to);
  }, 150_000);
});

describe('a Telegram campaign whose worker is killed mid-send', () => {
  it('never sends a message twice: those whose outcome was lost are recorded outcome_unknown', async () => {
    const twilio = await startTwilioSimulator();
    cleanups.push(() => twilio.close());
    const telegram = await startTelegramSimulator({ strictChats: false });
    cleanups.push(() => telegram.close());
    const rig = await workerRig({ twilio, telegram });
    cleanups.push(() => rig.close());
    const { workers } = await seedCounty(
      rig.db,
      '610832',
      Array.from({ length: 150 }, () => ({ phone: false, telegram: true })),
    );
    telegram.injectFailure({ kind: 'slow', method: 'sendMessage', times: Number.POSITIVE_INFINITY, delayMs: 800 });
    const first = rig.startWorker();
    const staff = await staffFor(rig.db, '610832');
    const deps = { db: rig.db, queues: rig.queues, texts: await createTexts(), config: rig.config };
    const c = await createCampaign(deps, staff, {
      name: '电报崩溃',
      kind: 'POLICY_NOTICE',
      regionCode: '610832',
      content: { text: { 'zh-CN': '电报崩溃测试通知' }, channel: 'TELEGRAM' },
    });
    await launchCampaign(deps, staff, c.id);
    await expect.poll(() => telegram.sentMessages().length, { timeout: 30_000, interval: 50 }).toBeGreaterThan(30);
    await kill(first);
    const claimed = await rig.db.pool.query<{ id: string }>(
      `SELECT id::text FROM "OutboundMessage" WHERE "campaignId" = $1 AND status = 'QUEUED' AND "claimedAt" IS NOT NULL`,
      [c.id],
    );
    expect(claimed.rows.length).toBeGreaterThan(0);

    rig.startWorker();
    const status = async () => (await rig.db.pool.query(`SELECT status FROM "Campaign" WHERE id = $1`, [c.id])).rows[0].status;
    await expect.poll(status, { timeout: 100_000, interval: 500 }).toBe('COMPLETED');
    await telegram.idle();
    const perChat = new Map<number, number>();
    for (const m of telegram.sentMessages()) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
    expect([...perChat.values()].filter((n) => n > 1)).toEqual([]);
    // Exactly the claims the dead process left behind are recorded as lost; everyone else got theirs.
    const lost = await rig.db.pool.query<{ id: string; chat: string }>(
      `SELECT o.id::text, o."toAddress" AS chat FROM "OutboundMessage" o
        WHERE o."campaignId" = $1 AND o.status = 'FAILED' AND o."errorCode" = 'outcome_unknown'`,
      [c.id],
    );
    expect(lost.rows.map((r) => r.id).sort()).toEqual(claimed.rows.map((r) => r.id).sort());
    const lostChats = new Set(lost.rows.map((r) => Number(r.chat)));
    for (const w of workers) {
      if (!lostChats.has(w.telegramChatId!)) expect(perChat.get(w.telegramChatId!)).toBe(1);
    }
  }, 150_000);
});
