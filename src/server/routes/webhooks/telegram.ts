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
/** An object schema with the fields it must have. */
const object = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', required, properties });
const withId = object(['id'], { id: TG_ID });
const text = { type: 'string' };

/** What the handlers in channels/telegram/bot.ts read of an update; the rest is stored as sent. */
const updateSchema = object(['update_id'], {
  update_id: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  message: object(['message_id', 'chat'], {
    message_id: { type: 'integer' },
    chat: withId,
    from: withId,
    text,
    caption: text,
    contact: object(['phone_number'], { phone_number: { type: 'string', maxLength: 64 }, user_id: TG_ID }),
  }),
  callback_query: object(['id', 'from'], { id: text, from: withId, data: text, message: object([], { chat: withId }) }),
  my_chat_member: object(['chat', 'new_chat_member'], { chat: withId, new_chat_member: object(['status'], { status: text }) }),
});

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
