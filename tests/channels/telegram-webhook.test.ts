/**
 * Telegram end to end: the Bot API simulator delivers updates to the service's webhook (set by
 * the service at start, with its secret), and receives the replies.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import { seedWorker } from '../helpers/ledger.js';
import { startTestService, type TestService } from '../helpers/service.js';

let svc: TestService;
let tg: TelegramSimulator;
const LINKED_CHAT = 700100;

beforeAll(async () => {
  svc = await startTestService();
  tg = svc.running.container.providers.simulators!.telegram;
  await seedWorker(svc.running.container.db, { telegramChatId: BigInt(LINKED_CHAT), language: 'en' });
});
afterAll(async () => {
  await svc?.stop();
});
beforeEach(() => {
  // Chats the simulator accepts sends to (Telegram refuses chats that never wrote to the bot).
  for (const chat of [LINKED_CHAT, 700200, 700300]) tg.registerChat(chat);
});

const db = () => svc.running.container.db;
const sent = (chat: number) => tg.sentMessages(chat);

describe('Telegram webhook', () => {
  it('was registered by the service with its secret', () => {
    const info = tg.webhookInfo();
    expect(info?.url).toBe(`${svc.running.container.config.PUBLIC_BASE_URL}/webhooks/telegram`);
  });

  it('answers /help in the linked worker’s language', async () => {
    const r = await tg.sendText(LINKED_CHAT, '/help');
    expect(r.status).toBe(200);
    await expect.poll(() => sent(LINKED_CHAT).length, { timeout: 10_000 }).toBe(1);
    expect(sent(LINKED_CHAT)[0]!.text).toContain('Employment assistance');
    const row = await db().prisma.inboundMessage.findUnique({
      where: { channel_providerId: { channel: 'TELEGRAM', providerId: String(r.updateId) } },
    });
    expect(row?.workerId).not.toBeNull();
  });

  it('records a redelivered update once', async () => {
    const r = await tg.sendText(700200, 'hello');
    const again = await tg.redeliver(r.updateId);
    expect(again.status).toBe(200);
    await expect.poll(() => sent(700200).length, { timeout: 10_000 }).toBe(1);
    expect(await db().prisma.inboundMessage.count({ where: { channel: 'TELEGRAM', providerId: String(r.updateId) } })).toBe(1);
    // An unlinked chat is an unknown sender: the registration hint, in Chinese.
    expect(sent(700200)[0]!.text).toMatch(/尚未.*登记/);
  });

  it('refuses an update without the secret token with 401', async () => {
    const update = {
      update_id: 999999,
      message: { message_id: 1, date: 0, chat: { id: 700300, type: 'private' }, text: 'STOP' },
    };
    for (const headers of [{}, { 'x-telegram-bot-api-secret-token': 'wrong' }] as Record<string, string>[]) {
      const res = await fetch(`${svc.url}/webhooks/telegram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(update),
      });
      expect(res.status).toBe(401);
    }
    expect(await db().prisma.inboundMessage.count({ where: { channel: 'TELEGRAM', providerId: '999999' } })).toBe(0);
  });

  it('a user who blocks the bot is opted out, and unblocking opts back in', async () => {
    await tg.setBlocked(700300, true);
    await expect
      .poll(async () => db().prisma.optOut.findUnique({ where: { channel_address: { channel: 'TELEGRAM', address: '700300' } } }))
      .toMatchObject({ source: 'telegram:blocked', optedInAt: null });
    await tg.setBlocked(700300, false);
    await expect
      .poll(
        async () =>
          (await db().prisma.optOut.findUnique({ where: { channel_address: { channel: 'TELEGRAM', address: '700300' } } }))
            ?.optedInAt,
      )
      .not.toBeNull();
  });
});
