/** Conversations through the simulators: send a message, wait for the service's next reply. */
import { expect } from 'vitest';
import type { Db } from '../../src/db/database.js';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { startTestService, type TestService } from '../helpers/service.js';

export const SERVICE_NUMBER = '+8610690000000';

/** The service for flow tests: no send-rate limits (turns follow each other fast), quick status callbacks. */
export async function startFlowService(): Promise<{ svc: TestService; sim: TwilioSimulator; tg: TelegramSimulator }> {
  const svc = await startTestService({ SMS_RATE_PER_SECOND: '0', TELEGRAM_CHAT_RATE_PER_SECOND: '0' });
  const { twilio: sim, telegram: tg } = svc.running.container.providers.simulators!;
  sim.configure({ statusCallbackDelays: 5 });
  return { svc, sim, tg };
}

/** Texts `body` from `phone` and resolves with the body of the next SMS the service sends to it. */
export async function sms(sim: TwilioSimulator, phone: string, body: string): Promise<string> {
  const before = sim.messages({ to: phone, direction: 'outbound-api' }).length;
  await sim.sendInbound({ from: phone, to: SERVICE_NUMBER, body });
  await expect
    .poll(() => sim.messages({ to: phone, direction: 'outbound-api' }).length, { timeout: 10_000 })
    .toBeGreaterThan(before);
  return sim.messages({ to: phone, direction: 'outbound-api' })[before]!.body;
}

/** Runs a scripted SMS conversation and returns every reply. */
export async function smsScript(sim: TwilioSimulator, phone: string, lines: string[]): Promise<string[]> {
  const replies: string[] = [];
  for (const l of lines) replies.push(await sms(sim, phone, l));
  return replies;
}

/** The last message the bot sent to a chat, once there are more than `before`. */
export async function nextTelegram(tg: TelegramSimulator, chat: number, before: number) {
  await expect.poll(() => tg.sentMessages(chat).length, { timeout: 10_000 }).toBeGreaterThan(before);
  return tg.sentMessages(chat)[before]!;
}

/** Sends text to the bot and resolves with the bot's next message (text and buttons). */
export async function telegram(tg: TelegramSimulator, chat: number, text: string) {
  const before = tg.sentMessages(chat).length;
  await tg.sendText(chat, text);
  return nextTelegram(tg, chat, before);
}

/** Presses button `data` under the bot's latest message and resolves with the bot's next message. */
export async function press(tg: TelegramSimulator, chat: number, data: string) {
  const sent = tg.sentMessages(chat);
  const last = sent.at(-1)!;
  await tg.pressButton(chat, last.messageId, data);
  return nextTelegram(tg, chat, sent.length);
}

/** Inline button data under a message. */
export function buttons(m: { replyMarkup?: Record<string, unknown> }): string[] {
  const rows = (m.replyMarkup?.inline_keyboard ?? []) as Array<Array<{ callback_data?: string }>>;
  return rows.flat().map((b) => b.callback_data ?? '');
}

/** Adds a registered family contact for a worker. */
export async function seedFamily(db: Db, workerId: number, phone: string, verified = false) {
  return db.prisma.familyContact.create({ data: { workerId, name: '李四', relation: 'SPOUSE', phone, verified } });
}
