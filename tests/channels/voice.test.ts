/**
 * Voice through the Twilio simulator: an incoming call gets the Mandarin menu (keypad and
 * speech), answers are recorded, 9 opts out; a call the service places reads its message aloud
 * and the call status closes the ledger row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessage } from '../../src/ledger/outbound.js';
import { enqueueSends } from '../../src/queues/queues.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import { startTestService, type TestService } from '../helpers/service.js';

let svc: TestService;
let sim: TwilioSimulator;
const CALLER = '+8613600136001';
const SERVICE_NUMBER = '+8610690000000';

beforeAll(async () => {
  svc = await startTestService();
  sim = svc.running.container.providers.simulators!.twilio;
  await seedWorker(svc.running.container.db, { phone: CALLER });
});
afterAll(async () => {
  await svc?.stop();
});
const db = () => svc.running.container.db;

describe('voice calls', () => {
  it('an incoming call hears the Mandarin menu; answers are recorded; 9 opts out', async () => {
    const call = await sim.placeInboundCall({ from: CALLER, to: SERVICE_NUMBER, steps: [{ digits: '1' }, { speech: '退订' }] });
    const first = call.documents[0]!;
    expect(first.gather).toMatchObject({ language: 'cmn-Hans-CN', input: 'dtmf speech' });
    expect(first.twiml).toContain('language="cmn-CN"');
    expect(first.says[0]).toContain('就业帮扶服务');
    // Key 1 starts the status report (bots/status-report.ts); its first question is asked.
    expect(call.documents[1]!.says[0]).toContain('就业情况有什么变化');
    expect(call.says.at(-1)).toContain('您已退订通知电话');

    const rows = await db().prisma.inboundMessage.findMany({
      where: { channel: 'VOICE', fromAddress: CALLER },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.text)).toEqual(['1', '退订']);
    expect(rows.map((r) => r.providerId)).toEqual([`${call.callSid}:1`, `${call.callSid}:2`]);
    expect(
      await db().prisma.optOut.findUnique({ where: { channel_address: { channel: 'VOICE', address: CALLER } } }),
    ).toMatchObject({
      source: 'keypad',
    });
    // Recorded for the ledger, answered in the call: the queue sends no text reply to a voice caller.
    await expect.poll(async () => db().prisma.inboundMessage.count({ where: { channel: 'VOICE', handledAt: null } })).toBe(0);
    expect(await db().prisma.outboundMessage.count({ where: { channel: 'VOICE' } })).toBe(0);
  });

  it('a family member who opts out by phone or text opts out their own number, not the worker', async () => {
    // One conversation path for every channel: the same keyword rule records the same opt-out.
    const { worker } = await seedWorker(db(), { phone: '+8613600136010' });
    const family = ['+8613600136011', '+8613600136012'];
    for (const phone of family)
      await db().prisma.familyContact.create({ data: { workerId: worker.id, name: '家属', relation: 'CHILD', phone } });
    const call = await sim.placeInboundCall({ from: family[0]!, to: SERVICE_NUMBER, steps: [{ digits: '9' }] });
    expect(call.says.at(-1)).toContain('您已退订通知电话');
    await sim.sendInbound({ from: family[1]!, to: SERVICE_NUMBER, body: '退订' });
    await expect.poll(() => db().prisma.optOut.count({ where: { address: family[1] } }), { timeout: 10_000 }).toBe(1);
    const rows = await db().prisma.optOut.findMany({ where: { address: { in: family } }, orderBy: { address: 'asc' } });
    expect(rows.map((r) => [r.channel, r.workerId])).toEqual([
      ['VOICE', null],
      ['SMS', null],
    ]);
  });

  it('an unknown caller is told how to register', async () => {
    const call = await sim.placeInboundCall({ from: '+8613600136999', to: SERVICE_NUMBER });
    expect(call.says.join('')).toMatch(/尚未.*登记/);
  });

  it('refuses a voice webhook without a valid signature', async () => {
    const res = await fetch(`${svc.url}/webhooks/twilio/voice`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
      body: new URLSearchParams({ CallSid: `CA${'0'.repeat(32)}`, From: CALLER }),
    });
    expect(res.status).toBe(403);
  });

  it('a placed call reads the message twice to a person, and completes the ledger row', async () => {
    const { worker } = await seedWorker(db(), { phone: '+8613600136002' });
    const id = await createMessage(db().pool, {
      kind: 'BROADCAST',
      channel: 'VOICE',
      body: '县人社局通知：本月十五日在镇政府举办招聘会。',
      language: 'zh-CN',
      workerId: worker.id,
    });
    await enqueueSends(svc.running.container.queues, [{ id, channel: 'VOICE' }]);
    await expect.poll(() => sim.calls().filter((c) => c.to === '+8613600136002').length, { timeout: 10_000 }).toBe(1);
    const placed = sim.calls().find((c) => c.to === '+8613600136002')!;
    expect(placed.machineDetection).toBe('Enable');
    const result = await sim.answerCall(placed.sid);
    expect(result.says.filter((s) => s.includes('招聘会'))).toHaveLength(2);
    await expect
      .poll(async () => (await db().prisma.outboundMessage.findUniqueOrThrow({ where: { id } })).status, { timeout: 10_000 })
      .toBe('DELIVERED');
  });
});
