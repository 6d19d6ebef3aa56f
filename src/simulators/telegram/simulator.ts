/**
 * The Telegram Bot API simulator: a loopback HTTP server that answers grammY's Bot API calls like
 * api.telegram.org, delivers updates (texts, button presses, shared contacts) to the bot's webhook
 * or to getUpdates, records everything, and fails on request.
 */
import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Chat, InlineKeyboardMarkup, MessageEntity, User, UserFromGetMe } from 'grammy/types';
import { BackgroundWork, bindMethods, deliver, type Listening, listen, readBody, sendJson } from '../http.js';
import { commandEntities, FormatError, renderText } from './format.js';
import { type ApiAnswer, type ApiErrorBody, type ApiParams, apiError, type BotApiBackend, botApiHandler } from './server.js';

/** Fixed fake token: it passes the format check (`<bot id>:<35 characters>`) and is no real bot. */
export const DEFAULT_BOT_TOKEN = '7000000001:AAsimulatorTokenForLocalUse-0000001';

/** A message as it travels in updates and API answers (the fields the simulator fills). */
export interface TgMessage {
  message_id: number;
  from?: User;
  chat: Chat.PrivateChat;
  date: number;
  edit_date?: number;
  text?: string;
  entities?: MessageEntity[];
  contact?: { phone_number: string; first_name: string; last_name?: string; user_id?: number };
  reply_markup?: InlineKeyboardMarkup;
  reply_to_message?: TgMessage;
}

export interface TgCallbackQuery {
  id: string;
  from: User;
  message: TgMessage;
  chat_instance: string;
  data: string;
}

export interface TgChatMemberUpdated {
  chat: Chat.PrivateChat;
  from: User;
  date: number;
  old_chat_member: { user: User; status: string; until_date?: number };
  new_chat_member: { user: User; status: string; until_date?: number };
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: TgChatMemberUpdated;
}

export interface TelegramSimulatorOptions {
  port?: number;
  token?: string;
  botUsername?: string;
  botName?: string;
  /** Refuse sends to a chat that never wrote to the bot (400 "chat not found"), as Telegram does. Default true. */
  strictChats?: boolean;
  /** Emulate Telegram's limits: answers 429 past this many sends per second (off by default). */
  rateLimit?: { perChatPerSecond?: number; globalPerSecond?: number };
  /** update_id of the first update. */
  firstUpdateId?: number;
}

export type TelegramFailureKind =
  /** 403 "Forbidden: bot was blocked by the user" (final). */
  | 'blocked'
  /** 403 "Forbidden: user is deactivated" (final). */
  | 'deactivated'
  /** 400 "Bad Request: chat not found" (final). */
  | 'chat-not-found'
  /** 429 with parameters.retry_after. */
  | 'rate-limited'
  /** 500 "Internal Server Error". */
  | 'server-error'
  /** 502 "Bad Gateway". */
  | 'bad-gateway'
  /** The call succeeds, but its answer comes only after delayMs (a crash can fall in between). */
  | 'slow';

export interface TelegramFailureRule {
  kind: TelegramFailureKind;
  /** Method it applies to (default sendMessage; '*' for any). Case-insensitive. */
  method?: string;
  chatId?: number;
  times?: number;
  /** retry_after of a 429 in seconds (default 5). */
  retryAfter?: number;
  /** Delay of 'slow' (default 1000). */
  delayMs?: number;
}

/** A message the bot sent, in its current state (edits applied). */
export interface SentMessage {
  chatId: number;
  messageId: number;
  /** Text as shown (after parse_mode). */
  text: string;
  /** Text as the bot sent it (before parse_mode). */
  rawText: string;
  parseMode?: string;
  /** The reply_markup as sent (inline keyboard, reply keyboard, remove_keyboard, force_reply). */
  replyMarkup?: Record<string, unknown>;
  message: TgMessage;
  edits: number;
  deleted: boolean;
}

export interface ApiCallRecord {
  method: string;
  params: ApiParams;
  status: number;
  response: ApiAnswer['body'];
  /** True when the call came back as the answer to a webhook request. */
  viaWebhookReply: boolean;
  at: Date;
}

export interface UpdateDelivery {
  updateId: number;
  update: TgUpdate;
  url: string;
  secretToken: string | null;
  status: number | null;
  body: string;
  error?: string;
  at: Date;
}

