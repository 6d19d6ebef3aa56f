/**
 * Campaigns end to end: the real service (API + workers), PostgreSQL, Redis and the provider
 * simulators. What the simulators received is the truth about what people got.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaignProgress,
  cancelCampaign,
  createCampaign,
  launchCampaign,
  pauseCampaign,
  previewCampaign,
  resumeCampaign,
} from '../../src/campaigns/control.js';
import type { Container } from '../../src/container.js';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { NO_QUIET_HOURS, seedCounty, staffFor } from './helpers.js';

let svc: TestService;
let deps: Container;
let sim: TwilioSimulator;
let tg: TelegramSimulator;

beforeAll(async () => {
  svc = await startTestService({
    ...NO_QUIET_HOURS,
    SMS_RATE_PER_SECOND: '0',
    TELEGRAM_CHAT_RATE_PER_SECOND: '0',
    CAMPAIGN_MAX_PER_DAY: '5',
  });
  deps = svc.running.container;
  ({ twilio: sim, telegram: tg } = deps.providers.simulators!);
  sim.configure({ statusCallbackDelays: 5 });
}, 60_000);
afterAll(async () => {
  if (process.env.DUMP_LOGS) console.log(svc.logs.filter((l) => /"level":(40|50)/.test(l)).join(''));
  await svc?.stop();
});

const waitStatus = (id: number, staffCode: string, status: string, timeout = 20_000) =>
  expect
    .poll(async () => (await campaignProgress(deps, { regionCode: staffCode }, id)).status, { timeout, interval: 200 })
    .toBe(status);

describe('a policy notice', () => {
  it('reaches each person once on their channel, leaves out the opted-out and other counties, and reports progress', async () => {
    const a = await seedCounty(deps.db, '610801', [
      { phone: true },
      { phone: true },
      { phone: true, language: 'en' },
      { phone: true, telegram: true },
      { phone: true, needsVoice: true },
      { phone: true }, // opts out below
      { phone: false }, // no way to reach
    ]);
    const b = await seedCounty(deps.db, '610802', [{ phone: true }, { phone: true }]);
    tg.registerChat(a.workers[3]!.telegramChatId!); // the worker linked Telegram by writing to the bot
    const optedOut = a.workers[5]!.phone!;
    await deps.db.pool.query(`INSERT INTO "OptOut" (channel, address, source) VALUES ('SMS', $1, 'keyword')`, [optedOut]);
    const staff = await staffFor(deps.db, '610801');

    const c = await createCampaign(deps, staff, {
      name: '稳岗政策',
      kind: 'POLICY_NOTICE',
      regionCode: '610801',
      content: {
        text: { 'zh-CN': '县人社局：外出务工交通补贴开始申领。', en: 'County office: travel subsidy for migrant work is open.' },
      },
    });
    const preview = await previewCampaign(deps, staff, c.id);
    expect(preview).toMatchObject({ audience: 7, optedOut: 1, noAddress: 1, capped: 0, recipients: 5 });
    expect(preview.byChannel).toEqual({ SMS: 3, TELEGRAM: 1, VOICE: 1 });

    await launchCampaign(deps, staff, c.id);
    await waitStatus(c.id, '610801', 'COMPLETED');
    await sim.idle();

    const smsTo = (p: string) => sim.messages({ to: p, direction: 'outbound-api' });
    for (const w of a.workers.slice(0, 3)) expect(smsTo(w.phone!)).toHaveLength(1);
    expect(smsTo(a.workers[0]!.phone!)[0]!.body).toContain('交通补贴');
    expect(smsTo(a.workers[0]!.phone!)[0]!.body).toContain('退订');
    expect(smsTo(a.workers[2]!.phone!)[0]!.body).toContain('travel subsidy');
    expect(smsTo(a.workers[3]!.phone!)).toHaveLength(0); // Telegram instead
    expect(tg.sentMessages(a.workers[3]!.telegramChatId!)).toHaveLength(1);
    expect(sim.calls().filter((x) => x.to === a.workers[4]!.phone)).toHaveLength(1);
    expect(smsTo(optedOut)).toHaveLength(0);
    for (const w of b.workers) expect(smsTo(w.phone!)).toHaveLength(0);

    await expect
      .poll(async () => (await campaignProgress(deps, staff, c.id)).delivered, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    const p = await campaignProgress(deps, staff, c.id);
    expect(p).toMatchObject({ recipients: 5, queued: 0, percent: 100, etaSeconds: 0, status: 'COMPLETED' });
    expect(p.sent + p.delivered + p.failed).toBe(5);
    const audit = await deps.db.pool.query(
      `SELECT action FROM "AuditLog" WHERE entity = 'Campaign' AND "entityId" = $1 ORDER BY id`,
      [String(c.id)],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['campaign.create', 'campaign.launch']);
  });

  it('refuses a region outside the caller’s county and an audience region outside the campaign', async () => {
    await seedCounty(deps.db, '610803', [{ phone: true }]);
    await seedCounty(deps.db, '610804', [{ phone: true }]);
    const staff = await staffFor(deps.db, '610803');
    await expect(
      createCampaign(deps, staff, {
        name: 'x',
        kind: 'POLICY_NOTICE',
        regionCode: '610804',
        content: { text: { 'zh-CN': '通知' } },
      }),
    ).rejects.toMatchObject({ statusCode: 403 });
    await expect(
      createCampaign(deps, staff, {
        name: 'x',
        kind: 'POLICY_NOTICE',
        regionCode: '610803',
        audience: { regions: ['610804101'] },
        content: { text: { 'zh-CN': '通知' } },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(createCampaign(deps, staff, { name: 'x', kind: 'POLICY_NOTICE', regionCode: '610803' })).rejects.toThrow(
      /content.text/,
    );
  });

  it('keeps the frequency cap: a person at the day’s limit is left out of the next campaign', async () => {
    const a = await seedCounty(deps.db, '610805', [{ phone: true }, { phone: true }]);
    const staff = await staffFor(deps.db, '610805');
    // Five campaign messages today already for the first worker (the cap in this service): five
    // campaigns launched earlier today, each with its message delivered.
    for (let i = 0; i < 5; i++) {
      await deps.db.pool.query(
        `WITH c AS (
           INSERT INTO "Campaign" (name, kind, status, "regionId", "launchedAt", "completedAt", "updatedAt")
           VALUES ('earlier', 'POLICY_NOTICE', 'COMPLETED', $2, now(), now(), now()) RETURNING id)
         INSERT INTO "OutboundMessage" (kind, "campaignId", channel, body, "workerId", status)
         SELECT 'BROADCAST', c.id, 'SMS', 'earlier', $1, 'DELIVERED' FROM c`,
        [a.workers[0]!.id, a.countyId],
      );
    }
    const c = await createCampaign(deps, staff, {
      name: 'cap',
      kind: 'POLICY_NOTICE',
      regionCode: '610805',
      content: { text: { 'zh-CN': '第二条通知' } },
    });
    await launchCampaign(deps, staff, c.id);
    await waitStatus(c.id, '610805', 'COMPLETED');
    const p = await campaignProgress(deps, staff, c.id);
    expect(p.recipients).toBe(1);
    expect((p.stats as { freeze: { capped: number } }).freeze.capped).toBe(1);
    expect(sim.messages({ to: a.workers[0]!.phone!, direction: 'outbound-api' })).toHaveLength(0);
    expect(sim.messages({ to: a.workers[1]!.phone!, direction: 'outbound-api' })).toHaveLength(1);
  });
});

describe('job leads', () => {
  it('sends each person their matching leads, zero-employment households first within the cap, and tracks interest', async () => {
    const a = await seedCounty(deps.db, '610806', [
      { phone: true, zeroEmployment: true, skills: ['电工'] },
      { phone: true, skills: ['电工'] },
      { phone: true, skills: ['厨师'] },
    ]);
    const staff = await staffFor(deps.db, '610806');
    const lead = await deps.db.pool.query<{ id: number }>(
      `INSERT INTO "JobLead" ("regionId", title, employer, place, skills, slots, "updatedAt")
       VALUES ($1, '电工', '苏州某电子厂', '江苏苏州', '{电工}', 1, now()) RETURNING id`,
      [a.countyId],
    );
    const c = await createCampaign(deps, staff, {
      name: '岗位推送',
      kind: 'JOB_LEADS',
      regionCode: '610806',
      content: { perLeadCap: 1 },
    });
    const preview = await previewCampaign(deps, staff, c.id);
    expect(preview.audience).toBe(3);
    await launchCampaign(deps, staff, c.id);
    await waitStatus(c.id, '610806', 'COMPLETED');
    const first = sim.messages({ to: a.workers[0]!.phone!, direction: 'outbound-api' });
    expect(first).toHaveLength(1);
    expect(first[0]!.body).toContain('苏州某电子厂');
    expect(sim.messages({ to: a.workers[1]!.phone!, direction: 'outbound-api' })).toHaveLength(0); // cap 1: zero-employment first
    expect(sim.messages({ to: a.workers[2]!.phone!, direction: 'outbound-api' })).toHaveLength(0); // no matching skill
    const contacts = await deps.db.pool.query(
      `SELECT "workerId" FROM "ServiceContact" WHERE "jobLeadId" = $1 AND kind = 'JOB_LEAD'`,
      [lead.rows[0]!.id],
    );
    expect(contacts.rows.map((r) => r.workerId)).toEqual([a.workers[0]!.id]);

    await sim.sendInbound({ from: a.workers[0]!.phone!, to: '+8610690000000', body: '有意向 1' });
    await expect
      .poll(
        async () =>
          (
            await deps.db.pool.query(`SELECT 1 FROM "JobLeadInterest" WHERE "jobLeadId" = $1 AND "workerId" = $2`, [
              lead.rows[0]!.id,
              a.workers[0]!.id,
            ])
          ).rowCount,
        { timeout: 10_000 },
      )
      .toBe(1);
    await expect.poll(async () => (await campaignProgress(deps, staff, c.id)).replied, { timeout: 10_000 }).toBe(1);
  });
});

describe('pause, resume and cancel', () => {
  it('stop sending within seconds and pick up where they left off', async () => {
    const slow = await startTestService({ ...NO_QUIET_HOURS, SMS_RATE_PER_SECOND: '20', DISPATCH_BATCH_SIZE: '10' });
    try {
      const d = slow.running.container;
      const s = d.providers.simulators!.twilio;
      const a = await seedCounty(
        d.db,
        '610807',
        Array.from({ length: 120 }, () => ({ phone: true })),
      );
      const staff = await staffFor(d.db, '610807');
      const c = await createCampaign(d, staff, {
        name: '暂停测试',
        kind: 'POLICY_NOTICE',
        regionCode: '610807',
        content: { text: { 'zh-CN': '通知内容' } },
      });
      await launchCampaign(d, staff, c.id);
      const sent = () => s.messages({ direction: 'outbound-api' }).length;
      await expect.poll(sent, { timeout: 10_000 }).toBeGreaterThan(10);
      await pauseCampaign(d, staff, c.id);
      await new Promise((r) => setTimeout(r, 1500)); // a batch in flight may finish
      const atPause = sent();
      await new Promise((r) => setTimeout(r, 2000));
      expect(sent()).toBe(atPause);
      expect(atPause).toBeLessThan(120);

      await resumeCampaign(d, staff, c.id);
      await expect.poll(sent, { timeout: 20_000 }).toBe(120);
      await expect.poll(async () => (await campaignProgress(d, staff, c.id)).status, { timeout: 10_000 }).toBe('COMPLETED');
      const perPerson = new Map<string, number>();
      for (const m of s.messages({ direction: 'outbound-api' })) perPerson.set(m.to, (perPerson.get(m.to) ?? 0) + 1);
      expect([...perPerson.values()].every((n) => n === 1)).toBe(true);
      expect(perPerson.size).toBe(a.workers.length);

      const c2 = await createCampaign(d, staff, {
        name: '取消测试',
        kind: 'POLICY_NOTICE',
        regionCode: '610807',
        content: { text: { 'zh-CN': '第二条' } },
      });
      await launchCampaign(d, staff, c2.id);
      await expect.poll(sent, { timeout: 10_000 }).toBeGreaterThan(125);
      await cancelCampaign(d, staff, c2.id);
      await new Promise((r) => setTimeout(r, 1500));
      const atCancel = sent();
      await new Promise((r) => setTimeout(r, 1500));
      expect(sent()).toBe(atCancel);
      const p = await campaignProgress(d, staff, c2.id);
      expect(p.status).toBe('CANCELLED');
      expect(p.cancelled).toBeGreaterThan(0);
      expect(p.queued).toBe(0);
      const audit = await d.db.pool.query(`SELECT action FROM "AuditLog" WHERE entity = 'Campaign' ORDER BY id`);
      expect(audit.rows.map((r) => r.action)).toEqual(
        expect.arrayContaining(['campaign.launch', 'campaign.pause', 'campaign.resume', 'campaign.cancel']),
      );
    } finally {
      await slow.stop();
    }
  }, 60_000);
});
