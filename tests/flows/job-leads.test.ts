/**
 * Job leads (找工作 / JOBS): up to three open leads that match the worker, each shown one a
 * service contact; "interested in 2" records the interest and tells the county. SMS, Telegram
 * buttons and phone keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import type { TestService } from '../helpers/service.js';
import { buttons, press, SERVICE_NUMBER, sms, startFlowService, telegram } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let tg: TelegramSimulator;
const db = () => svc.running.container.db;
const leads = new Map<string, number>();

beforeAll(async () => {
  ({ svc, sim, tg } = await startFlowService());
  // Regions come with the first seeded worker.
  const { county } = await seedWorker(db(), {});
  const city = county.parentId!;
  const province = (await db().prisma.region.findUniqueOrThrow({ where: { id: city } })).parentId!;
  const other = await db().prisma.region.create({
    data: { code: '610827000000', name: '米脂县', level: 'COUNTY', parentId: city },
  });
  const lead = (name: string, data: Record<string, unknown>) =>
    db()
      .prisma.jobLead.create({
        data: { title: name, employer: `${name}公司`, place: '榆林', regionId: county.id, wageMin: 3000, wageMax: 4500, ...data },
      })
      .then((l) => {
        leads.set(name, l.id);
      });
  await lead('焊工', { regionId: city, skills: ['welder'] });
  await lead('普工', {});
  await lead('保洁', { regionId: province, wageMax: null });
  await lead('江苏电子厂', { regionId: province, outOfProvince: true, partnerCity: '苏州' });
  await lead('米脂岗位', { regionId: other.id });
  await lead('已关闭', { status: 'CLOSED' });
  await lead('厨师', { skills: ['cook'] });
  await lead('已过期', { expiresAt: new Date(Date.now() - 86_400_000) });
});
afterAll(async () => {
  await svc?.stop();
});

async function jobSeeker(extra: { phone?: string; telegramChatId?: bigint; language?: string }) {
  const seeded = await seedWorker(db(), extra);
  await db().prisma.worker.update({ where: { id: seeded.worker.id }, data: { skills: ['welder'], willingToWorkAway: false } });
  return seeded;
}

describe('job leads', () => {
  it('by SMS: the three best matches, each a service contact; "有意向 2" records the interest and tells the county', async () => {
    const phone = '+8613800139201';
    const { worker } = await jobSeeker({ phone });
    const list = await sms(sim, phone, '找工作');
    expect(list).toContain('为您找到3个岗位');
    expect(list).toMatch(
      /\n1 焊工｜焊工公司｜榆林｜3000-4500元\/月\n2 普工｜.*\n3 保洁｜保洁公司｜榆林｜3000元\/月起\n0 都不合适$/,
    );

    const reply = await db().prisma.outboundMessage.findFirstOrThrow({ where: { toAddress: phone }, orderBy: { id: 'desc' } });
    const contacts = await db().prisma.serviceContact.findMany({ where: { workerId: worker.id }, orderBy: { jobLeadId: 'asc' } });
    expect(contacts.map((c) => c.jobLeadId).sort()).toEqual([leads.get('焊工'), leads.get('普工'), leads.get('保洁')].sort());
    for (const c of contacts) expect(c).toMatchObject({ kind: 'JOB_LEAD', channel: 'SMS', outboundMessageId: reply.id });

    expect(await sms(sim, phone, '有意向 2')).toContain('已记录您对“普工”的意向');
    const interest = await db().prisma.jobLeadInterest.findFirstOrThrow({ where: { workerId: worker.id } });
    expect(interest).toMatchObject({ jobLeadId: leads.get('普工'), channel: 'SMS' });
    expect(interest.inboundMessageId).not.toBeNull();
    const task = await db().prisma.staffTask.findFirstOrThrow({ where: { workerId: worker.id } });
    expect(task).toMatchObject({
      kind: 'job_lead_interest',
      regionId: worker.villageId,
      inboundMessageId: interest.inboundMessageId,
    });
    expect(task.title).toContain('普工');
  });

  it('by Telegram: lead buttons; pressing 1 records interest in the first', async () => {
    const chat = 700601;
    const { worker } = await jobSeeker({ telegramChatId: BigInt(chat) });
    const list = await telegram(tg, chat, '找工作');
    expect(buttons(list)).toEqual(['1', '2', '3', '0']);
    const done = await press(tg, chat, '1');
    expect(done.text).toContain('焊工');
    expect(await db().prisma.jobLeadInterest.findFirst({ where: { workerId: worker.id } })).toMatchObject({
      jobLeadId: leads.get('焊工'),
      channel: 'TELEGRAM',
    });
  });

  it('by phone: the leads read out with their keys; key 3 for the third', async () => {
    const phone = '+8613600137201';
    const { worker } = await jobSeeker({ phone });
    const call = await sim.placeInboundCall({ from: phone, to: SERVICE_NUMBER, steps: [{ digits: '2' }, { digits: '3' }] });
    expect(call.documents[1]!.says.join('')).toMatch(/榆林保洁公司招保洁.*有意向请按3/);
    expect(await db().prisma.jobLeadInterest.findFirst({ where: { workerId: worker.id } })).toMatchObject({
      jobLeadId: leads.get('保洁'),
      channel: 'VOICE',
    });
    expect(await db().prisma.serviceContact.count({ where: { workerId: worker.id, channel: 'VOICE' } })).toBe(3);
  });

  it('a worker willing to work away also sees the partner-city lead; with none open, says so', async () => {
    const phone = '+8613800139202';
    const { worker } = await seedWorker(db(), { phone });
    await db().prisma.worker.update({ where: { id: worker.id }, data: { willingToWorkAway: true } });
    const list = await sms(sim, phone, 'JOBS');
    expect(list).toContain('江苏电子厂');
    expect(list).not.toContain('焊工'); // needs a skill this worker lacks
    expect(await sms(sim, phone, '0')).toContain('有新岗位会再通知您');

    await db().prisma.jobLead.updateMany({ data: { status: 'FILLED' } });
    await sms(sim, phone, '培训');
    // The keyword ends the training question even though the job-lead flow ends at once.
    expect(await sms(sim, phone, '找工作')).toContain('暂时没有适合您的岗位');
    expect(await db().prisma.conversationSession.count({ where: { address: phone, status: 'ACTIVE' } })).toBe(0);
  });
});