/** What happened to an update a helper produced. */
export interface DeliveryResult {
  updateId: number;
  update: TgUpdate;
  /** The webhook's HTTP status; null when queued for getUpdates or when the request failed. */
  status: number | null;
  body: string;
  /** True when no webhook is set and the update waits for getUpdates. */
  queued: boolean;
  error?: string;
}

interface ChatState {
  chat: Chat.PrivateChat;
  user: User;
  nextMessageId: number;
  blocked: boolean;
  replyKeyboard: Record<string, unknown> | null;
}

interface WebhookState {
  url: string;
  secretToken: string | null;
  allowedUpdates: string[] | null;
  maxConnections: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

/** Update types Telegram sends when allowed_updates is not given. */
const DEFAULT_UPDATE_TYPES = new Set(['message', 'callback_query', 'my_chat_member', 'edited_message']);

const now = () => Math.floor(Date.now() / 1000);
const key = (chatId: number, messageId: number) => `${chatId}:${messageId}`;

function failureAnswer(kind: Exclude<TelegramFailureKind, 'slow'>, retryAfter = 5): ApiAnswer {
  switch (kind) {
    case 'blocked':
      return apiError(403, 'Forbidden: bot was blocked by the user');
    case 'deactivated':
      return apiError(403, 'Forbidden: user is deactivated');
    case 'chat-not-found':
      return apiError(400, 'Bad Request: chat not found');
    case 'rate-limited':
      return apiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    case 'server-error':
      return apiError(500, 'Internal Server Error');
    case 'bad-gateway':
      return apiError(502, 'Bad Gateway');
  }
}

/** A parameter that may arrive as JSON text (forms, multipart, query) or as a JSON value. */
function jsonParam(params: ApiParams, name: string): unknown {
  const v = params[name];
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw new BadParam(`can't parse ${name.replace('_', ' ')} JSON object`);
  }
}

function intParam(params: ApiParams, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isInteger(n) ? n : Number.NaN;
}

function strParam(params: ApiParams, name: string): string | undefined {
  const v = params[name];
  return v === undefined || v === null ? undefined : String(v);
}

class BadParam extends Error {}

/** Checks an inline keyboard the way Telegram does; returns the error description or null. */
function inlineKeyboardProblem(markup: Record<string, unknown>): string | null {
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r)))
    return 'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays';
  for (const row of rows as unknown[][]) {
    for (const b of row) {
      const button = b as Record<string, unknown>;
      if (typeof button?.text !== 'string' || button.text === '')
        return "can't parse inline keyboard button: Text must be non-empty";
      const actions = Object.keys(button).filter((k) => k !== 'text' && k !== 'style' && k !== 'icon_custom_emoji_id');
      if (actions.length === 0) return "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard";
      if (button.callback_data !== undefined) {
        const data = String(button.callback_data);
        if (data === '' || Buffer.byteLength(data) > 64) return 'BUTTON_DATA_INVALID';
      }
    }
  }
  return null;
}

/** The Telegram simulator and its control API. Every method is bound, so it can be passed around alone. */
export class TelegramSimulator implements BotApiBackend {
  /** The apiRoot to give grammY: `new Bot(token, { client: { apiRoot: sim.url } })`. */
  readonly url: string;
  readonly token: string;
  readonly bot: UserFromGetMe;

  private readonly strictChats: boolean;
  private readonly rateLimit: { perChatPerSecond?: number; globalPerSecond?: number } | undefined;
  private readonly chats = new Map<number, ChatState>();
  private readonly sent = new Map<string, SentMessage>();
  private readonly userMessages = new Map<string, TgMessage>();
  private readonly callbackQueries = new Map<
    string,
    { chatId: number; messageId: number; data: string; answer: ApiParams | null }
  >();
  private readonly actions: Array<{ chatId: number; action: string; at: Date }> = [];
  private readonly calls: ApiCallRecord[] = [];
  private readonly deliveries: UpdateDelivery[] = [];
  private readonly updates = new Map<number, TgUpdate>();
  private readonly failedUpdates = new Set<number>();
  private pending: TgUpdate[] = [];
  private nextUpdateId: number;
  private webhook: WebhookState | null = null;
  private commands: unknown[] = [];
  private failureRules: Array<TelegramFailureRule & { remaining: number }> = [];
  private outage = false;
  private readonly sendTimes = new Map<number | 'all', number[]>();
  private readonly pollWaiters = new Set<() => void>();
  private readonly listeners = new Set<(m: SentMessage, change: 'sent' | 'edited') => void>();
  private readonly work = new BackgroundWork();
  private readonly methods: Record<string, (p: ApiParams) => ApiAnswer | Promise<ApiAnswer>>;

