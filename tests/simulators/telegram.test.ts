import Fastify, { type FastifyInstance } from 'fastify';
import { Bot, GrammyError, InlineKeyboard, Keyboard, webhookCallback } from 'grammy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  commandEntities,
  DEFAULT_BOT_TOKEN,
  startTelegramSimulator,
  type TelegramSimulator,
} from '../../src/simulators/telegram/index.js';
import { startReceiver } from './receiver.js';

const CHAT = 424242;
const SECRET = 'sim-secret_42';

async function grammyError(p: Promise<unknown>): Promise<GrammyError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GrammyError);
    return err as GrammyError;
  }
  throw new Error('expected the call to fail');
}

describe('Telegram simulator through grammY', () => {
  let sim: TelegramSimulator;
  let bot: Bot;

  beforeAll(async () => {
    sim = await startTelegramSimulator();
    bot = new Bot(sim.token, { client: { apiRoot: sim.url } });
  });
  afterAll(() => sim.close());
  afterEach(() => sim.reset());

  it('answers getMe for its token, 401 for another token and 404 for an unknown method', async () => {
    expect(sim.token).toBe(DEFAULT_BOT_TOKEN);
    expect(sim.token).toMatch(/^\d+:[\w-]{20,}$/);
    const me = await bot.api.getMe();
    expect(me).toMatchObject({ id: 7000000001, is_bot: true, username: 'outreach_sim_bot' });

    const stranger = new Bot('7000000002:AAanotherTokenThatIsNotKnown-000002', { client: { apiRoot: sim.url } });
    const err = await grammyError(stranger.api.getMe());
    expect([err.error_code, err.description]).toEqual([401, 'Unauthorized']);

    const res = await fetch(`${sim.url}/bot${sim.token}/sendTelepathy`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
    // Method names are case-insensitive on Telegram.
    expect(await (await fetch(`${sim.url}/bot${sim.token}/GETME`)).json()).toMatchObject({
      ok: true,
      result: { id: 7000000001 },
    });
  });

  it('refuses to message a chat that never wrote to the bot, like Telegram', async () => {
    const err = await grammyError(bot.api.sendMessage(CHAT, 'hi'));
    expect([err.error_code, err.description]).toEqual([400, 'Bad Request: chat not found']);
  });

  it('sends messages with inline and request_contact keyboards, numbers them per chat and records them', async () => {
    sim.registerChat(CHAT);
    const first = await bot.api.sendMessage(CHAT, '请选择', {
      reply_markup: new InlineKeyboard().text('报到', 'checkin').text('求助', 'help'),
    });
    expect(first.message_id).toBe(1);
    expect(first.chat).toMatchObject({ id: CHAT, type: 'private' });
    expect(first.from).toMatchObject({ id: 7000000001, is_bot: true });
    expect(first.reply_markup?.inline_keyboard[0]?.map((b) => b.text)).toEqual(['报到', '求助']);

    const second = await bot.api.sendMessage(CHAT, '请分享手机号', {
      reply_markup: new Keyboard().requestContact('分享手机号').oneTime().resized(),
    });
    expect(second.message_id).toBe(2);
    expect(second.reply_markup).toBeUndefined(); // Telegram echoes only inline keyboards
    expect(sim.replyKeyboard(CHAT)).toMatchObject({
      keyboard: [[{ text: '分享手机号', request_contact: true }]],
      one_time_keyboard: true,
    });

    const sent = sim.sentMessages(CHAT);
    expect(sent.map((m) => [m.messageId, m.text])).toEqual([
      [1, '请选择'],
      [2, '请分享手机号'],
    ]);
    expect(sim.sentMessages(CHAT + 1)).toEqual([]);

    const edited = await bot.api.editMessageText(CHAT, 1, '已选择：报到');
    expect(edited).toMatchObject({ message_id: 1, text: '已选择：报到' });
    expect(sim.sentMessages(CHAT)[0]).toMatchObject({ text: '已选择：报到', edits: 1 });
    expect(sim.sentMessages(CHAT)[0]!.message.reply_markup).toBeUndefined(); // the edit dropped the keyboard
    const same = await grammyError(bot.api.editMessageText(CHAT, 1, '已选择：报到'));
    expect(same.description).toMatch(/^Bad Request: message is not modified/);
    const missing = await grammyError(bot.api.editMessageText(CHAT, 99, 'x'));
    expect(missing.description).toBe('Bad Request: message to edit not found');

    await bot.api.sendChatAction(CHAT, 'typing');
    expect(sim.chatActions(CHAT).map((a) => a.action)).toEqual(['typing']);
  });

  it('applies parse_mode and refuses text Telegram cannot parse', async () => {
    sim.registerChat(CHAT);
    const html = await bot.api.sendMessage(CHAT, '<b>张三</b> &amp; 家人', { parse_mode: 'HTML' });
    expect(html.text).toBe('张三 & 家人');
    const br = await grammyError(bot.api.sendMessage(CHAT, '第一行<br>第二行', { parse_mode: 'HTML' }));
    expect(br.description).toBe('Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 9');
    const dot = await grammyError(bot.api.sendMessage(CHAT, '已报到.', { parse_mode: 'MarkdownV2' }));
    expect(dot.description).toMatch(/Character '\.' is reserved/);
    expect((await bot.api.sendMessage(CHAT, '*已报到*\\.', { parse_mode: 'MarkdownV2' })).text).toBe('已报到.');
    const empty = await grammyError(bot.api.sendMessage(CHAT, ' '));
    expect(empty.description).toBe('Bad Request: message text is empty');
    const longData = await grammyError(
      bot.api.sendMessage(CHAT, 'x', { reply_markup: new InlineKeyboard().text('a', 'd'.repeat(65)) }),
    );
    expect(longData.description).toBe('Bad Request: BUTTON_DATA_INVALID');
  });

  it('fails sends on request: blocked 403, 429 with retry_after, 500, then recovers', async () => {
    sim.registerChat(CHAT);
    sim.injectFailure({ kind: 'blocked', chatId: CHAT });
    sim.injectFailure({ kind: 'rate-limited', retryAfter: 3 });
    sim.injectFailure({ kind: 'server-error' });

    const blocked = await grammyError(bot.api.sendMessage(CHAT, 'a'));
    expect([blocked.error_code, blocked.description]).toEqual([403, 'Forbidden: bot was blocked by the user']);
    const limited = await grammyError(bot.api.sendMessage(CHAT, 'b'));
    expect(limited.error_code).toBe(429);
    expect(limited.parameters.retry_after).toBe(3);
    expect(limited.description).toBe('Too Many Requests: retry after 3');
    const server = await grammyError(bot.api.sendMessage(CHAT, 'c'));
    expect(server.error_code).toBe(500);

    expect((await bot.api.sendMessage(CHAT, 'd')).text).toBe('d');
    expect(sim.sentMessages(CHAT).map((m) => m.text)).toEqual(['d']);
    expect(sim.apiCalls('sendMessage').map((c) => c.status)).toEqual([403, 429, 500, 200]);
  });

  it('emulates Telegram rate limits when asked', async () => {
    const limited = await startTelegramSimulator({ rateLimit: { perChatPerSecond: 2 }, strictChats: false });
    try {
      const b = new Bot(limited.token, { client: { apiRoot: limited.url } });
      await b.api.sendMessage(1, 'a');
      await b.api.sendMessage(1, 'b');
      const err = await grammyError(b.api.sendMessage(1, 'c'));
      expect([err.error_code, err.parameters.retry_after]).toEqual([429, 1]);
      expect((await b.api.sendMessage(2, 'other chat')).text).toBe('other chat');
    } finally {
      await limited.close();
    }
  });

  it('reads form-urlencoded and multipart parameters like JSON ones', async () => {
    sim.registerChat(CHAT);
    const markup = JSON.stringify({ inline_keyboard: [[{ text: '好', callback_data: 'ok' }]] });
    const form = await fetch(`${sim.url}/bot${sim.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: String(CHAT), text: '表单', reply_markup: markup }).toString(),
    });
    expect(await form.json()).toMatchObject({
      ok: true,
      result: { text: '表单', reply_markup: { inline_keyboard: [[{ callback_data: 'ok' }]] } },
    });

    const multipart = new FormData();
    multipart.set('chat_id', String(CHAT));
    multipart.set('text', '多部分');
    multipart.set('reply_markup', markup);
    const mp = await fetch(`${sim.url}/bot${sim.token}/sendMessage`, { method: 'POST', body: multipart });
    expect(await mp.json()).toMatchObject({ ok: true, result: { message_id: 2, text: '多部分' } });
    expect(sim.sentMessages(CHAT)[1]!.replyMarkup).toEqual(JSON.parse(markup));
  });

  it('queues updates for getUpdates (long polling) when no webhook is set, and refuses getUpdates with one', async () => {
    const first = await sim.sendText(CHAT, '/start');
    expect(first.queued).toBe(true);
    const updates = await bot.api.getUpdates({ offset: 0, timeout: 0 });
    expect(updates.map((u) => u.update_id)).toEqual([first.updateId]);
    expect(updates[0]!.message?.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);

    const poll = bot.api.getUpdates({ offset: first.updateId + 1, timeout: 5 });
    setTimeout(() => void sim.sendText(CHAT, '你好'), 30);
    const started = Date.now();
    const next = await poll;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(next.map((u) => u.message?.text)).toEqual(['你好']);
    expect(next[0]!.update_id).toBe(first.updateId + 1);

    await bot.api.setWebhook('http://127.0.0.1:9/unused');
    try {
      const conflict = await grammyError(bot.api.getUpdates());
      expect(conflict.error_code).toBe(409);
    } finally {
      await bot.api.deleteWebhook();
    }
  });

  it('finds bot commands anywhere in a text, with UTF-16 offsets', () => {
    expect(commandEntities('😀 /help@outreach_sim_bot')).toEqual([{ type: 'bot_command', offset: 3, length: 22 }]);
    expect(commandEntities('a/b')).toEqual([]);
  });

  it('runs a method call a webhook answers with (webhook reply)', async () => {
    const receiver = await startReceiver({
      '/hook': (req) => {
        const update = req.body as { message: { chat: { id: number } } };
        return { type: 'application/json', body: { method: 'sendMessage', chat_id: update.message.chat.id, text: '直接回复' } };
      },
    });
    try {
      await bot.api.setWebhook(`${receiver.url}/hook`);
      const res = await sim.sendText(CHAT, 'hi');
      expect(res.status).toBe(200);
      expect(sim.sentMessages(CHAT).map((m) => m.text)).toEqual(['直接回复']);
      expect(sim.apiCalls('sendMessage')[0]!.viaWebhookReply).toBe(true);
    } finally {
      await bot.api.deleteWebhook();
      await receiver.close();
    }
  });
});

describe('Telegram simulator delivering updates to a grammY webhook on Fastify', () => {
  let sim: TelegramSimulator;
  let bot: Bot;
  let app: FastifyInstance;
  let hookUrl: string;
  const handled: number[] = [];

  beforeAll(async () => {
    sim = await startTelegramSimulator();
    bot = new Bot(sim.token, { client: { apiRoot: sim.url } });
    bot.use(async (ctx, next) => {
      handled.push(ctx.update.update_id);
      await next();
    });
    bot.command('start', (ctx) => ctx.reply('欢迎！请报到', { reply_markup: new InlineKeyboard().text('报到', 'checkin') }));
    bot.callbackQuery('checkin', async (ctx) => {
      await ctx.answerCallbackQuery({ text: '已记录' });
      await ctx.editMessageText('已报到 ✅');
    });
    bot.on('message:contact', (ctx) => ctx.reply(`号码：${ctx.message.contact.phone_number}`));
    bot.on('my_chat_member', () => undefined);
    bot.on('message:text', (ctx) => ctx.reply(`收到：${ctx.message.text}`));

    app = Fastify({ logger: false });
    app.post('/telegram', webhookCallback(bot, 'fastify', { secretToken: SECRET }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/telegram`;
    await bot.api.setWebhook(hookUrl, { secret_token: SECRET });
  });

  afterAll(async () => {
    await app.close();
    await sim.close();
  });

  it('knows the webhook grammY set', async () => {
    const info = await bot.api.getWebhookInfo();
    expect(info.url).toBe(hookUrl);
    expect(sim.webhookInfo()).toEqual({ url: hookUrl, secretToken: SECRET, allowedUpdates: null });
  });

  it('delivers /start with the secret header; the bot answers with an inline keyboard', async () => {
    const res = await sim.sendText(CHAT, '/start');
    expect(res.status).toBe(200);
    expect(res.queued).toBe(false);
    expect(sim.webhookDeliveries().at(-1)!.secretToken).toBe(SECRET);
    const [welcome] = sim.sentMessages(CHAT);
    expect(welcome!.text).toBe('欢迎！请报到');
    expect(welcome!.message.reply_markup?.inline_keyboard[0]?.[0]).toEqual({ text: '报到', callback_data: 'checkin' });
  });

  it('delivers button presses as callback queries the bot answers and edits', async () => {
    const welcome = sim.sentMessages(CHAT).find((m) => m.text === '欢迎！请报到')!;
    const press = await sim.pressButton(CHAT, welcome.messageId, 'checkin');
    expect(press.status).toBe(200);
    expect(sim.callbackAnswer(press.callbackQueryId)).toMatchObject({ text: '已记录' });
    expect(sim.sentMessages(CHAT).find((m) => m.messageId === welcome.messageId)!.text).toBe('已报到 ✅');
    // The button is gone after the edit, so pressing it again is impossible.
    await expect(sim.pressButton(CHAT, welcome.messageId, 'checkin')).rejects.toThrow(/no button/);
  });

  it('delivers a shared contact', async () => {
    const res = await sim.shareContact(CHAT, '8613800138000');
    expect(res.status).toBe(200);
    expect(res.update.message?.contact).toEqual({ phone_number: '8613800138000', first_name: `User ${CHAT}`, user_id: CHAT });
    expect(sim.sentMessages(CHAT).at(-1)!.text).toBe('号码：8613800138000');
  });

  it('numbers updates in increasing order and can deliver the same update twice', async () => {
    const a = await sim.sendText(CHAT, '一');
    const b = await sim.sendText(CHAT, '二');
    expect(b.updateId).toBe(a.updateId + 1);
    const before = sim.sentMessages(CHAT).length;
    const again = await sim.redeliver(b.updateId);
    expect(again.status).toBe(200);
    expect(again.update).toBe(b.update);
    expect(handled.filter((id) => id === b.updateId)).toHaveLength(2); // grammY itself does not dedupe
    expect(sim.sentMessages(CHAT).length).toBe(before + 1);
  });

  it('sends a my_chat_member update when the user blocks the bot, then sends fail with 403', async () => {
    const res = await sim.setBlocked(CHAT, true);
    expect(res.status).toBe(200);
    expect(res.update.my_chat_member?.new_chat_member.status).toBe('kicked');
    const err = await grammyError(bot.api.sendMessage(CHAT, 'x'));
    expect(err.error_code).toBe(403);
    await sim.setBlocked(CHAT, false);
    expect((await bot.api.sendMessage(CHAT, 'back')).text).toBe('back');
  });

  it('a webhook with another secret is refused by grammY, and getWebhookInfo shows the error', async () => {
    await bot.api.setWebhook(hookUrl, { secret_token: 'wrong-secret' });
    try {
      const res = await sim.sendText(CHAT, 'x');
      expect(res.status).toBe(401);
      const info = await bot.api.getWebhookInfo();
      expect(info.last_error_message).toBe('Wrong response from the webhook: 401');
      expect(info.pending_update_count).toBe(1);
    } finally {
      await bot.api.setWebhook(hookUrl, { secret_token: SECRET });
    }
  });
});
