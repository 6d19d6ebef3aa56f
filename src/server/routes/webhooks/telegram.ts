/**
 * POST /webhooks/telegram: grammY's webhook handler. Telegram sends the secret given to
 * setWebhook in X-Telegram-Bot-Api-Secret-Token; a request without it is refused with 401 before
 * the update is read. The fields the handlers read are checked by the schema (400 naming the
 * field); update kinds nobody handles are acknowledged and dropped.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { webhookCallback } from 'grammy';
import { createTelegramBot } from '../../../channels/telegram/bot.js';
import { withoutNulBytes } from './fields.js';

export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';

/** Telegram's ids (users, chats, updates) fit in 52 bits, sign aside. */
const TG_ID = { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER } as const;
const withId = { type: 'object', required: ['id'], properties: { id: TG_ID } } as const;

/** What the handlers in channels/telegram/bot.ts read of an update; the rest is stored as sent. */
const updateSchema = {
  type: 'object',
  required: ['update_id'],
  properties: {
    update_id: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    message: {
      type: 'object',
      required: ['message_id', 'chat'],
      properties: {
        message_id: { type: 'integer' },
        chat: withId,
        from: withId,
        text: { type: 'string' },
        caption: { type: 'string' },
        contact: {
          type: 'object',
          required: ['phone_number'],
          properties: { phone_number: { type: 'string', maxLength: 64 }, user_id: TG_ID },
        },
      },
    },
    callback_query: {
      type: 'object',
      required: ['id', 'from'],
      properties: {
        id: { type: 'string' },
        from: withId,
        data: { type: 'string' },
        message: { type: 'object', properties: { chat: withId } },
      },
    },
    my_chat_member: {
      type: 'object',
      required: ['chat', 'new_chat_member'],
      properties: {
        chat: withId,
        new_chat_member: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } },
      },
    },
  },
} as const;

export const telegramWebhook: FastifyPluginAsync = async (app) => {
  const { providers, recorder, db, config } = app.deps;
  const bot = await createTelegramBot(providers.telegram, recorder, db.pool);
  const handle = webhookCallback(bot, 'fastify', { secretToken: providers.telegram.webhookSecret });
  const expected = Buffer.from(providers.telegram.webhookSecret);
  app.addHook('preValidation', async (req, reply) => {
    const got = Buffer.from(String(req.headers['x-telegram-bot-api-secret-token'] ?? ''));
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      req.log.warn('telegram webhook refused: bad or missing secret token');
      await reply.status(401).send({ error: 'unauthorized', message: 'invalid X-Telegram-Bot-Api-Secret-Token' });
      return;
    }
    req.body = withoutNulBytes(req.body);
  });
  app.post(TELEGRAM_WEBHOOK_PATH, { schema: { body: updateSchema } }, (req, reply) => handle(req, reply));
  // Tell Telegram (or the simulator) where to deliver updates, with the secret to send.
  await providers.telegram.api.setWebhook(`${config.PUBLIC_BASE_URL}${TELEGRAM_WEBHOOK_PATH}`, {
    secret_token: providers.telegram.webhookSecret,
    allowed_updates: ['message', 'callback_query', 'my_chat_member'],
  });
};