  private constructor(
    private readonly listening: Listening,
    opts: TelegramSimulatorOptions,
  ) {
    this.url = listening.url;
    this.token = opts.token ?? DEFAULT_BOT_TOKEN;
    const botId = Number(this.token.split(':')[0]);
    this.bot = {
      id: Number.isSafeInteger(botId) ? botId : 7000000001,
      is_bot: true,
      first_name: opts.botName ?? 'Outreach (simulated)',
      username: opts.botUsername ?? 'outreach_sim_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    } as UserFromGetMe;
    this.strictChats = opts.strictChats ?? true;
    this.rateLimit = opts.rateLimit;
    this.nextUpdateId = opts.firstUpdateId ?? 700000001;
    this.methods = {
      getme: () => this.ok(this.bot),
      setwebhook: (p) => this.setWebhook(p),
      deletewebhook: (p) => this.deleteWebhook(p),
      getwebhookinfo: () => this.getWebhookInfo(),
      getupdates: (p) => this.getUpdates(p),
      sendmessage: (p) => this.sendMessage(p),
      editmessagetext: (p) => this.editMessage(p, true),
      editmessagereplymarkup: (p) => this.editMessage(p, false),
      deletemessage: (p) => this.deleteMessage(p),
      answercallbackquery: (p) => this.answerCallbackQuery(p),
      sendchataction: (p) => this.sendChatAction(p),
      setmycommands: (p) => {
        this.commands = (jsonParam(p, 'commands') as unknown[]) ?? [];
        return this.ok(true);
      },
      getmycommands: () => this.ok(this.commands),
      deletemycommands: () => {
        this.commands = [];
        return this.ok(true);
      },
    };
    bindMethods(this);
  }

  /** Starts a simulator on 127.0.0.1. */
  static async start(opts: TelegramSimulatorOptions = {}): Promise<TelegramSimulator> {
    let sim: TelegramSimulator | undefined;
    const listening = await listen((req, res, url) => botApiHandler(sim!)(req, res, url), opts.port);
    sim = new TelegramSimulator(listening, opts);
    return sim;
  }

  // ---- records ------------------------------------------------------------------------------

  /** Messages the bot sent (current state, edits applied), in order, optionally of one chat. */
  sentMessages(chatId?: number): SentMessage[] {
    return [...this.sent.values()].filter((m) => !m.deleted && (chatId === undefined || m.chatId === chatId));
  }

  /** Every Bot API call received (method names lowercase), optionally of one method. */
  apiCalls(method?: string): ApiCallRecord[] {
    const wanted = method?.toLowerCase();
    return this.calls.filter((c) => wanted === undefined || c.method === wanted);
  }

  /** Every update POSTed to the webhook, with the answer. */
  webhookDeliveries(): UpdateDelivery[] {
    return [...this.deliveries];
  }

  /** sendChatAction calls, optionally of one chat. */
  chatActions(chatId?: number): Array<{ chatId: number; action: string; at: Date }> {
    return this.actions.filter((a) => chatId === undefined || a.chatId === chatId);
  }

  /** How the bot answered a callback query (null while unanswered). */
  callbackAnswer(callbackQueryId: string): ApiParams | null | undefined {
    return this.callbackQueries.get(callbackQueryId)?.answer;
  }

  /** The reply keyboard the chat currently shows (null when none or removed). */
  replyKeyboard(chatId: number): Record<string, unknown> | null {
    return this.chats.get(chatId)?.replyKeyboard ?? null;
  }

  /** The webhook as set by the bot, or null. */
  webhookInfo(): { url: string; secretToken: string | null; allowedUpdates: string[] | null } | null {
    return this.webhook
      ? { url: this.webhook.url, secretToken: this.webhook.secretToken, allowedUpdates: this.webhook.allowedUpdates }
      : null;
  }

  /** Calls `listener` for each message the bot sends or edits; returns an unsubscribe. */
  onSend(listener: (m: SentMessage, change: 'sent' | 'edited') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when no background delivery is pending. */
  idle(): Promise<void> {
    return this.work.idle();
  }

  /** Forgets chats, messages, updates and injected failures; the webhook and the bot stay. */
  reset(): void {
    this.chats.clear();
    this.sent.clear();
    this.userMessages.clear();
    this.callbackQueries.clear();
    this.actions.length = 0;
    this.calls.length = 0;
    this.deliveries.length = 0;
    this.updates.clear();
    this.failedUpdates.clear();
    this.pending = [];
    this.failureRules = [];
    this.outage = false;
    this.sendTimes.clear();
  }

  // ---- failure injection -------------------------------------------------------------------

  /** Makes the next matching calls fail. Rules apply in the order added. */
  injectFailure(rule: TelegramFailureRule): void {
    this.failureRules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clearFailures(): void {
    this.failureRules = [];
  }

  /** While on, every Bot API call answers 502 Bad Gateway. */
  setOutage(on: boolean): void {
    this.outage = on;
  }

  /**
   * The user blocks (or unblocks) the bot: sends to the chat answer 403 until unblocked. Like
   * Telegram, the bot gets a my_chat_member update (status "kicked" / "member").
   */
  async setBlocked(chatId: number, blocked: boolean): Promise<DeliveryResult> {
    const state = this.ensureChat(chatId);
    state.blocked = blocked;
    const botUser: User = { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username };
    return this.dispatch({
      update_id: this.nextUpdateId++,
      my_chat_member: {
        chat: state.chat,
        from: state.user,
        date: now(),
        old_chat_member: blocked ? { user: botUser, status: 'member' } : { user: botUser, status: 'kicked', until_date: 0 },
        new_chat_member: blocked ? { user: botUser, status: 'kicked', until_date: 0 } : { user: botUser, status: 'member' },
      },
    });
  }

  // ---- the user's side ---------------------------------------------------------------------

  /** Makes a chat known (as if the user had opened the bot) without sending an update. */
  registerChat(chatId: number, from: Partial<User> = {}): void {
    this.ensureChat(chatId, from);
  }

  /** The user sends `text` ("/start" gets its bot_command entity). */
  async sendText(
    chatId: number,
    text: string,
    opts: { from?: Partial<User>; replyToMessageId?: number } = {},
  ): Promise<DeliveryResult> {
    const state = this.ensureChat(chatId, opts.from);
    const message: TgMessage = { message_id: state.nextMessageId++, from: state.user, chat: state.chat, date: now(), text };
    const entities = commandEntities(text);
    if (entities.length) message.entities = entities;
    if (opts.replyToMessageId !== undefined) {
      const replied =
        this.sent.get(key(chatId, opts.replyToMessageId))?.message ?? this.userMessages.get(key(chatId, opts.replyToMessageId));
      if (replied) message.reply_to_message = replied;
    }
    this.userMessages.set(key(chatId, message.message_id), message);
    return this.dispatch({ update_id: this.nextUpdateId++, message });
  }

  /**
   * The user presses an inline button of a message the bot sent. Throws when that message has no
   * button with this callback_data (a user cannot press a button that is not there) unless `force`.
   */
  async pressButton(
    chatId: number,
    messageId: number,
    data: string,
    opts: { from?: Partial<User>; force?: boolean } = {},
  ): Promise<DeliveryResult & { callbackQueryId: string }> {
    const sent = this.sent.get(key(chatId, messageId));
    if (!opts.force) {
      if (!sent || sent.deleted) throw new Error(`the bot sent no message ${messageId} to chat ${chatId}`);
      const buttons = sent.message.reply_markup?.inline_keyboard.flat() ?? [];
      if (!buttons.some((b) => 'callback_data' in b && b.callback_data === data)) {
        const offered = buttons.map((b) => ('callback_data' in b ? b.callback_data : `(${b.text})`));
        throw new Error(
          `message ${messageId} in chat ${chatId} has no button with callback_data "${data}" (has: ${offered.join(', ')})`,
        );
      }
    }
    const state = this.ensureChat(chatId, opts.from);
    const id = `${randomInt(1, 2 ** 47)}${randomInt(0, 10 ** 4)}`;
    this.callbackQueries.set(id, { chatId, messageId, data, answer: null });
    const message = sent?.message ?? { message_id: messageId, chat: state.chat, date: now() };
    const result = await this.dispatch({
      update_id: this.nextUpdateId++,
      callback_query: { id, from: state.user, message, chat_instance: String(BigInt(chatId) * 7919n), data },
    });
    return { ...result, callbackQueryId: id };
  }

  /**
   * The user shares a phone number (a request_contact keyboard button). Real clients often send
   * the number without the leading '+', so pass it exactly as a test wants it to arrive.
   */
  async shareContact(
    chatId: number,
    phoneNumber: string,
    opts: { from?: Partial<User>; userId?: number | null } = {},
  ): Promise<DeliveryResult> {
    const state = this.ensureChat(chatId, opts.from);
    const contact: NonNullable<TgMessage['contact']> = { phone_number: phoneNumber, first_name: state.user.first_name };
    if (state.user.last_name) contact.last_name = state.user.last_name;
    // Someone else's contact card has no user_id; the user's own (request_contact) has theirs.
    if (opts.userId !== null) contact.user_id = opts.userId ?? state.user.id;
    const message: TgMessage = { message_id: state.nextMessageId++, from: state.user, chat: state.chat, date: now(), contact };
    this.userMessages.set(key(chatId, message.message_id), message);
    return this.dispatch({ update_id: this.nextUpdateId++, message });
  }

  /** Sends an update again, same update_id (what Telegram does after a slow or failed answer). */
  async redeliver(updateId: number): Promise<DeliveryResult> {
    const update = this.updates.get(updateId);
    if (!update) throw new Error(`no update ${updateId}`);
    if (!this.webhook) throw new Error('no webhook is set');
    return this.postUpdate(update, this.webhook);
  }

  /** Stops the server; waiting getUpdates calls end. */
  async close(): Promise<void> {
    this.work.stop();
    for (const wake of this.pollWaiters) wake();
    await this.listening.close();
  }

  // ---- Bot API backend ---------------------------------------------------------------------

  hasMethod(method: string): boolean {
    return method in this.methods;
  }

  async call(method: string, params: ApiParams): Promise<ApiAnswer> {
    return this.invoke(method, params, false);
  }

  async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const text = (await readBody(req)).toString('utf8');
    try {
      const b = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const chatId = Number(b.chatId ?? b.chat_id ?? url.searchParams.get('chat_id'));
      switch (`${req.method} ${url.pathname}`) {
        case 'POST /_sim/text':
          return sendJson(res, 200, await this.sendText(chatId, String(b.text ?? '')));
        case 'POST /_sim/button':
          return sendJson(res, 200, await this.pressButton(chatId, Number(b.messageId ?? b.message_id), String(b.data ?? '')));
        case 'POST /_sim/contact':
          return sendJson(res, 200, await this.shareContact(chatId, String(b.phone ?? b.phone_number ?? '')));
        case 'GET /_sim/messages':
          return sendJson(res, 200, this.sentMessages(Number.isNaN(chatId) ? undefined : chatId));
      }
      sendJson(res, 404, { error: 'not_found' });
    } catch (err) {
      sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  // ---- methods -----------------------------------------------------------------------------

  private async invoke(method: string, params: ApiParams, viaWebhookReply: boolean): Promise<ApiAnswer> {
    let answer: ApiAnswer;
    try {
      answer = await this.answer(method, params);
    } catch (err) {
      if (err instanceof BadParam || err instanceof FormatError) answer = apiError(400, `Bad Request: ${err.message}`);
      else throw err;
    }
    this.calls.push({ method, params, status: answer.status, response: answer.body, viaWebhookReply, at: new Date() });
    return answer;
  }

  private async answer(method: string, params: ApiParams): Promise<ApiAnswer> {
    if (this.outage) return apiError(502, 'Bad Gateway');
    const chatId = intParam(params, 'chat_id');
    const rule = this.failureRules.find(
      (r) =>
        r.remaining > 0 &&
        ((r.method ?? 'sendMessage') === '*' || (r.method ?? 'sendMessage').toLowerCase() === method) &&
        (r.chatId === undefined || r.chatId === chatId),
    );
    if (rule) {
      rule.remaining -= 1;
      this.failureRules = this.failureRules.filter((r) => r.remaining > 0);
      const kind = rule.kind;
      if (kind !== 'slow') return failureAnswer(kind, rule.retryAfter);
      await new Promise((r) => setTimeout(r, rule.delayMs ?? 1000));
    }
    const handler = this.methods[method];
    if (!handler) return apiError(404, 'Not Found');
    return handler(params);
  }

  private ok(result: unknown, description?: string): ApiAnswer {
    return { status: 200, body: description ? { ok: true, result, description } : { ok: true, result } };
  }

  private setWebhook(p: ApiParams): ApiAnswer {
    const url = strParam(p, 'url') ?? '';
    if (url === '') return this.deleteWebhook(p);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return apiError(400, 'Bad Request: invalid webhook URL specified');
    }
    // Telegram requires HTTPS on ports 443, 80, 88 or 8443; the simulator also takes plain HTTP on any port.
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      return apiError(400, 'Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443');
    const secret = strParam(p, 'secret_token');
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
      return apiError(400, 'Bad Request: secret token contains unallowed characters');
    }
    const allowed = jsonParam(p, 'allowed_updates');
    this.webhook = {
      url,
      secretToken: secret ?? null,
      allowedUpdates: Array.isArray(allowed) ? allowed.map(String) : (this.webhook?.allowedUpdates ?? null),
      maxConnections: intParam(p, 'max_connections') ?? 40,
    };
    if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') this.pending = [];
    // Updates that waited for getUpdates go to the new webhook, as Telegram does.
    const waiting = this.pending;
    this.pending = [];
    const webhook = this.webhook;
    if (waiting.length) {
      this.work.run(async () => {
        for (const u of waiting) await this.postUpdate(u, webhook);
      });
    }
    return this.ok(true, 'Webhook was set');
  }

  private deleteWebhook(p: ApiParams): ApiAnswer {
    const had = this.webhook !== null;
    this.webhook = null;
    if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') this.pending = [];
    return this.ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
  }

  private getWebhookInfo(): ApiAnswer {
    const w = this.webhook;
    if (!w) return this.ok({ url: '', has_custom_certificate: false, pending_update_count: this.pending.length });
    const info: Record<string, unknown> = {
      url: w.url,
      has_custom_certificate: false,
      pending_update_count: this.failedUpdates.size,
      max_connections: w.maxConnections,
      ip_address: '127.0.0.1',
    };
    if (w.allowedUpdates) info.allowed_updates = w.allowedUpdates;
    if (w.lastErrorDate) {
      info.last_error_date = w.lastErrorDate;
      info.last_error_message = w.lastErrorMessage;
    }
    return this.ok(info);
  }

  private async getUpdates(p: ApiParams): Promise<ApiAnswer> {
    if (this.webhook) {
      return apiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = intParam(p, 'offset');
    if (offset !== undefined && offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    if (offset !== undefined && offset < 0) this.pending = this.pending.slice(offset);
    const limit = Math.min(Math.max(intParam(p, 'limit') ?? 100, 1), 100);
    const timeout = intParam(p, 'timeout') ?? 0;
    const allowed = jsonParam(p, 'allowed_updates');
    const wanted = (u: TgUpdate) => updateAllowed(u, Array.isArray(allowed) && allowed.length ? allowed.map(String) : null);
    if (!this.pending.some(wanted) && timeout > 0 && !this.work.isStopped) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.pollWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, timeout * 1000);
        this.pollWaiters.add(wake);
      });
    }
    return this.ok(this.pending.filter(wanted).slice(0, limit));
  }

