/**
 * Inbound SMS end to end: the Twilio simulator posts signed webhooks to the running service over
 * HTTP, the service records, handles and replies through the simulator, and status callbacks
 * come back. Assertions are on ledger rows and on what the simulator received.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { twilioSignature } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import { settled, startTestService, type TestService } from '../helpers/service.js';

let svc: TestService;
let sim: TwilioSimulator;
const WORKER_PHONE = '+8613800138001';
const SERVICE_NUMBER = '+8610690000000';

beforeAll(async () => {
  svc = await startTestService();
  sim = svc.running.container.providers.simulators!.twilio;
  sim.configure({ statusCallbackDelays: 5 });
  await seedWorker(svc.running.container.db, { phone: WORKER_PHONE, name: '张三' });
});
afterAll(async () => {
  await svc?.stop();
});
beforeEach(() => sim.reset());

const db = () => svc.running.container.db;
const repliesTo = (phone: string) => sim.messages({ to: phone, direction: 'outbound-api' });

describe('inbound SMS webhook', () => {
  it('answers HELP from a registered worker with the menu and records both sides', async () => {
    const res = await sim.sendInbound({ from: WORKER_PHONE, to: SERVICE_NUMBER, body: '帮助' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Response>');
    await expect.poll(() => repliesTo(WORKER_PHONE).length, { timeout: 10_000 }).toBe(1);
    expect(repliesTo(WORKER_PHONE)[0]!.body).toContain('就业帮扶服务');

    const inbound = await db().prisma.inboundMessage.findUnique({
      where: { channel_providerId: { channel: 'SMS', providerId: res.messageSid } },
    });
    expect(inbound?.workerId).not.toBeNull();
    expect(inbound?.handledAt).not.toBeNull();
    // The delivery report moves the reply to DELIVERED.
    await expect
      .poll(async () => (await db().prisma.outboundMessage.findFirst({ where: { inReplyToId: inbound!.id } }))?.status, {
        timeout: 10_000,
      })
      .toBe('DELIVERED');
  });

  it('stores a repeated webhook once and replies once', async () => {
    const first = await sim.sendInbound({ from: WORKER_PHONE, to: SERVICE_NUMBER, body: 'help' });
    const again = await sim.sendInbound({ from: WORKER_PHONE, to: SERVICE_NUMBER, body: 'help', messageSid: first.messageSid });
    expect(again.status).toBe(200);
    await expect.poll(() => repliesTo(WORKER_PHONE).length, { timeout: 10_000 }).toBe(1);
    expect(await db().prisma.inboundMessage.count({ where: { providerId: first.messageSid } })).toBe(1);
    await settled(svc);
    expect(repliesTo(WORKER_PHONE)).toHaveLength(1);
  });

  it('refuses a forged or missing signature with 403 and stores nothing', async () => {
    const params = { MessageSid: `SM${'a'.repeat(32)}`, From: WORKER_PHONE, To: SERVICE_NUMBER, Body: '退订' };
    const url = `${svc.url}/webhooks/twilio/sms`;
    const forged = twilioSignature(
      'not-the-auth-token',
      `${svc.running.container.config.PUBLIC_BASE_URL}/webhooks/twilio/sms`,
      params,
    );
    for (const headers of [{ 'x-twilio-signature': forged }, {}] as Record<string, string>[]) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(params),
      });
      expect(res.status).toBe(403);
    }
    expect(await db().prisma.inboundMessage.count({ where: { providerId: params.MessageSid } })).toBe(0);
    expect(await db().prisma.optOut.count()).toBe(0);
  });

  it('rejects a signed webhook that lacks a field with 400 naming it', async () => {
    const params = { From: WORKER_PHONE, Body: 'hi' };
    const signed = `${svc.running.container.config.PUBLIC_BASE_URL}/webhooks/twilio/sms`;
    const res = await fetch(`${svc.url}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(sim.authToken, signed, params),
      },
      body: new URLSearchParams(params),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/MessageSid/);
  });

  it('tells an unknown sender how to register, once a day, and staff can find the message', async () => {
    const stranger = '+8613900139009';
    await sim.sendInbound({ from: stranger, to: SERVICE_NUMBER, body: '我想找工作' });
    await expect.poll(() => repliesTo(stranger).length, { timeout: 10_000 }).toBe(1);
    expect(repliesTo(stranger)[0]!.body).toMatch(/尚未.*登记/);
    await sim.sendInbound({ from: stranger, to: SERVICE_NUMBER, body: '在吗' });
    await expect
      .poll(async () => db().prisma.inboundMessage.count({ where: { fromAddress: stranger, handledAt: { not: null } } }))
      .toBe(2);
    expect(repliesTo(stranger)).toHaveLength(1);
    const unknown = await db().prisma.inboundMessage.findMany({
      where: { workerId: null, familyContactId: null, fromAddress: stranger },
    });
    expect(unknown.map((m) => m.text)).toEqual(['我想找工作', '在吗']);
  });

  it('STOP opts out with one confirmation, a second STOP says so, START opts back in', async () => {
    const phone = '+8613800138002';
    await seedWorker(db(), { phone });
    await sim.sendInbound({ from: phone, to: SERVICE_NUMBER, body: '退订' });
    await expect.poll(() => repliesTo(phone).length, { timeout: 10_000 }).toBe(1);
    expect(repliesTo(phone)[0]!.body).toContain('您已退订');
    expect(await db().prisma.optOut.findUnique({ where: { channel_address: { channel: 'SMS', address: phone } } })).toMatchObject(
      {
        optedInAt: null,
        source: 'keyword',
      },
    );

    await sim.sendInbound({ from: phone, to: SERVICE_NUMBER, body: 'STOP' });
    await expect.poll(() => repliesTo(phone).length, { timeout: 10_000 }).toBe(2);
    expect(repliesTo(phone)[1]!.body).toContain('已处于退订状态');

    await sim.sendInbound({ from: phone, to: SERVICE_NUMBER, body: '订阅' });
    await expect.poll(() => repliesTo(phone).length, { timeout: 10_000 }).toBe(3);
    expect(repliesTo(phone)[2]!.body).toContain('重新订阅');
    expect(
      (await db().prisma.optOut.findUnique({ where: { channel_address: { channel: 'SMS', address: phone } } }))?.optedInAt,
    ).not.toBeNull();
  });

  it('handles messages from one person in the order they arrived', async () => {
    const phone = '+8613800138003';
    await seedWorker(db(), { phone });
    // Sent at once: STOP then START must leave the person opted in.
    await Promise.all([
      sim.sendInbound({ from: phone, to: SERVICE_NUMBER, body: 'STOP' }),
      new Promise((r) => setTimeout(r, 5)).then(() => sim.sendInbound({ from: phone, to: SERVICE_NUMBER, body: 'START' })),
    ]);
    await expect.poll(() => repliesTo(phone).length, { timeout: 10_000 }).toBe(2);
    const replies = await db().prisma.outboundMessage.findMany({ where: { toAddress: phone }, orderBy: { id: 'asc' } });
    expect(replies.map((r) => r.body.slice(0, 4))).toEqual(['您已退订', '您已重新']);
    expect(
      (await db().prisma.optOut.findUnique({ where: { channel_address: { channel: 'SMS', address: phone } } }))?.optedInAt,
    ).not.toBeNull();
  });

  it('keeps phone numbers and secrets out of the logs', () => {
    const text = svc.logs.join('\n');
    expect(text).toContain('repeated inbound SMS ignored'); // the log did record this run's events
    expect(text).not.toMatch(/1380013800\d|1390013900\d/);
    const { providers } = svc.running.container;
    for (const secret of [providers.twilio.authToken, providers.telegram.token, providers.telegram.webhookSecret]) {
      expect(text).not.toContain(secret);
    }
  });
});
