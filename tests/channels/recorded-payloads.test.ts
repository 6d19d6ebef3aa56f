/**
 * Webhook payloads in the shapes the providers really send (every field Twilio and Telegram
 * include), run through the real router with app.inject: table-driven, one row per shape. Besides
 * our own recordings, the payloads of a peer gateway's test suite (nyaruka/courier,
 * handlers/twiml/handlers_test.go and handlers/telegram/handler_test.go): media, captions,
 * unknown update kinds, out-of-order and unknown statuses, malformed bodies. None may answer 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
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

/** Posts a form to a Twilio webhook path, signed (or not) as Twilio signs it. */
function postTwilio(path: string, params: Record<string, string>, signed = true) {
  const { app, container } = svc.running;
  return app!.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signed
        ? {
            'x-twilio-signature': twilioSignature(
              container.providers.twilio.authToken,
              container.config.PUBLIC_BASE_URL + path,
              params,
            ),
          }
        : {}),
    },
    payload: new URLSearchParams(params).toString(),
  });
}

/** courier's twiml inbound payload (handlers/twiml/handlers_test.go), with a sid of our own. */
function courierInbound(n: number, extra: Record<string, string> = {}): Record<string, string> {
  const s = sid('SM', 0xc0de00 + n);
  return {
    ToCountry: 'US',
    ToState: 'District Of Columbia',
    SmsMessageSid: s,
    NumMedia: '0',
    ToCity: '',
    FromZip: '01022',
    SmsSid: s,
    FromState: 'MA',
    SmsStatus: 'received',
    FromCity: 'CHICOPEE',
    Body: 'Msg',
    FromCountry: 'US',
    To: '+12028831111',
    ToZip: '',
    NumSegments: '1',
    MessageSid: s,
    AccountSid: 'acctid',
    From: '+14133881111',
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

describe('courier twiml inbound payloads', () => {
  const withoutBody = (p: Record<string, string>) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'Body'));
  const cases: Array<{ name: string; params: Record<string, string>; text: string; media?: string[] }> = [
    { name: 'Receive Valid', params: courierInbound(1), text: 'Msg' },
    { name: 'Receive Button Ignored', params: courierInbound(2, { ButtonText: 'Confirm' }), text: 'Msg' },
    {
      name: 'Receive Media',
      params: withoutBody(courierInbound(3, { NumMedia: '2', MediaUrl0: 'cat.jpg', MediaUrl1: 'dog.jpg' })),
      text: '',
      media: ['cat.jpg', 'dog.jpg'],
    },
    {
      name: 'Receive Media With Msg',
      params: courierInbound(4, { NumMedia: '2', MediaUrl0: 'cat.jpg', MediaUrl1: 'dog.jpg' }),
      text: 'Msg',
      media: ['cat.jpg', 'dog.jpg'],
    },
    {
      // Stored as sent: the service does not guess at a carrier's encoding.
      name: 'Receive Base64',
      params: courierInbound(5, {
        Body: 'QmFubm9uIEV4cGxhaW5zIFRoZSBXb3JsZCAuLi4K4oCcVGhlIENhbXAgb2YgdGhlIFNhaW50c+KA',
      }),
      text: 'QmFubm9uIEV4cGxhaW5zIFRoZSBXb3JsZCAuLi4K4oCcVGhlIENhbXAgb2YgdGhlIFNhaW50c+KA',
    },
    { name: 'Receive TMS extra', params: courierInbound(6, { To: '384387', Body: 'John Cruz' }), text: 'John Cruz' },
  ];

  it.each(cases)('$name is recorded with its text and media', async ({ params, text, media }) => {
    const res = await postTwilio('/webhooks/twilio/sms', params);
    expect(res.statusCode).toBe(200);
    const row = await svc.running.container.db.prisma.inboundMessage.findFirstOrThrow({
      where: { channel: 'SMS', providerId: params.MessageSid! },
    });
    expect(row.text).toBe(text);
    for (const [i, url] of (media ?? []).entries()) expect(row.payload).toMatchObject({ [`MediaUrl${i}`]: url });
  });

  it('refuses a missing or wrong signature with 403 and no params with 400 naming the field', async () => {
    expect((await postTwilio('/webhooks/twilio/sms', courierInbound(7), false)).statusCode).toBe(403);
    const forged = await svc.running.app!.inject({
      method: 'POST',
      url: '/webhooks/twilio/sms',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'c2lnbmF0dXJl' },
      payload: new URLSearchParams(courierInbound(7)).toString(),
    });
    expect(forged.statusCode).toBe(403);
    const empty = await postTwilio('/webhooks/twilio/sms', { ' ': '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toMatch(/MessageSid/);
  });

  it('a NUL byte in any field is refused with 400 naming the field, and nothing is stored', async () => {
    for (const [field, value] of [
      ['Body', 'a\u0000b'],
      ['FromCity', 'CHICO\u0000PEE'],
      ['From', '+1413388\u00001111'],
    ] as const) {
      const params = courierInbound(field.length + 20, { [field]: value });
      const res = await postTwilio('/webhooks/twilio/sms', params);
      expect(res.statusCode, field).toBe(400);
      expect(res.json().message).toContain(field);
      expect(await svc.running.container.db.prisma.inboundMessage.count({ where: { providerId: params.MessageSid! } })).toBe(0);
    }
  });
});

describe('courier twiml status callbacks', () => {
  const SID = sid('SM', 0x57a7);
  const STOP_SID = sid('SM', 0x5709);
  const status = (params: Record<string, string>, query = '') => postTwilio(`/webhooks/twilio/status${query}`, params);
  const row = (providerId: string) => svc.running.container.db.prisma.outboundMessage.findFirstOrThrow({ where: { providerId } });

  beforeAll(async () => {
    const { db } = svc.running.container;
    for (const providerId of [SID, STOP_SID]) {
      await db.prisma.outboundMessage.create({
        data: {
          kind: 'REPLY',
          channel: 'SMS',
          body: 'x',
          language: 'zh-CN',
          toAddress: '+8613812345001',
          providerId,
          status: 'SENT',
        },
      });
    }
  });

  it('Status Valid, then an older "sent" arriving late, leaves the message delivered', async () => {
    expect((await status({ MessageSid: SID, MessageStatus: 'delivered' })).statusCode).toBe(204);
    expect((await status({ MessageSid: SID, MessageStatus: 'sent' })).statusCode).toBe(204);
    expect((await status({ MessageSid: SID, MessageStatus: 'read' })).statusCode).toBe(204);
    expect((await row(SID)).status).toBe('DELIVERED');
  });

  it('Status Stop contact: failed with 21610 fails the message and opts the number out', async () => {
    const res = await status({ ErrorCode: '21610', MessageSid: STOP_SID, MessageStatus: 'failed', To: '+8613812345001' });
    expect(res.statusCode).toBe(204);
    expect((await row(STOP_SID)).status).toBe('FAILED');
    const optOut = await svc.running.container.db.prisma.optOut.findUnique({
      where: { channel_address: { channel: 'SMS', address: '+8613812345001' } },
    });
    expect(optOut).toMatchObject({ source: 'provider:21610', optedInAt: null });
  });

  it('Status TMS extra (a Messaging Service callback with every field) is accepted', async () => {
    const res = await status({
      SmsStatus: 'sent',
      MessageStatus: 'sent',
      To: '2021',
      MessagingServiceSid: 'MGdb23ec0f89ee2632e46e91d8128f5e2b',
      MessageSid: sid('SM', 0x7e57),
      AccountSid: 'acctid',
      From: '+14133881111',
      ApiVersion: '2010-04-01',
    });
    expect(res.statusCode).toBe(204);
  });

  it.each<{ name: string; params: Record<string, string>; query: string; field: string }>([
    { name: 'Status Invalid Status', params: { MessageSid: SID, MessageStatus: 'huh' }, query: '', field: 'MessageStatus' },
    { name: 'Status No Params', params: { ' ': '' }, query: '', field: 'MessageSid' },
    { name: 'Status ID Invalid', params: { MessageSid: SID, MessageStatus: 'delivered' }, query: '?m=asdf', field: 'm' },
    {
      name: 'an id past the bigint column',
      params: { MessageSid: SID, MessageStatus: 'delivered' },
      query: '?m=9223372036854775808',
      field: 'm',
    },
    {
      name: 'a 19-digit id',
      params: { MessageSid: SID, MessageStatus: 'delivered' },
      query: '?m=9999999999999999999',
      field: 'm',
    },
    {
      name: 'a NUL byte in an unvalidated field',
      params: { MessageSid: SID, MessageStatus: 'delivered', To: '+1\u00002' },
      query: '',
      field: 'To',
    },
  ])('$name answers 400 naming $field', async ({ params, query, field }) => {
    const res = await status(params, query);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(new RegExp(`(body|querystring)/${field}\\b|'${field}'`));
  });

  it('voice callbacks with an id past its column answer 400 naming it', async () => {
    const call = { CallSid: sid('CA', 0xca11), CallStatus: 'completed', From: '+8613812345001' };
    for (const path of ['/webhooks/twilio/voice/status', '/webhooks/twilio/voice/message']) {
      const res = await postTwilio(`${path}?m=9223372036854775808`, call);
      expect(res.statusCode, path).toBe(400);
      expect(res.json().message).toMatch(/querystring\/m\b/);
    }
  });
});

describe('courier telegram updates', () => {
  const CHAT = 3_527_065;
  const from = { id: CHAT, first_name: 'Nic', last_name: 'Pottier', username: 'nicpottier' };
  const chat = { id: CHAT, first_name: 'Nic', last_name: 'Pottier', type: 'private' };
  const message = (update_id: number, body: Record<string, unknown>) => ({
    update_id,
    message: { message_id: update_id % 1000, from, chat, date: 1493843318, ...body },
  });
  const post = (payload: unknown, raw = false) => {
    const { app, container } = svc.running;
    return app!.inject({
      method: 'POST',
      url: '/webhooks/telegram',
      headers: {
        'content-type': 'application/json',
        'x-telegram-bot-api-secret-token': container.providers.telegram.webhookSecret,
      },
      payload: raw ? (payload as string) : JSON.stringify(payload),
    });
  };
  const stored = (updateId: number) =>
    svc.running.container.db.prisma.inboundMessage.findFirst({ where: { channel: 'TELEGRAM', providerId: String(updateId) } });
  const photo = [
    { file_id: 'AgADAQADtKcxG4LRUUQSQVUjfJIiiF8G6C8ABHsRSbk65AmUi3cBAAEC', file_size: 1140, width: 51, height: 90 },
    { file_id: 'AgADAQADtKcxG4LRUUQSQVUjfJIiiF8G6C8ABA9NJzFdXskaincBAAEC', file_size: 104737, width: 720, height: 1280 },
  ];

  const cases: Array<{ name: string; update: { update_id: number }; text: string | null; keeps?: string }> = [
    { name: 'Receive Valid Message', update: message(174114370, { text: 'Hello World' }), text: 'Hello World' },
    { name: 'Receive Start Message', update: message(174114371, { text: '/start' }), text: '/start' },
    {
      name: 'Receive Sticker',
      update: message(174114373, {
        sticker: { width: 436, height: 512, file_id: 'BQADAwADRQADyIsGAAHtBskMy6GoLAI', file_size: 38440 },
      }),
      text: null,
      keeps: 'sticker',
    },
    {
      name: 'Receive Photo (caption)',
      update: message(900946525, { photo, caption: 'Photo Caption' }),
      text: 'Photo Caption',
      keeps: 'photo',
    },
    {
      name: 'Receive Video',
      update: message(900946526, {
        video: { duration: 1, width: 360, height: 640, mime_type: 'video/mp4', file_id: 'BAADAQADBgADgtFRRPFTAAHxLVw76wI' },
      }),
      text: null,
      keeps: 'video',
    },
    {
      name: 'Receive Video with a caption',
      update: message(900946527, {
        video: { duration: 1, width: 360, height: 640, mime_type: 'video/mp4', file_id: 'BAADAQADBgADgtFRRPFTAAHxLVw76wJ' },
        caption: '找工作',
      }),
      text: '找工作',
      keeps: 'video',
    },
    {
      name: 'Receive Voice',
      update: message(900946531, {
        voice: { duration: 1, mime_type: 'audio/ogg', file_id: 'AwADAQADCQADgtFRRGn8KrC-0D_MAg', file_size: 4288 },
      }),
      text: null,
      keeps: 'voice',
    },
    {
      name: 'Receive Document (caption)',
      update: message(900946532, {
        document: {
          file_name: 'TabFig2015prel.xls',
          mime_type: 'application/vnd.ms-excel',
          file_id: 'BQADAQADCgADgtFRRPrv9GQ95f8eAg',
        },
        caption: '帮助',
      }),
      text: '帮助',
      keeps: 'document',
    },
    {
      name: 'Receive Location',
      update: message(900946534, { location: { latitude: -2.890287, longitude: -79.004333 } }),
      text: null,
      keeps: 'location',
    },
    {
      name: 'Receive Venue',
      update: message(900946535, {
        location: { latitude: -2.898944, longitude: -79.006835 },
        venue: { location: { latitude: -2.898944, longitude: -79.006835 }, title: 'Cuenca', address: 'Provincia del Azuay' },
      }),
      text: null,
      keeps: 'venue',
    },
    {
      name: 'Receive Contact (someone else’s card, no user_id)',
      update: message(900946536, { contact: { phone_number: '0788531373', first_name: 'Adolf Taxi' } }),
      text: null,
      keeps: 'contact',
    },
    {
      name: 'Receive WebApp Data',
      update: message(900946537, { web_app_data: { data: '{"first_name": "Bob", "age": "32"}', button_text: 'Register' } }),
      text: null,
      keeps: 'web_app_data',
    },
    {
      name: 'a NUL byte in the text is dropped, not stored',
      update: message(900946538, { text: '找\u0000工作' }),
      text: '找工作',
    },
  ];

  it.each(cases)('$name → 200, recorded once', async ({ update, text, keeps }) => {
    expect((await post(update)).statusCode).toBe(200);
    expect((await post(update)).statusCode).toBe(200);
    const row = await stored(update.update_id);
    expect(row).toMatchObject({ text, fromAddress: String(CHAT) });
    if (keeps) expect((row!.payload as { message: Record<string, unknown> }).message[keeps]).toBeDefined();
    expect(await svc.running.container.db.prisma.inboundMessage.count({ where: { providerId: String(update.update_id) } })).toBe(
      1,
    );
  });

  it.each([
    { name: 'Receive No Params (update_id only)', update: { update_id: 174114380 } },
    {
      name: 'an edited message',
      update: { update_id: 174114381, edited_message: { message_id: 1, chat, date: 1, edit_date: 2, text: 'x' } },
    },
    {
      name: 'a channel post',
      update: {
        update_id: 174114382,
        channel_post: { message_id: 1, chat: { id: -100123, type: 'channel' }, date: 1, text: 'x' },
      },
    },
    {
      name: 'a message reaction',
      update: {
        update_id: 174114383,
        message_reaction: { chat, message_id: 1, date: 1, old_reaction: [], new_reaction: [{ type: 'emoji', emoji: '👍' }] },
      },
    },
  ])('$name → 200, nothing recorded', async ({ update }) => {
    expect((await post(update)).statusCode).toBe(200);
    expect(await stored(update.update_id)).toBeNull();
  });

  it.each([
    { name: 'Receive Invalid JSON', payload: 'foo', raw: true, field: null },
    {
      name: 'a message without its chat',
      payload: { update_id: 174114390, message: { message_id: 1, date: 1, text: 'hi' } },
      field: 'chat',
    },
    {
      name: 'a chat id past any Telegram id',
      payload: message(174114391, { text: 'hi', chat: { ...chat, id: 1e20 } }),
      field: 'id',
    },
    { name: 'a negative update_id', payload: { update_id: -1 }, field: 'update_id' },
    {
      name: 'a button press without its sender',
      payload: { update_id: 174114392, callback_query: { id: '1', chat_instance: '1', data: '1' } },
      field: 'from',
    },
    {
      name: 'a member update without the new status',
      payload: { update_id: 174114393, my_chat_member: { chat, from, date: 1, old_chat_member: {}, new_chat_member: {} } },
      field: 'status',
    },
  ])('$name → 400', async ({ payload, raw, field }) => {
    const res = await post(payload, raw);
    expect(res.statusCode).toBe(400);
    if (field) expect(res.json().message).toContain(field);
  });

  it('a photo captioned 状态 from a linked worker starts the status report', async () => {
    const chatId = 5_555_777;
    const tg = svc.running.container.providers.simulators!.telegram;
    tg.registerChat(chatId);
    await seedWorker(svc.running.container.db, { telegramChatId: BigInt(chatId) });
    const update = {
      update_id: 900946600,
      message: {
        message_id: 7,
        from: { id: chatId, is_bot: false, first_name: '张' },
        chat: { id: chatId, type: 'private', first_name: '张' },
        date: 1764400000,
        photo,
        caption: '状态',
      },
    };
    expect((await post(update)).statusCode).toBe(200);
    await expect.poll(() => tg.sentMessages(chatId).length, { timeout: 10_000 }).toBe(1);
    expect(tg.sentMessages(chatId)[0]!.text).toContain('就业情况有什么变化');
    const row = await stored(update.update_id);
    expect(row?.text).toBe('状态');
    expect((row!.payload as { message: { photo: unknown[] } }).message.photo).toHaveLength(2);
  });
});
