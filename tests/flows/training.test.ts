/**
 * Training requests (培训 / TRAINING): a trade from the template list, a preferred month; the
 * request lands on the current month's training-demand list (Asia/Shanghai).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDate, shanghaiMonth } from '../../src/ledger/china-time.js';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import type { TestService } from '../helpers/service.js';
import { buttons, press, SERVICE_NUMBER, smsScript, startFlowService, telegram } from './helpers.js';

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

/** Month m's next occurrence, as the flow computes it. */
function expectedMonth(m: number): string {
  const [y, cm] = shanghaiDate(new Date());
  return `${m >= cm ? y : y + 1}-${String(m).padStart(2, '0')}`;
}

describe('training requests', () => {
  it('by SMS: the trade list from templates, a month, and the row on this month’s list; asking again updates it', async () => {
    const phone = '+8613800139301';
    const { worker } = await seedWorker(db(), { phone });
    const replies = await smsScript(sim, phone, ['培训', '2', '13', '5']);
    expect(replies[0]).toMatch(/\n1 电工\n2 焊工\n3 家政服务\n4 中式烹调\n5 电子商务\n6 养老护理\n7 叉车驾驶\n8 美容美发$/);
    expect(replies[1]).toContain('焊工：希望几月参加');
    expect(replies[2]).toContain('请回复0到12之间的数字');
    expect(replies[3]).toContain('已登记焊工培训需求');
    const row = await db().prisma.trainingRequest.findFirstOrThrow({ where: { workerId: worker.id } });
    expect(row).toMatchObject({
      trade: 'welder',
      preferredMonth: expectedMonth(5),
      listMonth: shanghaiMonth(new Date()),
      channel: 'SMS',
    });
    expect(row.inboundMessageId).not.toBeNull();

    await smsScript(sim, phone, ['TRAINING', '焊工', '0']);
    const rows = await db().prisma.trainingRequest.findMany({ where: { workerId: worker.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.preferredMonth).toBeNull();
  });

  it('by Telegram buttons, in English', async () => {
    const chat = 700701;
    const { worker } = await seedWorker(db(), { telegramChatId: BigInt(chat), language: 'en' });
    const list = await telegram(tg, chat, 'training');
    expect(list.text).toContain('Which free skills training');
    expect(buttons(list)).toHaveLength(8);
    const month = await press(tg, chat, '6');
    expect(month.text).toContain('Elderly care: which month');
    expect((await telegram(tg, chat, '11')).text).toContain('Elderly care training is recorded');
    expect(await db().prisma.trainingRequest.findFirst({ where: { workerId: worker.id } })).toMatchObject({
      trade: 'elderly_care',
      preferredMonth: expectedMonth(11),
      channel: 'TELEGRAM',
    });
  });

  it('by phone: menu 3, trade by key, month keyed in with #', async () => {
    const phone = '+8613600137301';
    const { worker } = await seedWorker(db(), { phone });
    const call = await sim.placeInboundCall({
      from: phone,
      to: SERVICE_NUMBER,
      steps: [{ digits: '3' }, { digits: '1' }, { digits: '9' }],
    });
    expect(call.documents[1]!.says.join('')).toContain('电工请按1');
    expect(call.documents[2]!.gather).toMatchObject({ input: 'dtmf speech' });
    expect(call.documents[2]!.gather?.numDigits).toBeUndefined();
    expect(call.says.join('')).toContain('已登记电工培训需求');
    expect(await db().prisma.trainingRequest.findFirst({ where: { workerId: worker.id } })).toMatchObject({
      trade: 'electrician',
      preferredMonth: expectedMonth(9),
      channel: 'VOICE',
    });
    // Key 9 answered the month; it did not opt the caller out.
    expect(await db().prisma.optOut.count({ where: { address: phone } })).toBe(0);
  });
});
