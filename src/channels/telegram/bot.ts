/**
 * The Telegram edge: grammY receives updates and turns each into an InboundEnvelope; everything
 * else (keywords, flows, replies) is channel-neutral. Handlers only record, so the webhook
 * answers well inside Telegram's 10-second limit. update_id is the dedup key, since Telegram
 * redelivers an update whose webhook was slow and grammY does not deduplicate.
 */
import { Bot } from 'grammy';
import type { Sql } from '../../db/sql.js';
import type { InboundRecorder } from '../../ledger/inbound-recorder.js';
import { recordOptIn, recordOptOut } from '../../ledger/opt-outs.js';
import type { TelegramSettings } from '../providers.js';

export async function createTelegramBot(settings: TelegramSettings, recorder: InboundRecorder, sql: Sql): Promise<Bot> {
  const bot = new Bot(settings.token, settings.apiRoot ? { client: { apiRoot: settings.apiRoot } } : {});
  await bot.init(); // getMe: fails fast on a wrong token

  bot.on('message', async (ctx) => {
    const m = ctx.message;
    await recorder.record({
      channel: 'TELEGRAM',
      providerId: String(ctx.update.update_id),
      from: String(m.chat.id),
      // A photo, video or document sent with a caption says what the person means: "状态" under a
      // photo starts the status report. The media reference stays in the stored update.
      text: m.text ?? m.caption ?? null,
      payload: ctx.update as unknown as Record<string, unknown>,
    });
  });

  bot.on('callback_query:data', async (ctx) => {
    const chatId = ctx.callbackQuery.message?.chat.id ?? ctx.from.id;
    await recorder.record({
      channel: 'TELEGRAM',
      providerId: String(ctx.update.update_id),
      from: String(chatId),
      text: ctx.callbackQuery.data,
      payload: ctx.update as unknown as Record<string, unknown>,
    });
    await ctx.answerCallbackQuery().catch(() => {}); // stops the button's spinner; harmless if it fails
  });

  // Blocking the bot is an opt-out; unblocking ends it.
  bot.on('my_chat_member', async (ctx) => {
    const status = ctx.myChatMember.new_chat_member.status;
    const chat = String(ctx.chat.id);
    if (status === 'kicked') await recordOptOut(sql, { channel: 'TELEGRAM', address: chat, source: 'telegram:blocked' });
    else if (status === 'member') await recordOptIn(sql, 'TELEGRAM', chat);
  });

  return bot;
}
