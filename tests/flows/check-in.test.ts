/**
 * The weekly check-in: startCheckIn asks "still working at X? 1 yes 2 no" by SMS, Telegram or a
 * call; yes reconfirms the status, no continues into the status report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckIn } from '../../src/conversations/start.js';
import { appendEmploymentEvent } from '../../src/ledger/employment.js';
import { enqueueSends } from '../../src/queues/queues.js';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import type { TestService } from '../helpers/service.js';
import { buttons, nextTelegram, press, sms, smsScript, startFlowService } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let tg: TelegramSimulator;
const db = () => svc.running.container.db;
const checkIn = (workerId: number, channel: 'SMS' | 'TELEGRAM' | 'VOICE') =>
  startCheckIn(
    { db: db(), texts: svc.running.container.texts, enqueue: (rows) => enqueueSends(svc.running.container.queues, rows) },
    workerId,
    channel,
  );

/** A worker employed at a factory since January, as an import would have recorded it. */
async function employedWorker(extra: { phone?: string; telegramChatId?: bigint }) {
  const seeded = await seedWorker(db(), extra);
  await appendEmploymentEvent(
    db().pool,
    {
      workerId: seeded.worker.id,
      status: 'EMPLOYED_OUT_OF_PROVINCE',
      employer: '苏州某电子厂',
      place: '苏州',
      effectiveDate: '2026-01-10',
    },
    { source: 'IMPORT', channel: 'IMPORT' },
  );
  return seeded;
}

async function firstSms(phone: string): Promise<string> {
  await expect.poll(() => sim.messages({ to: phone, direction: 'outbound-api' }).length, { timeout: 10_000 }).toBe(1);
  return sim.messages({ to: phone, direction: 'outbound-api' })[0]!.body;
}

beforeAll(async () => {
  ({ svc, sim, tg } = await startFlowService());
});
afterAll(async () => {
  await svc?.stop();
});

describe('weekly check-in', () => {
  it('by SMS: "yes" reconfirms the current status with the answer’s provenance', async () => {
    const phone = '+8613800139501';
    const { worker } = await employedWorker({ phone });
    expect(await checkIn(worker.id, 'SMS')).toMatchObject({ started: true });
    expect(await firstSms(phone)).toMatch(/^每周就业情况确认：您还在苏州某电子厂工作吗？\n1 是，没有变化\n2 不是，有变化$/);
    expect(await sms(sim, phone, '是')).toContain('已确认');
    const events = await db().prisma.employmentEvent.findMany({ where: { workerId: worker.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.status, e.source, e.channel])).toEqual([
      ['EMPLOYED_OUT_OF_PROVINCE', 'IMPORT', 'IMPORT'],
      ['EMPLOYED_OUT_OF_PROVINCE', 'WORKER', 'SMS'],
    ]);
    expect(events[1]!.employer).toBe('苏州某电子厂');
    expect((await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } })).currentEventId).toBe(events[1]!.id);
  });

  it('by SMS: "no" continues into the status report', async () => {
    const phone = '+8613800139502';
    const { worker } = await employedWorker({ phone });
    await checkIn(worker.id, 'SMS');
    await firstSms(phone);
    const replies = await smsScript(sim, phone, ['2', '2', '1', '今天', '1']);
    expect(replies[0]).toContain('就业情况有什么变化');
    expect(replies[4]).toContain('已记录');
    const w = await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } });
    expect(w.currentStatus).toBe('UNEMPLOYED');
  });

  it('does not interrupt an open conversation, and goes straight to the status report when nothing is on record', async () => {
    const phone = '+8613800139503';
    const { worker } = await seedWorker(db(), { phone });
    await sms(sim, phone, '培训');
    expect(await checkIn(worker.id, 'SMS')).toEqual({ started: false, reason: 'busy' });
    await sms(sim, phone, '退订');
    expect(await checkIn(worker.id, 'SMS')).toEqual({ started: false, reason: 'opted_out' });
    await sms(sim, phone, '订阅');
    expect(await checkIn(worker.id, 'SMS')).toMatchObject({ started: true });
    await expect.poll(() => sim.messages({ to: phone, direction: 'outbound-api' }).length).toBe(4);
    expect(sim.messages({ to: phone, direction: 'outbound-api' })[3]!.body).toMatch(/^每周就业情况确认：\n.*有什么变化/);
  });

  it('by Telegram buttons, and by a phone call', async () => {
    const chat = 700801;
    tg.registerChat(chat);
    const { worker } = await employedWorker({ telegramChatId: BigInt(chat) });
    await checkIn(worker.id, 'TELEGRAM');
    const asked = await nextTelegram(tg, chat, 0);
    expect(buttons(asked)).toEqual(['1', '2']);
    expect((await press(tg, chat, '1')).text).toContain('已确认');

    const phone = '+8613600137501';
    const { worker: caller } = await employedWorker({ phone });
    await checkIn(caller.id, 'VOICE');
    await expect.poll(() => sim.calls().filter((c) => c.to === phone).length, { timeout: 10_000 }).toBe(1);
    const call = await sim.answerCall(sim.calls().find((c) => c.to === phone)!.sid, [{ digits: '1' }]);
    expect(call.says[0]).toContain('您还在苏州某电子厂工作吗');
    expect(call.says.join('')).toContain('是，没有变化请按1');
    const events = await db().prisma.employmentEvent.findMany({
      where: { workerId: { in: [worker.id, caller.id] }, source: 'WORKER' },
    });
    expect(events.map((e) => e.channel).sort()).toEqual(['TELEGRAM', 'VOICE']);
  });
});
