/** Quiet hours, scheduled and recurring campaigns, and the default weekly check-in to the stale. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignProgress, createCampaign, launchCampaign, pauseCampaign, runRecurring } from '../../src/campaigns/control.js';
import { ensureDefaultCampaigns, WEEKLY_CHECK_IN_NAME } from '../../src/campaigns/defaults.js';
import { quietUntil } from '../../src/campaigns/quiet-hours.js';
import type { Container } from '../../src/container.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { NO_QUIET_HOURS, seedCounty, staffFor } from './helpers.js';

/** A UTC instant given as China time. */
const cst = (iso: string) => new Date(`${iso}+08:00`);

describe('quiet hours', () => {
  it('say when a night window that wraps midnight ends, and nothing outside it', () => {
    expect(quietUntil('22:00-07:00', cst('2026-11-30T23:30:00'))).toEqual(cst('2026-12-01T07:00:00'));
    expect(quietUntil('22:00-07:00', cst('2026-12-01T06:59:00'))).toEqual(cst('2026-12-01T07:00:00'));
    expect(quietUntil('22:00-07:00', cst('2026-12-01T22:00:00'))).toEqual(cst('2026-12-02T07:00:00'));
    expect(quietUntil('22:00-07:00', cst('2026-12-01T07:00:00'))).toBeNull();
    expect(quietUntil('22:00-07:00', cst('2026-12-01T12:00:00'))).toBeNull();
    expect(quietUntil('21:00-08:00', cst('2026-12-01T21:30:00'))).toEqual(cst('2026-12-02T08:00:00'));
    expect(quietUntil('12:00-14:00', cst('2026-12-01T13:00:00'))).toEqual(cst('2026-12-01T14:00:00'));
    expect(quietUntil('off', cst('2026-12-01T23:00:00'))).toBeNull();
  });
});

/** HH:MM in China time, `minutes` from now. */
function chinaClock(minutes: number): string {
  const d = new Date(Date.now() + minutes * 60_000 + 8 * 3_600_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

describe('a campaign launched inside quiet hours', () => {
  let svc: TestService;
  afterAll(() => svc?.stop());

  it('holds its messages and is set to resume by itself when the window ends', async () => {
    const window = `${chinaClock(-60)}-${chinaClock(60)}`;
    svc = await startTestService({ ...NO_QUIET_HOURS, QUIET_HOURS_SMS: window, SMS_RATE_PER_SECOND: '0' });
    const d = svc.running.container;
    const { workers } = await seedCounty(d.db, '610831', [{ phone: true }, { phone: true }]);
    const staff = await staffFor(d.db, '610831');
    const c = await createCampaign(d, staff, {
      name: '夜间',
      kind: 'POLICY_NOTICE',
      regionCode: '610831',
      content: { text: { 'zh-CN': '夜间测试' } },
    });
    await launchCampaign(d, staff, c.id);
    await expect.poll(async () => (await d.queues.dispatch.getJobCounts('delayed')).delayed, { timeout: 10_000 }).toBe(1);
    const [job] = await d.queues.dispatch.getJobs(['delayed']);
    const end = quietUntil(window)!.getTime();
    // Moved to delayed while being processed: it becomes due `delay` ms after that.
    const resumesAt = (job!.processedOn ?? 0) + job!.delay;
    expect(resumesAt).toBeGreaterThanOrEqual(end);
    expect(resumesAt).toBeLessThanOrEqual(end + 60_000);
    const sim = d.providers.simulators!.twilio;
    for (const w of workers) expect(sim.messages({ to: w.phone!, direction: 'outbound-api' })).toHaveLength(0);
    expect((await campaignProgress(d, staff, c.id)).queued).toBe(2);
  });
});

describe('recurring campaigns', () => {
  let svc: TestService;
  let d: Container;
  beforeAll(async () => {
    svc = await startTestService({ ...NO_QUIET_HOURS, SMS_RATE_PER_SECOND: '0', TELEGRAM_CHAT_RATE_PER_SECOND: '0' });
    d = svc.running.container;
  }, 60_000);
  afterAll(() => svc?.stop());

  it('get a BullMQ job scheduler in China time; each firing is a run of its own, made once', async () => {
    const { workers } = await seedCounty(d.db, '610832', [{ phone: true }, { phone: true }]);
    const staff = await staffFor(d.db, '610832');
    const c = await createCampaign(d, staff, {
      name: '月度培训清单',
      kind: 'TRAINING_LIST',
      regionCode: '610832',
      schedule: { type: 'monthly', day: 1, time: '08:30' },
    });
    expect(c.cron).toBe('30 8 1 * *');
    await launchCampaign(d, staff, c.id);
    const scheduler = await d.queues.campaign.getJobScheduler(`campaign-${c.id}`);
    expect(scheduler).toMatchObject({ pattern: '30 8 1 * *', tz: 'Asia/Shanghai' });

    const run = await runRecurring(d, c.id, 'firing-1');
    expect(await runRecurring(d, c.id, 'firing-1')).toBe(run); // a retried firing makes no second run
    await expect.poll(async () => (await campaignProgress(d, staff, run!)).status, { timeout: 15_000 }).toBe('COMPLETED');
    const sim = d.providers.simulators!.twilio;
    for (const w of workers) {
      const got = sim.messages({ to: w.phone!, direction: 'outbound-api' });
      expect(got).toHaveLength(1);
      expect(got[0]!.body).toContain('培训');
    }
    await pauseCampaign(d, staff, c.id);
    expect(await runRecurring(d, c.id, 'firing-2')).toBeNull(); // paused: the firing is skipped
  });

  it('include a weekly check-in to the stale for every province, which starts the check-in conversation', async () => {
    const { workers } = await seedCounty(d.db, '610833', [{ phone: true }, { phone: true }]);
    await d.db.pool.query(`UPDATE "Worker" SET "statusConfirmedAt" = now() WHERE id = $1`, [workers[1]!.id]); // fresh
    await ensureDefaultCampaigns(d);
    expect(await ensureDefaultCampaigns(d)).toBe(0);
    const def = await d.db.pool.query<{ id: number; cron: string; status: string }>(
      `SELECT c.id, c.cron, c.status FROM "Campaign" c JOIN "Region" r ON r.id = c."regionId" WHERE c.name = $1 AND r.code = '61'`,
      [WEEKLY_CHECK_IN_NAME],
    );
    expect(def.rows).toEqual([{ id: expect.any(Number), cron: '0 9 * * 1', status: 'SCHEDULED' }]);
    expect(await d.queues.campaign.getJobScheduler(`campaign-${def.rows[0]!.id}`)).toMatchObject({ tz: 'Asia/Shanghai' });

    const province = await staffFor(d.db, '61', 'ADMIN');
    const run = await runRecurring(d, def.rows[0]!.id, 'week-1');
    await expect.poll(async () => (await campaignProgress(d, province, run!)).status, { timeout: 15_000 }).toBe('COMPLETED');
    const sim = d.providers.simulators!.twilio;
    const asked = sim.messages({ to: workers[0]!.phone!, direction: 'outbound-api' });
    expect(asked).toHaveLength(1);
    expect(sim.messages({ to: workers[1]!.phone!, direction: 'outbound-api' })).toHaveLength(0);
    // With no job on record the check-in goes straight to the status question.
    const session = await d.db.pool.query(`SELECT flow, status FROM "ConversationSession" WHERE "workerId" = $1`, [
      workers[0]!.id,
    ]);
    expect(session.rows).toEqual([{ flow: 'status_report', status: 'ACTIVE' }]);
    expect(asked[0]!.body).toContain('就业情况');
  });
});
