/**
 * POST /webhooks/telegram: grammY's webhook handler. Telegram sends the secret given to
 * setWebhook in X-Telegram-Bot-Api-Secret-Token; a request without it is refused with 401 before
 * the update is read.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { webhookCallback } from 'grammy';
import { createTelegramBot } from '../../../channels/telegram/bot.js';

export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';

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
    }
  });
  app.post(
    TELEGRAM_WEBHOOK_PATH,
    { schema: { body: { type: 'object', required: ['update_id'], properties: { update_id: { type: 'integer', minimum: 0 } } } } },
    (req, reply) => handle(req, reply),
  );
  // Tell Telegram (or the simulator) where to deliver updates, with the secret to send.
  await providers.telegram.api.setWebhook(`${config.PUBLIC_BASE_URL}${TELEGRAM_WEBHOOK_PATH}`, {
    secret_token: providers.telegram.webhookSecret,
    allowed_updates: ['message', 'callback_query', 'my_chat_member'],
  });
};
