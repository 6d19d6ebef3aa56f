import { PassThrough } from 'node:stream';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsolePhone } from '../../src/simulators/phone.js';
import { startTelegramSimulator, type TelegramSimulator } from '../../src/simulators/telegram/index.js';
import { startTwilioSimulator, type TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { type Receiver, startReceiver } from './receiver.js';

describe('console phone', () => {
  let tw: TwilioSimulator;
  let tg: TelegramSimulator;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver({
      '/sms': (req) => {
        const r = new twilio.twiml.MessagingResponse();
        r.message(`收到 ${String(req.body.Body)}`);
        return { type: 'text/xml', body: r.toString() };
      },
      '/voice': () => {
        const r = new twilio.twiml.VoiceResponse();
        r.gather({ action: '/voice/menu', numDigits: 1 }).say('请按 1');
        return { type: 'text/xml', body: r.toString() };
      },
      '/voice/menu': (req) => {
        const r = new twilio.twiml.VoiceResponse();
        r.say(`你按了 ${String(req.body.Digits)}`);
        return { type: 'text/xml', body: r.toString() };
      },
      '/tg': (req) => {
        const u = req.body as {
          message?: { chat: { id: number } };
          callback_query?: { message: { chat: { id: number }; message_id: number } };
        };
        if (u.callback_query) {
          const m = u.callback_query.message;
          return {
            type: 'application/json',
            body: { method: 'editMessageText', chat_id: m.chat.id, message_id: m.message_id, text: '已报到' },
          };
        }
        return {
          type: 'application/json',
          body: {
            method: 'sendMessage',
            chat_id: u.message!.chat.id,
            text: '欢迎',
            reply_markup: { inline_keyboard: [[{ text: '报到', callback_data: 'checkin' }]] },
          },
        };
      },
    });
    tw = await startTwilioSimulator({ webhookBase: receiver.url, smsWebhookUrl: '/sms', voiceWebhookUrl: '/voice' });
    tg = await startTelegramSimulator();
    await fetch(`${tg.url}/bot${tg.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.url}/tg` }),
    });
  });

  afterAll(async () => {
    await tw.close();
    await tg.close();
    await receiver.close();
  });

  it('turns typed lines into texts, Telegram messages, button presses and calls, and prints the answers', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
    });
    const phone = startConsolePhone({ twilio: tw, telegram: tg, input, output, phoneNumber: '+8613800138000', chatId: 77 });
    input.end(['报到', 'tg /start', 'press checkin', 'press nothing', 'call 1', ''].join('\n'));
    await phone.done;
    expect(printed.split('\n')).toEqual([
      '📩 SMS from +15005550006: 收到 报到',
      '🤖 欢迎',
      '   [报到 → press checkin]',
      '🤖 (edited) 已报到',
      '! no button "nothing" on the bot\'s messages',
      '📞 请按 1',
      '📞 你按了 1',
      '📞 call ended (completed)',
      '',
    ]);
    expect(tw.messages({ direction: 'inbound' }).map((m) => m.from)).toEqual(['+8613800138000']);
  });
});