  private sendMessage(p: ApiParams): ApiAnswer {
    const target = this.sendTarget(p);
    if ('status' in target) return target;
    const raw = strParam(p, 'text') ?? '';
    if (raw.trim() === '') return apiError(400, 'Bad Request: message text is empty');
    const parseMode = strParam(p, 'parse_mode');
    const text = renderText(raw, parseMode);
    if (text.length > 4096) return apiError(400, 'Bad Request: message is too long');
    const read = this.readMarkup(p);
    if ('error' in read) return read.error;
    const markup = read.markup;
    const limited = this.checkRate(target.chat.id);
    if (limited) return limited;

    const message: TgMessage = {
      message_id: target.nextMessageId++,
      from: { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username },
      chat: target.chat,
      date: now(),
      text,
    };
    if (markup && 'inline_keyboard' in markup) message.reply_markup = markup as unknown as InlineKeyboardMarkup;
    if (markup && ('keyboard' in markup || 'remove_keyboard' in markup)) {
      target.replyKeyboard = 'keyboard' in markup ? markup : null;
    }
    const replyTo = jsonParam(p, 'reply_parameters') as { message_id?: number } | undefined;
    const replyId = replyTo?.message_id ?? intParam(p, 'reply_to_message_id');
    if (replyId !== undefined) {
      const replied = this.userMessages.get(key(target.chat.id, replyId)) ?? this.sent.get(key(target.chat.id, replyId))?.message;
      if (replied) message.reply_to_message = replied;
    }
    const record: SentMessage = {
      chatId: target.chat.id,
      messageId: message.message_id,
      text,
      rawText: raw,
      message,
      edits: 0,
      deleted: false,
    };
    if (parseMode) record.parseMode = parseMode;
    if (markup) record.replyMarkup = markup;
    this.sent.set(key(target.chat.id, message.message_id), record);
    for (const l of this.listeners) l(record, 'sent');
    return this.ok(message);
  }

