/**
 * Webhook payloads in the shapes the providers really send (every field Twilio and Telegram
 * include), run through the real router with app.inject: table-driven, one row per shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/simulators/twilio/index.js';
import { startTestService, type TestService } from '../helpers/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;

/** Twilio's inbound SMS webhook as sent for a Messaging Service number in China. */
function twilioInbound(n: number, body: string, from = '+8613812340000'): Record<string, string> {
  return {
    ToCountry: 'CN',
    ToState: '',
    SmsMessageSid: sid('SM', n),
    NumMedia: '0',
    ToCity: '',
    FromZip: '',
    SmsSid: sid('SM', n),
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: body,
    FromCountry: 'CN',
    To: '+8610690000000',
    MessagingServiceSid: 'MG00000000000000000000000000000001',
    ToZip: '',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: sid('SM', n),
    AccountSid: 'AC00000000000000000000000000000001',
    From: from,
    ApiVersion: '2010-04-01',
  };
}

describe('recorded Twilio SMS payloads', () => {
  const cases = [
    { name: 'Chinese keyword', params: twilioInbound(1, '帮助'), status: 200, text: '帮助' },
    {
      name: 'empty body (MMS without text)',
      params: { ...twilioInbound(2, ''), NumMedia: '1', MediaContentType0: 'image/jpeg' },
      status: 200,
      text: '',
    },
    {
      name: 'emoji and full-width text',
      params: twilioInbound(3, '我找到工作了👍，在西安'),
      status: 200,
      text: '我找到工作了👍，在西安',
    },
    {
      name: 'long multi-segment body',
      params: { ...twilioInbound(4, '好'.repeat(200)), NumSegments: '3' },
      status: 200,
      text: '好'.repeat(200),
    },
    { name: 'malformed MessageSid', params: { ...twilioInbound(5, 'x'), MessageSid: 'SM123' }, status: 400, text: null },
    {
      name: 'missing From',
      params: Object.fromEntries(Object.entries(twilioInbound(6, 'x')).filter(([k]) => k !== 'From')),
      status: 400,
      text: null,
    },
  ];

  it.each(cases)('$name → $status', async ({ params, status, text }) => {
    const { app, container } = svc.running;
    const path = '/webhooks/twilio/sms';
    const res = await app!.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(
          container.providers.twilio.authToken,
          container.config.PUBLIC_BASE_URL + path,
          params,
        ),
      },
      payload: new URLSearchParams(params).toString(),
    });
    expect(res.statusCode).toBe(status);
    const row = await container.db.prisma.inboundMessage.findFirst({
      where: { channel: 'SMS', providerId: params.MessageSid ?? '' },
    });
    if (text === null) {
      expect(row).toBeNull();
      expect(res.json().error).toBe('validation_error');
    } else {
      expect(res.headers['content-type']).toMatch(/text\/xml/);
      expect(row).toMatchObject({ text, fromAddress: params.From });
    }
  });
});

describe('recorded Telegram updates', () => {
  const chat = { id: 5_555_001, first_name: '李', last_name: '四', username: 'lisi_worker', type: 'private' };
  const from = {
    id: 5_555_001,
    is_bot: false,
    first_name: '李',
    last_name: '四',
    username: 'lisi_worker',
    language_code: 'zh-hans',
  };
  const cases = [
    {
      name: 'command with entities',
      update: {
        update_id: 910001,
        message: {
          message_id: 11,
          from,
          chat,
          date: 1764400000,
          text: '/start',
          entities: [{ offset: 0, length: 6, type: 'bot_command' }],
        },
      },
      text: '/start',
    },
    {
      name: 'plain Chinese text',
      update: { update_id: 910002, message: { message_id: 12, from, chat, date: 1764400001, text: '找工作' } },
      text: '找工作',
    },
    {
      name: 'inline button press',
      update: {
        update_id: 910003,
        callback_query: {
          id: '4382bfdwdsb323b2d9',
          from,
          message: {
            message_id: 13,
            from: { id: 7000000001, is_bot: true, first_name: 'Bot' },
            chat,
            date: 1764400002,
            text: '您现在的就业状态?',
          },
          chat_instance: '-8123456789',
          data: '1',
        },
      },
      text: '1',
    },
    {
      name: 'shared contact',
      update: {
        update_id: 910004,
        message: {
          message_id: 14,
          from,
          chat,
          date: 1764400003,
          contact: { phone_number: '8613812340000', first_name: '李', user_id: 5_555_001 },
        },
      },
      text: null,
    },
  ];

  it.each(cases)('$name is recorded once', async ({ update, text }) => {
    const { app, container } = svc.running;
    const send = () =>
      app!.inject({
        method: 'POST',
        url: '/webhooks/telegram',
        headers: {
          'content-type': 'application/json',
          'x-telegram-bot-api-secret-token': container.providers.telegram.webhookSecret,
        },
        payload: update,
      });
    expect((await send()).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(200); // Telegram redelivers after a slow answer
    const rows = await container.db.prisma.inboundMessage.findMany({
      where: { channel: 'TELEGRAM', providerId: String(update.update_id) },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text, fromAddress: String(chat.id) });
  });

  it('an update without update_id is refused with 400', async () => {
    const { app, container } = svc.running;
    const res = await app!.inject({
      method: 'POST',
      url: '/webhooks/telegram',
      headers: {
        'content-type': 'application/json',
        'x-telegram-bot-api-secret-token': container.providers.telegram.webhookSecret,
      },
      payload: { message: { text: 'hi' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/update_id/);
  });
});
