/**
 * Global commands in any conversation (help, language, a person), and identification: a
 * Telegram chat links by sharing its own contact card or by a code sent by SMS; unknown senders
 * reach no ledger data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import { settled, type TestService } from '../helpers/service.js';
import { buttons, nextTelegram, seedFamily, sms, smsScript, startFlowService, telegram } from './helpers.js';

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

describe('global commands', () => {
  it('HELP lists the flows as a numbered menu, and a number starts one', async () => {
    const phone = '+8613800139601';
    await seedWorker(db(), { phone });
    const menu = await sms(sim, phone, '帮助');
    expect(menu).toMatch(/^就业帮扶服务，请回复编号.*\n1 报告就业变化（状态）\n2 找工作\n3 报名培训\n0 联系工作人员（转人工）$/);
    expect(await sms(sim, phone, '3')).toContain('想参加哪种免费技能培训');
  });

  it('switches language mid-conversation and asks the same question again; 中文 switches back', async () => {
    const phone = '+8613800139602';
    const { worker } = await seedWorker(db(), { phone });
    const [, en] = await smsScript(sim, phone, ['状态', 'English']);
    expect(en).toMatch(/^Language set to English\.\nWhat has changed in your work\?/);
    expect((await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } })).language).toBe('en');
    expect(await sms(sim, phone, '4')).toContain('We have no work record yet');
    expect(await sms(sim, phone, '中文')).toContain('已切换为中文');
    expect((await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } })).language).toBe('zh-CN');
    const audit = await db().prisma.auditLog.findMany({
      where: { action: 'language_changed', entityId: String(worker.id) },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.details)).toMatchObject([
      { from: 'zh-CN', to: 'en', channel: 'SMS' },
      { from: 'en', to: 'zh-CN', channel: 'SMS' },
    ]);

    const family = await seedFamily(db(), worker.id, '+8613900139602');
    expect(await sms(sim, family.phone, 'ENGLISH')).toContain('Language set to English');
    expect((await db().prisma.familyContact.findUniqueOrThrow({ where: { id: family.id } })).language).toBe('en');
  });

  it('a conversation a deploy left behind (unknown step) ends instead of failing every message', async () => {
    const phone = '+8613800139605';
    await seedWorker(db(), { phone });
    await sms(sim, phone, '培训');
    await db().pool.query(`UPDATE "ConversationSession" SET step = 'gone' WHERE address = $1 AND status = 'ACTIVE'`, [phone]);
    expect(await sms(sim, phone, '1')).toContain('就业帮扶服务');
  });

  it('转人工 ends the conversation and opens a task in the worker’s village', async () => {
    const phone = '+8613800139603';
    const { worker } = await seedWorker(db(), { phone });
    const [, human] = await smsScript(sim, phone, ['培训', '转人工']);
    expect(human).toContain('已为您转人工');
    const task = await db().prisma.staffTask.findFirstOrThrow({ where: { workerId: worker.id } });
    expect(task).toMatchObject({ kind: 'human_help', regionId: worker.villageId });
    expect(task.details).toMatchObject({ during: 'training' });
    expect(await db().prisma.conversationSession.count({ where: { address: phone, status: 'ACTIVE' } })).toBe(0);
  });

  it('a family member reports status for their worker, but job leads are the worker’s own', async () => {
    const { worker } = await seedWorker(db(), { phone: '+8613800139604' });
    const family = await seedFamily(db(), worker.id, '+8613900139604');
    const menu = await sms(sim, family.phone, '帮助');
    expect(menu).toMatch(/\n1 报告就业变化（状态）\n0 联系工作人员（转人工）$/);
    expect(await sms(sim, family.phone, '找工作')).toContain('只能由本人使用');
    const replies = await smsScript(sim, family.phone, ['状态', '3', '昨天', '1']);
    expect(replies[0]).toContain('您家人的就业情况');
    const e = await db().prisma.employmentEvent.findFirstOrThrow({ where: { workerId: worker.id } });
    expect(e).toMatchObject({ status: 'RETURNED_HOME', source: 'FAMILY', familyContactId: family.id, channel: 'SMS' });
  });
});

describe('Telegram identification', () => {
  it('an unknown chat is told how to link and sees nothing else', async () => {
    const chat = 700901;
    const r = await telegram(tg, chat, '状态');
    expect(r.text).toMatch(/尚未.*登记/);
    expect(r.text).toContain('绑定 手机号');
    expect(buttons(r)).toEqual([]);
  });

  it('sharing one’s own contact links the chat; someone else’s card does not', async () => {
    const { worker } = await seedWorker(db(), { phone: '+8613800139611' });
    const chat = 700902;
    const before = tg.sentMessages(chat).length;
    await tg.shareContact(chat, '+8613800139611', { userId: null }); // a card of someone else: no user_id
    expect((await nextTelegram(tg, chat, before)).text).toContain('只能分享您本人的号码');
    await tg.shareContact(chat, '+8613800139611', { userId: 424242 });
    expect((await nextTelegram(tg, chat, before + 1)).text).toContain('只能分享您本人的号码');
    expect((await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } })).telegramChatId).toBeNull();

    await tg.shareContact(chat, '8613800139611'); // own card: user_id is the sender's; Telegram omits the +
    const linked = await nextTelegram(tg, chat, before + 2);
    expect(linked.text).toMatch(/^绑定成功。\n就业帮扶服务/);
    expect(buttons(linked)).toEqual(['1', '2', '3', '0']);
    expect((await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } })).telegramChatId).toBe(BigInt(chat));
    expect(
      await db().prisma.auditLog.findFirst({ where: { action: 'telegram_linked', entityId: String(worker.id) } }),
    ).toMatchObject({
      details: { via: 'contact' },
    });
  });

  it('links by a one-time code sent by SMS; an unregistered number gets the same answer and no SMS', async () => {
    const phone = '+8613800139612';
    const { worker } = await seedWorker(db(), { phone });
    const chat = 700903;
    const asked = await telegram(tg, chat, '绑定 138 0013 9612');
    expect(asked.text).toContain('如果该号码已登记');
    await expect.poll(() => sim.messages({ to: phone, direction: 'outbound-api' }).length, { timeout: 10_000 }).toBe(1);
    const code = sim.messages({ to: phone, direction: 'outbound-api' })[0]!.body.match(/(\d{6})/)![1]!;
    expect((await telegram(tg, chat, '000000')).text).toContain('验证码不对');
    expect((await telegram(tg, chat, code)).text).toContain('绑定成功');
    expect((await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id } })).telegramChatId).toBe(BigInt(chat));
    expect((await telegram(tg, chat, '/help')).text).toContain('就业帮扶服务');

    const stranger = 700904;
    const same = await telegram(tg, stranger, '/link 13800139699');
    expect(same.text).toBe(asked.text);
    await settled(svc);
    expect(sim.messages({ to: '+8613800139699' })).toHaveLength(0);
    // Three wrong codes end it; nothing is linked.
    await telegram(tg, stranger, '123456');
    await telegram(tg, stranger, '234567');
    expect((await telegram(tg, stranger, '345678')).text).toContain('本次对话已结束');
    expect(await db().prisma.worker.count({ where: { telegramChatId: BigInt(stranger) } })).toBe(0);
  });

  it('a number that is no mainland mobile (a landline, a foreign number) is refused before any code is sent', async () => {
    const chat = 700905;
    for (const number of ['010-6234-5678', '+1 415 555 0123']) {
      expect((await telegram(tg, chat, `绑定 ${number}`)).text).toContain('号码格式不对');
    }
    expect(await db().prisma.conversationSession.count({ where: { address: String(chat), flow: 'link_telegram' } })).toBe(0);
  });
});
