/** Sends Telegram messages through the Bot API (grammY's Api client; apiRoot replaceable). */
import { type Api, GrammyError, InlineKeyboard } from 'grammy';
import {
  FinalSendError,
  neverConnected,
  OptedOutSendError,
  RateLimitedSendError,
  RetryableSendError,
  type SendError,
} from '../errors.js';
import type { ChannelAdapter, OutboundSend, SendResult } from '../types.js';

/** Telegram error codes by number: 403 blocked/deactivated, 429 flood wait, 5xx server. */
export function toSendError(err: unknown): SendError {
  if (err instanceof GrammyError) {
    const code = String(err.error_code);
    if (err.error_code === 403) return new OptedOutSendError('user blocked the bot', code);
    if (err.error_code === 429) {
      return new RateLimitedSendError('flood wait', (err.parameters.retry_after ?? 1) * 1000, code);
    }
    if (err.error_code >= 500) return new RetryableSendError(`Bot API error ${code}`, code);
    return new FinalSendError(`Bot API rejected the message (${code})`, code);
  }
  // grammY's HttpError: network failure or a non-JSON answer (a proxy's 502 page). Unless the
  // connection never opened, Telegram may have sent the message.
  return new RetryableSendError(`network error: ${(err as Error)?.message ?? String(err)}`, undefined, !neverConnected(err));
}

export function createTelegramAdapter(api: Api): ChannelAdapter {
  return {
    channel: 'TELEGRAM',
    async send(msg: OutboundSend): Promise<SendResult> {
      const keyboard = msg.choices?.length
        ? InlineKeyboard.from(msg.choices.map((c) => [InlineKeyboard.text(`${c.key} ${c.label}`, c.key)]))
        : undefined;
      try {
        const sent = await api.sendMessage(msg.to, msg.text, keyboard ? { reply_markup: keyboard } : {});
        return { providerId: `${sent.chat.id}:${sent.message_id}`, segments: 1 };
      } catch (err) {
        throw toSendError(err);
      }
    },
  };
}
