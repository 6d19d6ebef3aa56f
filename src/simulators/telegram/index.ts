/**
 * Loopback Telegram Bot API: a real HTTP server answering grammY like api.telegram.org and
 * delivering updates to the bot's webhook. See src/simulators/README.md.
 */
import { TelegramSimulator, type TelegramSimulatorOptions } from './simulator.js';

export { commandEntities, renderText } from './format.js';
export { type ApiAnswer, type ApiErrorBody, type ApiParams, apiError } from './server.js';
export {
  type ApiCallRecord,
  DEFAULT_BOT_TOKEN,
  type DeliveryResult,
  type SentMessage,
  type TelegramFailureKind,
  type TelegramFailureRule,
  TelegramSimulator,
  type TelegramSimulatorOptions,
  type TgCallbackQuery,
  type TgMessage,
  type TgUpdate,
  type UpdateDelivery,
} from './simulator.js';

/**
 * Starts a Telegram Bot API simulator on 127.0.0.1 (`port` or a free one). Give grammY its url as
 * apiRoot: `new Bot(sim.token, { client: { apiRoot: sim.url } })`.
 */
export function startTelegramSimulator(opts: TelegramSimulatorOptions = {}): Promise<TelegramSimulator> {
  return TelegramSimulator.start(opts);
}
