/**
 * The status report end to end over SMS and Telegram: whole conversations through the simulators,
 * with the ledger rows they leave (EmploymentEvent with provenance, Worker's current status,
 * household counts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import type { TestService } from '../helpers/service.js';
import { buttons, press, sms, smsScript, startFlowService, telegram } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let tg: TelegramSimulator;
const db = () => svc.running.container.db;

beforeAll(async () => {
  ({ svc, sim, tg } = await startFlowService());
});
afterAll(async () => {
  await svc?.stop();
});
beforeEach(() => sim.reset());

describe('status report', () => {
  it('found a job, by SMS: every answer, a summary, and the event with its provenance', async () => {
    const phone = '+8613800139001';
    const { worker, household } = await seedWorker(db(), { phone });
    const replies = await smsScript(sim, phone, ['状态', '1', '西安宏达建筑公司', '2', '西安市雁塔区', '2', '3', '3月5日']);
    expect(replies[0]).toContain('就业情况有什么变化');
    expect(replies[0]).toMatch(/\n1 找到工作\n2 失去工作\n3 返乡回家\n4 没有变化$/);
    expect(replies[7]).toContain('请核对');
    expect(replies[7]).toContain('西安宏达建筑公司');
    expect(replies[7]).toContain('3000-4000元');
    const done = await sms(sim, phone, '1');
    expect(done).toContain('已记录');

    const events = await db().prisma.employmentEvent.findMany({ where: { workerId: worker.id } });
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({
      status: 'EMPLOYED_IN_PROVINCE',
      employer: '西安宏达建筑公司',
      place: '西安市雁塔区',
      industry: 'construction',
      monthlyWage: 3500,
      source: 'WORKER',
      channel: 'SMS',
    });
    expect(e.effectiveDate.toISOString().slice(5, 10)).toBe('03-05');
    const confirmMsg = await db().prisma.inboundMessage.findFirst({ where: { fromAddress: phone }, orderBy: { id: 'desc' } });
    expect(e.inboundMessageId).toBe(confirmMsg!.id);
    const w = await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } });
    expect(w.currentStatus).toBe('EMPLOYED_IN_PROVINCE');
    expect(w.currentEventId).toBe(e.id);
    expect(w.statusConfirmedAt).not.toBeNull();
    const h = await db().prisma.household.findUniqueOrThrow({ where: { id: household.id } });
    expect(h).toMatchObject({ laborCount: 1, employedCount: 1, zeroEmployment: false });
    const session = await db().prisma.conversationSession.findFirst({ where: { address: phone, flow: 'status_report' } });
    expect(session).toMatchObject({ status: 'COMPLETED', activeKey: null });
  });

  it('lost a job, then "no change" copies the current event and refreshes the confirmation time', async () => {
    const phone = '+8613800139002';
    const { worker, household } = await seedWorker(db(), { phone });
    await smsScript(sim, phone, ['STATUS', '2', '2', '今天', '1']);
    const w1 = await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } });
    expect(w1.currentStatus).toBe('UNEMPLOYED');
    expect(await db().prisma.household.findUniqueOrThrow({ where: { id: household.id } })).toMatchObject({
      zeroEmployment: true,
    });

    const replies = await smsScript(sim, phone, ['状态', '4']);
    expect(replies[1]).toContain('没有变化');
    const events = await db().prisma.employmentEvent.findMany({ where: { workerId: worker.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.status)).toEqual(['UNEMPLOYED', 'UNEMPLOYED']);
    expect(events[1]!.reason).toBe('laid_off');
    expect(events[1]!.effectiveDate).toEqual(events[0]!.effectiveDate);
    const w2 = await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } });
    expect(w2.currentEventId).toBe(events[1]!.id);
    expect(w2.statusConfirmedAt!.getTime()).toBeGreaterThan(w1.statusConfirmedAt!.getTime());
  });

  it('nonsense answers re-prompt, and the third becomes a task for the worker’s village staff', async () => {
    const phone = '+8613800139003';
    const { worker } = await seedWorker(db(), { phone });
    const replies = await smsScript(sim, phone, ['状态', '不知道', '随便', '啊啊']);
    expect(replies[1]).toContain('请回复编号');
    expect(replies[1]).toContain('就业情况有什么变化');
    expect(replies[3]).toContain('已转给工作人员');
    const task = await db().prisma.staffTask.findFirst({ where: { workerId: worker.id } });
    expect(task).toMatchObject({ kind: 'escalated_conversation', regionId: worker.villageId, status: 'OPEN' });
    expect(task!.inboundMessageId).not.toBeNull();
    const session = await db().prisma.conversationSession.findFirst({ where: { address: phone }, orderBy: { id: 'desc' } });
    expect(session).toMatchObject({ status: 'ESCALATED', activeKey: null });
    // The next message starts afresh (the menu), it does not loop.
    expect(await sms(sim, phone, '你好')).toContain('就业帮扶服务');
  });

  it('came home, on Telegram with buttons, in English', async () => {
    const chat = 700501;
    const { worker } = await seedWorker(db(), { telegramChatId: BigInt(chat), language: 'en' });
    const menu = await telegram(tg, chat, '/help');
    expect(menu.text).toContain('Employment assistance');
    expect(buttons(menu)).toEqual(['1', '2', '3', '0']);
    const ask = await press(tg, chat, '1');
    expect(ask.text).toContain('What has changed');
    expect(buttons(ask)).toEqual(['1', '2', '3', '4']);
    const date = await press(tg, chat, '3');
    expect(date.text).toContain('When did you come home');
    const confirm = await telegram(tg, chat, 'yesterday');
    expect(confirm.text).toContain('came home on');
    const done = await press(tg, chat, '1');
    expect(done.text).toContain('Recorded');
    const e = await db().prisma.employmentEvent.findFirstOrThrow({ where: { workerId: worker.id } });
    expect(e).toMatchObject({ status: 'RETURNED_HOME', channel: 'TELEGRAM', source: 'WORKER' });
    expect((await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } })).isReturnee).toBe(true);
  });
});