  private editMessage(p: ApiParams, withText: boolean): ApiAnswer {
    if (p.inline_message_id !== undefined) return apiError(400, 'Bad Request: inline messages are not simulated');
    const chatId = intParam(p, 'chat_id');
    const messageId = intParam(p, 'message_id');
    if (chatId === undefined || Number.isNaN(chatId)) return apiError(400, 'Bad Request: chat_id is empty');
    if (messageId === undefined || Number.isNaN(messageId))
      return apiError(400, 'Bad Request: message identifier is not specified');
    const state = this.chats.get(chatId);
    if (!state) return apiError(400, 'Bad Request: chat not found');
    if (state.blocked) return apiError(403, 'Forbidden: bot was blocked by the user');
    const record = this.sent.get(key(chatId, messageId));
    if (!record || record.deleted) {
      if (this.userMessages.has(key(chatId, messageId))) return apiError(400, "Bad Request: message can't be edited");
      return apiError(400, 'Bad Request: message to edit not found');
    }
    let text = record.text;
    let raw = record.rawText;
    const parseMode = strParam(p, 'parse_mode');
    if (withText) {
      raw = strParam(p, 'text') ?? '';
      if (raw.trim() === '') return apiError(400, 'Bad Request: message text is empty');
      text = renderText(raw, parseMode);
    }
    const read = this.readMarkup(p);
    if ('error' in read) return read.error;
    const markup = read.markup;
    if (markup && !('inline_keyboard' in markup)) return apiError(400, 'Bad Request: inline keyboard expected');
    const newMarkup = markup as InlineKeyboardMarkup | undefined;
    if (text === record.text && JSON.stringify(newMarkup) === JSON.stringify(record.message.reply_markup)) {
      return apiError(
        400,
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    record.text = text;
    record.rawText = raw;
    if (parseMode) record.parseMode = parseMode;
    record.edits += 1;
    if (markup) record.replyMarkup = markup;
    else delete record.replyMarkup;
    const message: TgMessage = { ...record.message, text, edit_date: now() };
    if (newMarkup) message.reply_markup = newMarkup;
    else delete message.reply_markup; // an edit without reply_markup removes the inline keyboard
    record.message = message;
    for (const l of this.listeners) l(record, 'edited');
    return this.ok(message);
  }

  private deleteMessage(p: ApiParams): ApiAnswer {
    const chatId = intParam(p, 'chat_id') ?? Number.NaN;
    const messageId = intParam(p, 'message_id') ?? Number.NaN;
    const record = this.sent.get(key(chatId, messageId));
    if (record && !record.deleted) {
      record.deleted = true;
      return this.ok(true);
    }
    if (this.userMessages.delete(key(chatId, messageId))) return this.ok(true);
    return apiError(400, 'Bad Request: message to delete not found');
  }

  private answerCallbackQuery(p: ApiParams): ApiAnswer {
    const id = strParam(p, 'callback_query_id') ?? '';
    const query = this.callbackQueries.get(id);
    if (!query || query.answer !== null) {
      return apiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
    }
    query.answer = { ...p };
    return this.ok(true);
  }

  private sendChatAction(p: ApiParams): ApiAnswer {
    const target = this.sendTarget(p);
    if ('status' in target) return target;
    const action = strParam(p, 'action') ?? '';
    if (!CHAT_ACTIONS.has(action)) return apiError(400, 'Bad Request: wrong parameter action in request');
    this.actions.push({ chatId: target.chat.id, action, at: new Date() });
    return this.ok(true);
  }

  // ---- internals ---------------------------------------------------------------------------

  private ensureChat(chatId: number, from: Partial<User> = {}): ChatState {
    let state = this.chats.get(chatId);
    if (!state) {
      const user: User = { id: chatId, is_bot: false, first_name: `User ${chatId}`, language_code: 'zh-hans', ...from };
      const chat: Chat.PrivateChat = { id: chatId, type: 'private', first_name: user.first_name };
      if (user.last_name) chat.last_name = user.last_name;
      if (user.username) chat.username = user.username;
      state = { chat, user, nextMessageId: 1, blocked: false, replyKeyboard: null };
      this.chats.set(chatId, state);
    }
    return state;
  }

  /** The chat a send goes to, or the error Telegram answers. */
  private sendTarget(p: ApiParams): ChatState | ApiAnswer {
    const raw = p.chat_id;
    if (raw === undefined || raw === '') return apiError(400, 'Bad Request: chat_id is empty');
    const chatId = intParam(p, 'chat_id');
    if (chatId === undefined || Number.isNaN(chatId)) return apiError(400, 'Bad Request: chat not found');
    const state = this.chats.get(chatId) ?? (this.strictChats ? undefined : this.ensureChat(chatId));
    if (!state) return apiError(400, 'Bad Request: chat not found');
    if (state.blocked) return apiError(403, 'Forbidden: bot was blocked by the user');
    return state;
  }

  /** The reply_markup parameter, or the error Telegram answers for it. */
  private readMarkup(p: ApiParams): { markup?: Record<string, unknown> } | { error: ApiAnswer } {
    if (p.reply_markup === undefined) return {};
    const unparsable = { error: apiError(400, "Bad Request: can't parse reply keyboard markup JSON object") };
    let markup: unknown;
    try {
      markup = jsonParam(p, 'reply_markup');
    } catch {
      return unparsable;
    }
    if (typeof markup !== 'object' || markup === null || Array.isArray(markup)) return unparsable;
    const m = markup as Record<string, unknown>;
    if ('inline_keyboard' in m) {
      const problem = inlineKeyboardProblem(m);
      if (problem) return { error: apiError(400, `Bad Request: ${problem}`) };
    }
    return { markup: m };
  }

  private checkRate(chatId: number): ApiAnswer | null {
    if (!this.rateLimit) return null;
    const t = Date.now();
    const limits: Array<[number | 'all', number | undefined]> = [
      [chatId, this.rateLimit.perChatPerSecond],
      ['all', this.rateLimit.globalPerSecond],
    ];
    for (const [k, limit] of limits) {
      if (!limit) continue;
      const times = (this.sendTimes.get(k) ?? []).filter((x) => t - x < 1000);
      this.sendTimes.set(k, times);
      if (times.length >= limit) return apiError(429, 'Too Many Requests: retry after 1', { retry_after: 1 });
    }
    for (const [k, limit] of limits) if (limit) this.sendTimes.get(k)!.push(t);
    return null;
  }

  private async dispatch(update: TgUpdate): Promise<DeliveryResult> {
    this.updates.set(update.update_id, update);
    if (!this.webhook) {
      this.pending.push(update);
      for (const wake of this.pollWaiters) wake();
      return { updateId: update.update_id, update, status: null, body: '', queued: true };
    }
    return this.postUpdate(update, this.webhook);
  }

  private async postUpdate(update: TgUpdate, webhook: WebhookState): Promise<DeliveryResult> {
    const result: DeliveryResult = { updateId: update.update_id, update, status: null, body: '', queued: false };
    if (!updateAllowed(update, webhook.allowedUpdates)) {
      result.error = 'not in allowed_updates';
      return result;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (webhook.secretToken) headers['x-telegram-bot-api-secret-token'] = webhook.secretToken;
    const res = await deliver(webhook.url, { method: 'POST', headers, body: JSON.stringify(update) });
    const delivery: UpdateDelivery = {
      updateId: update.update_id,
      update,
      url: webhook.url,
      secretToken: webhook.secretToken,
      status: res.status,
      body: res.body,
      at: new Date(),
    };
    if (res.error) delivery.error = res.error;
    this.deliveries.push(delivery);
    result.status = res.status;
    result.body = res.body;
    if (res.error) result.error = res.error;
    if (res.status !== null && res.status >= 200 && res.status < 300) {
      this.failedUpdates.delete(update.update_id);
      await this.runWebhookReply(res.contentType, res.body);
    } else {
      this.failedUpdates.add(update.update_id);
      webhook.lastErrorDate = now();
      webhook.lastErrorMessage = res.status === null ? 'Connection refused' : `Wrong response from the webhook: ${res.status}`;
    }
    return result;
  }

  /** A webhook may answer with a method call in its body; Telegram runs it (and tells the bot nothing). */
  private async runWebhookReply(contentType: string | null, body: string): Promise<void> {
    if (!contentType?.includes('json') || !body.trim()) return;
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return;
    }
    if (typeof payload !== 'object' || payload === null) return;
    const { method, ...params } = payload as Record<string, unknown>;
    if (typeof method !== 'string' || !this.hasMethod(method.toLowerCase())) return;
    await this.invoke(method.toLowerCase(), params, true);
  }
}

function updateAllowed(update: TgUpdate, allowed: string[] | null): boolean {
  const type = Object.keys(update).find((k) => k !== 'update_id') ?? '';
  return allowed && allowed.length > 0 ? allowed.includes(type) : DEFAULT_UPDATE_TYPES.has(type);
}

export type { ApiErrorBody };
