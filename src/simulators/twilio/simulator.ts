/**
 * The Twilio simulator: a loopback HTTP server that speaks REST API 2010-04-01 to the official
 * `twilio` client, calls the service's webhooks (inbound SMS, voice, status callbacks) signed
 * like Twilio, records everything, and fails on request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BackgroundWork,
  bindMethods,
  deliver,
  encodeForm,
  type FormFields,
  field,
  fieldAll,
  type Listening,
  listen,
  parseForm,
  readBody,
  sendJson,
  sleep,
  type WebhookResponse,
} from '../http.js';
import { failureResponse, type TwilioFailureKind, twilioError } from './errors.js';
import { API_VERSION, DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, newSid, rfc2822 } from './ids.js';
import { segmentCount } from './segments.js';
import { type RestAnswer, type RestBackend, twilioHandler } from './server.js';
import { SIGNATURE_HEADER, twilioSignature } from './signature.js';
import {
  type CallStatus,
  callResource,
  listPage,
  type MessageDirection,
  type MessageStatus,
  matchesDateSent,
  messageResource,
  recordingResource,
  recordingWav,
  type SimCall,
  type SimMessage,
  type SimRecording,
  type VoiceDocument,
  type WebhookDelivery,
} from './store.js';
import { parseTwiml, TwimlParseError, twimlMessages } from './twiml.js';
import { type CallStep, runScriptedCall } from './voice.js';

/** How status callbacks are sent: in Twilio's order, or out of order with repeats (as Twilio may). */
export type StatusCallbackMode = 'in-order' | 'disorder';

export interface TwilioSimulatorOptions {
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  accountSid?: string;
  authToken?: string;
  /** Base URL that relative webhook URLs (smsWebhookUrl, voiceWebhookUrl) resolve against. */
  webhookBase?: string;
  /** Where inbound SMS are posted (the number's "A message comes in" URL). */
  smsWebhookUrl?: string;
  /** Where inbound calls are posted (the number's "A call comes in" URL). */
  voiceWebhookUrl?: string;
  /**
   * Send every webhook to this origin instead of the URL's own, while still signing the URL as
   * configured: a reverse proxy in front of the service (PUBLIC_BASE_URL differs from the address
   * the service listens on).
   */
  deliveryBase?: string;
  /** Milliseconds before each status step (one number for all, or one per step; the last repeats). Default 20. */
  statusCallbackDelays?: number | number[];
  statusCallbackMode?: StatusCallbackMode;
  /**
   * 'every' status step gets a callback (queued, sent, delivered, as Twilio sends them), or only the
   * 'final' one (delivered, undelivered, failed): load tests that care about the end state.
   */
  statusCallbacks?: 'every' | 'final';
  /** Number that sends for a MessagingServiceSid without From. */
  messagingServiceNumber?: string;
  /** Opt a number out when it texts STOP (and back in on START), as Twilio's default opt-out handling does. Default true. */
  autoOptOut?: boolean;
  /**
   * Keep every webhook request in webhookDeliveries() (default true). Load tests that send a
   * million messages turn it off: the log would hold every callback's fields and answer.
   */
  webhookLog?: boolean;
  /**
   * Keep each message in messages() after its last status callback (default true). Load tests
   * that send a million messages turn it off (a message is dropped once its final callback went
   * out), so the simulator's memory stays flat; what was sent they count with onMessage.
   */
  keepMessages?: boolean;
}

/** A failure to answer with instead of creating a message or call. */
export interface FailureRule {
  kind: TwilioFailureKind;
  /** How many requests it applies to (default 1; Infinity for all). */
  times?: number;
  /** Only requests to this number. */
  to?: string;
  /** Which creates it applies to (default 'messages'). */
  resource?: 'messages' | 'calls' | 'any';
  /** Retry-After seconds of a 429 (default 1). */
  retryAfterSeconds?: number;
  /** Delay for 'slow' (default 1000). */
  delayMs?: number;
}

/** How a message to a number ends, when it should not end "delivered". */
export interface DeliveryFailureRule {
  status: 'undelivered' | 'failed';
  /** Twilio error code (default 30003 for undelivered, 30008 for failed). */
  errorCode?: number;
  to?: string;
  times?: number;
}

export interface InboundSms {
  from: string;
  to: string;
  body: string;
  /** Reuse a MessageSid to emulate Twilio re-sending the same message. */
  messageSid?: string;
  /** Override the configured SMS webhook URL. */
  url?: string;
  messagingServiceSid?: string;
}

export interface InboundResult {
  messageSid: string;
  /** HTTP status of the service's answer, or null when the request failed. */
  status: number | null;
  /** Raw answer body (TwiML). */
  body: string;
  /** Texts of the <Message> verbs in the answer. */
  messages: string[];
  /** Twilio's error code when the answer could not be used: 11200 (HTTP error), 12100 (bad TwiML). */
  errorCode?: number;
}

export interface CallResult {
  callSid: string;
  status: CallStatus;
  documents: VoiceDocument[];
  /** Every <Say> text in order, across documents. */
  says: string[];
}

interface ActiveRule extends FailureRule {
  remaining: number;
}

const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const START_WORDS = new Set(['START', 'YES', 'UNSTOP']);
const HELP_WORDS = new Set(['HELP', 'INFO']);
const CALL_EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);

/** Accepts E.164 (+ and 7 to 15 digits) and the channel-prefixed addresses Twilio also takes. */
function isValidAddress(to: string): boolean {
  return /^\+[1-9]\d{6,14}$/.test(to) || /^(whatsapp:\+[1-9]\d{6,14}|client:.+|sip:.+)$/.test(to);
}

const COUNTRY_PREFIXES: Array<[string, string]> = [
  ['+852', 'HK'],
  ['+853', 'MO'],
  ['+886', 'TW'],
  ['+86', 'CN'],
  ['+44', 'GB'],
  ['+1', 'US'],
];

function countryOf(number: string): string {
  return COUNTRY_PREFIXES.find(([prefix]) => number.startsWith(prefix))?.[1] ?? '';
}

function jsonBody(req: IncomingMessage, text: string): Record<string, unknown> {
  if ((req.headers['content-type'] ?? '').includes('json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  return parseForm(text);
}

/** The Twilio simulator and its control API. Every method is bound, so it can be passed around alone. */
export class TwilioSimulator implements RestBackend {
  readonly url: string;
  readonly accountSid: string;
  readonly authToken: string;
  outage = false;

  private webhookBase: string | undefined;
  private smsWebhookUrl: string | undefined;
  private voiceWebhookUrl: string | undefined;
  private deliveryBase: string | undefined;
  private delays: number[];
  private mode: StatusCallbackMode;
  private callbacks: 'every' | 'final';
  private webhookLog: boolean;
  private keepMessages: boolean;
  private readonly messagingServiceNumber: string;
  private readonly autoOptOut: boolean;

  private readonly messageMap = new Map<string, SimMessage>();
  private readonly callMap = new Map<string, SimCall>();
  private readonly recordingMap = new Map<string, SimRecording>();
  private readonly deliveries: WebhookDelivery[] = [];
  private readonly optedOut = new Set<string>();
  private failureRules: ActiveRule[] = [];
  private deliveryRules: Array<DeliveryFailureRule & { remaining: number }> = [];
  private readonly listeners = new Set<(m: SimMessage) => void>();
  private readonly work = new BackgroundWork();
  private callbackSequence = 0;

  private constructor(
    private readonly listening: Listening,
    opts: TwilioSimulatorOptions,
  ) {
    this.url = listening.url;
    this.accountSid = opts.accountSid ?? DEFAULT_ACCOUNT_SID;
    this.authToken = opts.authToken ?? DEFAULT_AUTH_TOKEN;
    this.webhookBase = opts.webhookBase;
    this.smsWebhookUrl = opts.smsWebhookUrl;
    this.voiceWebhookUrl = opts.voiceWebhookUrl;
    this.deliveryBase = opts.deliveryBase;
    this.delays = toDelays(opts.statusCallbackDelays ?? 20);
    this.mode = opts.statusCallbackMode ?? 'in-order';
    this.callbacks = opts.statusCallbacks ?? 'every';
    this.webhookLog = opts.webhookLog ?? true;
    this.keepMessages = opts.keepMessages ?? true;
    this.messagingServiceNumber = opts.messagingServiceNumber ?? '+15005550006';
    this.autoOptOut = opts.autoOptOut ?? true;
    bindMethods(this);
  }

  /** Starts a simulator on 127.0.0.1. */
  static async start(opts: TwilioSimulatorOptions = {}): Promise<TwilioSimulator> {
    let sim: TwilioSimulator | undefined;
    const listening = await listen((req, res, url) => twilioHandler(sim!)(req, res, url), opts.port);
    sim = new TwilioSimulator(listening, opts);
    return sim;
  }

  // ---- configuration ----------------------------------------------------------------------

  /** Changes webhook targets and callback behaviour after start (e.g. once the service's port is known). */
  configure(
    opts: Pick<
      TwilioSimulatorOptions,
      | 'webhookBase'
      | 'smsWebhookUrl'
      | 'voiceWebhookUrl'
      | 'deliveryBase'
      | 'statusCallbackDelays'
      | 'statusCallbackMode'
      | 'statusCallbacks'
      | 'webhookLog'
      | 'keepMessages'
    >,
  ): void {
    if ('webhookBase' in opts) this.webhookBase = opts.webhookBase;
    if ('smsWebhookUrl' in opts) this.smsWebhookUrl = opts.smsWebhookUrl;
    if ('voiceWebhookUrl' in opts) this.voiceWebhookUrl = opts.voiceWebhookUrl;
    if ('deliveryBase' in opts) this.deliveryBase = opts.deliveryBase;
    if (opts.statusCallbackDelays !== undefined) this.delays = toDelays(opts.statusCallbackDelays);
    if (opts.statusCallbackMode !== undefined) this.mode = opts.statusCallbackMode;
    if (opts.statusCallbacks !== undefined) this.callbacks = opts.statusCallbacks;
    if (opts.webhookLog !== undefined) this.webhookLog = opts.webhookLog;
    if (opts.keepMessages !== undefined) this.keepMessages = opts.keepMessages;
  }

  // ---- records ------------------------------------------------------------------------------

  /** Messages in creation order (outbound through the API, TwiML replies and inbound), optionally filtered. */
  messages(filter: { to?: string; from?: string; direction?: MessageDirection } = {}): SimMessage[] {
    return [...this.messageMap.values()].filter(
      (m) =>
        (filter.to === undefined || m.to === filter.to) &&
        (filter.from === undefined || m.from === filter.from) &&
        (filter.direction === undefined || m.direction === filter.direction),
    );
  }

  message(sid: string): SimMessage | undefined {
    return this.messageMap.get(sid);
  }

  /** Calls in creation order. */
  calls(): SimCall[] {
    return [...this.callMap.values()];
  }

  call(sid: string): SimCall | undefined {
    return this.callMap.get(sid);
  }

  /** Recordings made by <Record>, in order (optionally of one call). */
  recordings(callSid?: string): SimRecording[] {
    return [...this.recordingMap.values()].filter((r) => callSid === undefined || r.callSid === callSid);
  }

  /** Every request made to the service, in order, optionally of one kind. */
  webhookDeliveries(kind?: WebhookDelivery['kind']): WebhookDelivery[] {
    return this.deliveries.filter((d) => kind === undefined || d.kind === kind);
  }

  /** Calls `listener` for each outbound message (API or TwiML reply) as it is created; returns an unsubscribe. */
  onMessage(listener: (m: SimMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when no status callback is pending. */
  idle(): Promise<void> {
    return this.work.idle();
  }

  /** Forgets records, opt-outs and injected failures; configuration stays. */
  reset(): void {
    this.messageMap.clear();
    this.callMap.clear();
    this.recordingMap.clear();
    this.deliveries.length = 0;
    this.optedOut.clear();
    this.failureRules = [];
    this.deliveryRules = [];
    this.outage = false;
  }

  // ---- failure injection -------------------------------------------------------------------

  /** Makes the next matching creates fail (or answer slowly). Rules apply in the order added. */
  injectFailure(rule: FailureRule): void {
    this.failureRules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clearFailures(): void {
    this.failureRules = [];
    this.deliveryRules = [];
  }

  /** While on, every API request answers 503 (code 20503). */
  setOutage(on: boolean): void {
    this.outage = on;
  }

  /** Makes the next matching messages end undelivered/failed (with an ErrorCode callback) instead of delivered. */
  failDelivery(rule: DeliveryFailureRule): void {
    this.deliveryRules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  /** Marks a number as having texted STOP: sends to it answer 400 with code 21610. */
  optOut(number: string): void {
    this.optedOut.add(number);
  }

  optIn(number: string): void {
    this.optedOut.delete(number);
  }

  isOptedOut(number: string): boolean {
    return this.optedOut.has(number);
  }

  // ---- the phone's side --------------------------------------------------------------------

  /** Texts the service as a phone would: posts Twilio's inbound SMS webhook, signed, and reads the TwiML reply. */
  async sendInbound(sms: InboundSms): Promise<InboundResult> {
    const target = this.resolveWebhook(sms.url ?? this.smsWebhookUrl, 'smsWebhookUrl');
    const sid = sms.messageSid ?? newSid('SM');
    const segments = String(segmentCount(sms.body));
    const params: FormFields = {
      ToCountry: countryOf(sms.to),
      ToState: '',
      SmsMessageSid: sid,
      NumMedia: '0',
      ToCity: '',
      FromZip: '',
      SmsSid: sid,
      FromState: '',
      SmsStatus: 'received',
      FromCity: '',
      Body: sms.body,
      FromCountry: countryOf(sms.from),
      To: sms.to,
      ToZip: '',
      NumSegments: segments,
      MessageSid: sid,
      AccountSid: this.accountSid,
      From: sms.from,
      ApiVersion: API_VERSION,
    };
    if (sms.messagingServiceSid) params.MessagingServiceSid = sms.messagingServiceSid;
    const keyword = sms.body.trim().toUpperCase();
    if (this.autoOptOut && STOP_WORDS.has(keyword)) {
      this.optedOut.add(sms.from);
      params.OptOutType = 'STOP';
    } else if (this.autoOptOut && START_WORDS.has(keyword)) {
      this.optedOut.delete(sms.from);
      params.OptOutType = 'START';
    } else if (this.autoOptOut && HELP_WORDS.has(keyword)) {
      params.OptOutType = 'HELP';
    }
    if (!this.messageMap.has(sid)) {
      const now = new Date();
      this.messageMap.set(sid, {
        sid,
        accountSid: this.accountSid,
        direction: 'inbound',
        from: sms.from,
        to: sms.to,
        body: sms.body,
        status: 'received',
        numSegments: Number(segments),
        numMedia: 0,
        messagingServiceSid: sms.messagingServiceSid ?? null,
        errorCode: null,
        errorMessage: null,
        statusCallback: null,
        dateCreated: now,
        dateUpdated: now,
        dateSent: now,
        params,
      });
    }
    const res = await this.sendWebhook('sms', sid, target, 'POST', params);
    const result: InboundResult = { messageSid: sid, status: res.status, body: res.body, messages: [] };
    if (res.status === null || res.status < 200 || res.status >= 300) {
      result.errorCode = 11200;
      return result;
    }
    if (res.body.trim() === '') return result;
    try {
      for (const reply of twimlMessages(parseTwiml(res.body))) {
        result.messages.push(reply.body);
        this.createOutbound({
          direction: 'outbound-reply',
          to: reply.to ?? sms.from,
          from: reply.from ?? sms.to,
          body: reply.body,
          messagingServiceSid: null,
          statusCallback: reply.statusCallback ? new URL(reply.statusCallback, target).toString() : null,
          numMedia: reply.media.length,
          params: {},
        });
      }
    } catch (err) {
      if (!(err instanceof TwimlParseError)) throw err;
      result.errorCode = 12100;
    }
    return result;
  }

  /**
   * Answers an outbound call created through the API and plays `steps` against its TwiML; the
   * call completes when the script or the TwiML ends. Sends the call's status callbacks.
   */
  async answerCall(callSid: string, steps: CallStep[] = [], opts: { answeredBy?: string } = {}): Promise<CallResult> {
    const call = this.callMap.get(callSid);
    if (!call) throw new Error(`no call ${callSid}`);
    if (call.status !== 'queued') throw new Error(`call ${callSid} is ${call.status}, not queued`);
    if (call.machineDetection) call.answeredBy = opts.answeredBy ?? 'human';
    await this.callEvent(call, 'initiated', 'initiated');
    this.setCallStatus(call, 'ringing');
    await this.callEvent(call, 'ringing', 'ringing');
    this.setCallStatus(call, 'in-progress');
    call.startTime = new Date();
    await this.callEvent(call, 'answered', 'in-progress');
    return this.playCall(call, steps, 'in-progress');
  }

  /** Ends a queued outbound call without answering (busy, no-answer, failed, canceled), with its callback. */
  async endCall(callSid: string, status: 'busy' | 'no-answer' | 'failed' | 'canceled'): Promise<void> {
    const call = this.callMap.get(callSid);
    if (!call) throw new Error(`no call ${callSid}`);
    await this.callEvent(call, 'initiated', 'initiated');
    await this.finishCall(call, status);
  }

  /** Calls the service as a phone would: posts the voice webhook (CallStatus ringing) and plays `steps`. */
  async placeInboundCall(opts: { from: string; to: string; steps?: CallStep[]; url?: string }): Promise<CallResult> {
    const url = this.resolveWebhook(opts.url ?? this.voiceWebhookUrl, 'voiceWebhookUrl');
    const now = new Date();
    const call: SimCall = {
      sid: newSid('CA'),
      accountSid: this.accountSid,
      direction: 'inbound',
      from: opts.from,
      to: opts.to,
      status: 'ringing',
      url,
      method: 'POST',
      twiml: null,
      statusCallback: null,
      statusCallbackMethod: 'POST',
      statusCallbackEvents: [],
      machineDetection: null,
      answeredBy: null,
      dateCreated: now,
      dateUpdated: now,
      startTime: now,
      endTime: null,
      duration: null,
      params: {},
      documents: [],
    };
    this.callMap.set(call.sid, call);
    return this.playCall(call, opts.steps ?? [], 'ringing');
  }

  /** Stops the server; pending status callbacks are dropped. */
  async close(): Promise<void> {
    this.work.stop();
    await this.listening.close();
  }

  // ---- REST backend ------------------------------------------------------------------------

  fetchAccount(): RestAnswer {
    return {
      status: 200,
      body: {
        sid: this.accountSid,
        friendly_name: 'Simulated account',
        status: 'active',
        type: 'Full',
        date_created: rfc2822(new Date(0)),
        date_updated: rfc2822(new Date(0)),
        owner_account_sid: this.accountSid,
        uri: `/${API_VERSION}/Accounts/${this.accountSid}.json`,
      },
    };
  }

  async createMessage(fields: FormFields): Promise<RestAnswer> {
    const to = field(fields, 'To') ?? '';
    const failed = await this.takeFailure('messages', to);
    if (failed) return failed;
    const from = field(fields, 'From') ?? null;
    const service = field(fields, 'MessagingServiceSid') ?? null;
    const body = field(fields, 'Body') ?? '';
    const media = fieldAll(fields, 'MediaUrl');
    if (!to) return bad(21604, "A 'To' phone number is required.");
    if (!from && !service) return bad(21603, "A 'From' phone number is required.");
    if (!body && media.length === 0 && !field(fields, 'ContentSid')) return bad(21602, 'Message body is required.');
    if (body.length > 1600) return bad(21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (!isValidAddress(to)) return bad(21211, `Invalid 'To' Phone Number: ${to}`);
    if (this.optedOut.has(to)) return bad(21610, 'Attempt to send to unsubscribed recipient');
    const m = this.createOutbound({
      direction: 'outbound-api',
      to,
      from,
      body,
      messagingServiceSid: service,
      statusCallback: field(fields, 'StatusCallback') ?? null,
      numMedia: media.length,
      params: fields,
    });
    return { status: 201, body: messageResource(m) };
  }

  listMessages(query: URLSearchParams, path: string): RestAnswer {
    const to = query.get('To');
    const from = query.get('From');
    const items = [...this.messageMap.values()]
      .filter((m) => (!to || m.to === to) && (!from || m.from === from) && matchesDateSent(m.dateSent, query))
      .reverse(); // newest first, as Twilio lists
    return { status: 200, body: listPage('messages', path, items, query, messageResource) };
  }

  fetchMessage(sid: string): RestAnswer {
    const m = this.messageMap.get(sid);
    return m ? { status: 200, body: messageResource(m) } : this.missing('Messages', sid);
  }

  /** Only redaction (Body="") is supported, and only once the message is final, as on Twilio. */
  updateMessage(sid: string, fields: FormFields): RestAnswer {
    const m = this.messageMap.get(sid);
    if (!m) return this.missing('Messages', sid);
    const body = field(fields, 'Body');
    if (body !== undefined) {
      if (body !== '') return bad(21617, 'Message body can only be redacted (set to an empty string).');
      if (!['delivered', 'undelivered', 'failed', 'received', 'sent'].includes(m.status)) {
        return bad(20009, 'Cannot redact a message that is still being sent.');
      }
      m.body = '';
      m.dateUpdated = new Date();
    }
    return { status: 200, body: messageResource(m) };
  }

  deleteMessage(sid: string): RestAnswer {
    return this.messageMap.delete(sid) ? { status: 204 } : this.missing('Messages', sid);
  }

  async createCall(fields: FormFields): Promise<RestAnswer> {
    const to = field(fields, 'To') ?? '';
    const failed = await this.takeFailure('calls', to);
    if (failed) return failed;
    const from = field(fields, 'From') ?? '';
    const url = field(fields, 'Url') ?? null;
    const twiml = field(fields, 'Twiml') ?? null;
    if (!to) return bad(21201, "No 'To' number is specified");
    if (!from) return bad(21213, "No 'From' number is specified");
    if (!url && !twiml && !field(fields, 'ApplicationSid')) return bad(21205, 'Url parameter is required.');
    if (!isValidAddress(to)) return bad(21211, `Invalid 'To' Phone Number: ${to}`);
    const events = fieldAll(fields, 'StatusCallbackEvent').flatMap((e) => e.split(/[\s,]+/).filter(Boolean));
    if (events.some((e) => !CALL_EVENTS.has(e))) return bad(21626, "Invalid 'StatusCallbackEvent'");
    const now = new Date();
    const call: SimCall = {
      sid: newSid('CA'),
      accountSid: this.accountSid,
      direction: 'outbound-api',
      from,
      to,
      status: 'queued',
      url,
      method: upperMethod(field(fields, 'Method')),
      twiml,
      statusCallback: field(fields, 'StatusCallback') ?? null,
      statusCallbackMethod: upperMethod(field(fields, 'StatusCallbackMethod')),
      statusCallbackEvents: events.length ? events : ['completed'],
      machineDetection: field(fields, 'MachineDetection') ?? null,
      answeredBy: null,
      dateCreated: now,
      dateUpdated: now,
      startTime: null,
      endTime: null,
      duration: null,
      params: fields,
      documents: [],
    };
    this.callMap.set(call.sid, call);
    return { status: 201, body: callResource(call) };
  }

  listCalls(query: URLSearchParams, path: string): RestAnswer {
    const to = query.get('To');
    const from = query.get('From');
    const status = query.get('Status');
    const items = [...this.callMap.values()]
      .filter((c) => (!to || c.to === to) && (!from || c.from === from) && (!status || c.status === status))
      .reverse();
    return { status: 200, body: listPage('calls', path, items, query, callResource) };
  }

  fetchCall(sid: string): RestAnswer {
    const c = this.callMap.get(sid);
    return c ? { status: 200, body: callResource(c) } : this.missing('Calls', sid);
  }

  /** A recording's JSON resource, or its audio (`wav`: 16-bit PCM, the format Twilio stores). */
  fetchRecording(sid: string, format: 'json' | 'wav'): RestAnswer {
    const r = this.recordingMap.get(sid);
    if (!r) return this.missing('Recordings', sid);
    if (format === 'json') return { status: 200, body: recordingResource(r) };
    return { status: 200, raw: { contentType: 'audio/x-wav', data: recordingWav(r.duration) } };
  }

  /** Status=canceled (a queued call) or Status=completed (hang up); other updates are accepted and ignored. */
  async updateCall(sid: string, fields: FormFields): Promise<RestAnswer> {
    const c = this.callMap.get(sid);
    if (!c) return this.missing('Calls', sid);
    const status = field(fields, 'Status');
    if (status === 'canceled' || status === 'completed') {
      if (['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(c.status)) {
        return bad(21220, 'Call is not in-progress. Cannot redirect.');
      }
      await this.finishCall(c, status === 'canceled' && c.status === 'queued' ? 'canceled' : 'completed');
    }
    return { status: 200, body: callResource(c) };
  }

  async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const text = (await readBody(req)).toString('utf8');
    const p = url.pathname;
    try {
      if (p === '/_sim/sms' && req.method === 'POST') {
        const b = jsonBody(req, text);
        const result = await this.sendInbound({
          from: String(b.from ?? b.From),
          to: String(b.to ?? b.To),
          body: String(b.body ?? b.Body ?? ''),
        });
        return sendJson(res, 200, result);
      }
      if (p === '/_sim/messages' && req.method === 'GET') {
        const to = url.searchParams.get('to') ?? undefined;
        return sendJson(res, 200, this.messages(to ? { to } : {}).map(messageResource));
      }
      if (p === '/_sim/calls' && req.method === 'GET') return sendJson(res, 200, this.calls().map(callResource));
      const answer = /^\/_sim\/calls\/(CA[0-9a-f]{32})\/answer$/.exec(p);
      if (answer && req.method === 'POST') {
        const b = jsonBody(req, text);
        return sendJson(res, 200, await this.answerCall(answer[1]!, (b.steps as CallStep[] | undefined) ?? []));
      }
      sendJson(res, 404, { error: 'not_found' });
    } catch (err) {
      sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  private missing(kind: string, sid: string): RestAnswer {
    const path = `/${API_VERSION}/Accounts/${this.accountSid}/${kind}/${sid}.json`;
    return { status: 404, body: twilioError(404, 20404, `The requested resource ${path} was not found`) };
  }

  private resolveWebhook(url: string | undefined, name: string): string {
    if (!url) throw new Error(`the Twilio simulator has no ${name}: pass it to startTwilioSimulator or configure()`);
    if (/^https?:\/\//.test(url)) return url;
    if (!this.webhookBase) throw new Error(`${name} "${url}" is relative and no webhookBase is set`);
    return new URL(url, this.webhookBase.endsWith('/') ? this.webhookBase : `${this.webhookBase}/`).toString();
  }

  /** Finds, consumes and applies the first failure rule matching a create. */
  private async takeFailure(resource: 'messages' | 'calls', to: string): Promise<RestAnswer | null> {
    for (const rule of this.failureRules) {
      const scope = rule.resource ?? 'messages';
      if (rule.remaining <= 0 || (scope !== 'any' && scope !== resource) || (rule.to !== undefined && rule.to !== to)) continue;
      rule.remaining -= 1;
      this.failureRules = this.failureRules.filter((r) => r.remaining > 0);
      if (rule.kind === 'slow') {
        await sleep(rule.delayMs ?? 1000);
        return null;
      }
      const f = failureResponse(rule.kind, to, rule.retryAfterSeconds ?? 1);
      return { status: f.status, body: f.body, headers: f.headers };
    }
    return null;
  }

  private takeDeliveryFailure(to: string): { status: 'undelivered' | 'failed'; errorCode: number } | null {
    const rule = this.deliveryRules.find((r) => r.remaining > 0 && (r.to === undefined || r.to === to));
    if (!rule) return null;
    rule.remaining -= 1;
    this.deliveryRules = this.deliveryRules.filter((r) => r.remaining > 0);
    return { status: rule.status, errorCode: rule.errorCode ?? (rule.status === 'failed' ? 30008 : 30003) };
  }

  private createOutbound(input: {
    direction: MessageDirection;
    to: string;
    from: string | null;
    body: string;
    messagingServiceSid: string | null;
    statusCallback: string | null;
    numMedia: number;
    params: FormFields;
  }): SimMessage {
    const now = new Date();
    const m: SimMessage = {
      sid: newSid(input.numMedia > 0 ? 'MM' : 'SM'),
      accountSid: this.accountSid,
      direction: input.direction,
      from: input.from,
      to: input.to,
      body: input.body,
      // With only a MessagingServiceSid Twilio first answers "accepted" and picks the sender later.
      status: input.from ? 'queued' : 'accepted',
      numSegments: segmentCount(input.body),
      numMedia: input.numMedia,
      messagingServiceSid: input.messagingServiceSid,
      errorCode: null,
      errorMessage: null,
      statusCallback: input.statusCallback,
      dateCreated: now,
      dateUpdated: now,
      dateSent: null,
      params: input.params,
    };
    this.messageMap.set(m.sid, m);
    for (const l of this.listeners) l(m);
    // progressMessage awaits before its first status change, so the caller still renders the
    // message as created ("queued" / "accepted").
    this.work.run(() => this.progressMessage(m));
    return m;
  }

  /** Moves a message through its statuses and sends its status callbacks. */
  private async progressMessage(m: SimMessage): Promise<void> {
    if (m.direction === 'outbound-reply' && this.optedOut.has(m.to)) {
      this.applyStatus(m, { status: 'failed', errorCode: 21610 });
      return;
    }
    const outcome = this.takeDeliveryFailure(m.to);
    type Step = { status: MessageStatus; errorCode?: number };
    const steps: Step[] =
      outcome?.status === 'failed'
        ? [{ status: 'queued' }, { status: 'failed', errorCode: outcome.errorCode }]
        : outcome
          ? [{ status: 'queued' }, { status: 'sent' }, { status: 'undelivered', errorCode: outcome.errorCode }]
          : [{ status: 'queued' }, { status: 'sent' }, { status: 'delivered' }];
    const last = steps[steps.length - 1]!;
    // Disorder: the final status first, then the rest in order, then the final status again.
    const order = this.mode === 'in-order' ? steps : [last, ...steps.slice(0, -1), last];
    for (let i = 0; i < order.length; i++) {
      await sleep(this.delays[Math.min(i, this.delays.length - 1)] ?? 0);
      if (this.work.isStopped || !this.messageMap.has(m.sid)) return;
      this.applyStatus(m, steps[Math.min(i, steps.length - 1)]!);
      const step = order[i]!;
      if (m.statusCallback && (this.callbacks === 'every' || i === order.length - 1)) {
        const params: FormFields = {
          AccountSid: m.accountSid,
          ApiVersion: API_VERSION,
          From: m.from ?? this.messagingServiceNumber,
          MessageSid: m.sid,
          MessageStatus: step.status,
          SmsSid: m.sid,
          SmsStatus: step.status,
          To: m.to,
        };
        if (m.messagingServiceSid) params.MessagingServiceSid = m.messagingServiceSid;
        if (step.errorCode !== undefined) params.ErrorCode = String(step.errorCode);
        await this.sendWebhook('message-status', m.sid, m.statusCallback, 'POST', params);
      }
    }
    if (!this.keepMessages) this.messageMap.delete(m.sid);
  }

  private applyStatus(m: SimMessage, step: { status: MessageStatus; errorCode?: number }): void {
    if (m.status === 'accepted' && !m.from) m.from = this.messagingServiceNumber;
    m.status = step.status;
    m.dateUpdated = new Date();
    if (step.status === 'sent' && !m.dateSent) m.dateSent = m.dateUpdated;
    if (step.errorCode !== undefined) {
      m.errorCode = step.errorCode;
      m.errorMessage = step.errorCode === 21610 ? 'Attempt to send to unsubscribed recipient' : 'Message delivery failed';
    }
  }

  private setCallStatus(call: SimCall, status: CallStatus): void {
    call.status = status;
    call.dateUpdated = new Date();
  }

  private async playCall(call: SimCall, steps: CallStep[], first: 'ringing' | 'in-progress'): Promise<CallResult> {
    const outcome = await runScriptedCall(
      {
        fetchTwiml: (c, url, method, params) => this.sendWebhook('voice', c.sid, url, method, params),
        baseParams: (c, status) => this.voiceParams(c, status),
        createRecording: (c, seconds) => {
          const r: SimRecording = {
            sid: newSid('RE'),
            accountSid: this.accountSid,
            callSid: c.sid,
            duration: seconds,
            dateCreated: new Date(),
          };
          this.recordingMap.set(r.sid, r);
          return { sid: r.sid, url: `${this.url}/${API_VERSION}/Accounts/${this.accountSid}/Recordings/${r.sid}` };
        },
        recordingStatus: (c, url, method, params) => {
          this.work.run(async () => {
            await this.sendWebhook('recording-status', c.sid, url, method, { ...this.voiceParams(c, 'completed'), ...params });
          });
        },
      },
      call,
      steps,
      first,
    );
    call.documents.push(...outcome.documents);
    await this.finishCall(call, outcome.status);
    return {
      callSid: call.sid,
      status: call.status,
      documents: outcome.documents,
      says: outcome.documents.flatMap((d) => d.says),
    };
  }

  private async finishCall(call: SimCall, status: CallStatus): Promise<void> {
    const now = new Date();
    this.setCallStatus(call, status);
    call.endTime = now;
    call.duration = call.startTime ? Math.max(1, Math.ceil((now.getTime() - call.startTime.getTime()) / 1000)) : 0;
    await this.callEvent(call, 'completed', status);
  }

  private voiceParams(call: SimCall, callStatus: string): FormFields {
    const p: FormFields = {
      AccountSid: this.accountSid,
      ApiVersion: API_VERSION,
      CallSid: call.sid,
      CallStatus: callStatus,
      Called: call.to,
      CalledCountry: countryOf(call.to),
      Caller: call.from,
      CallerCountry: countryOf(call.from),
      Direction: call.direction,
      From: call.from,
      FromCountry: countryOf(call.from),
      To: call.to,
      ToCountry: countryOf(call.to),
    };
    if (call.answeredBy) p.AnsweredBy = call.answeredBy;
    return p;
  }

  /** Sends a call status callback when the call asked for `event`. */
  private async callEvent(call: SimCall, event: string, callStatus: string): Promise<void> {
    if (!call.statusCallback || !call.statusCallbackEvents.includes(event)) return;
    const params: FormFields = {
      ...this.voiceParams(call, callStatus),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(this.callbackSequence++),
      Timestamp: rfc2822(new Date()),
    };
    if (event === 'completed') {
      params.CallDuration = String(call.duration ?? 0);
      params.Duration = String(Math.ceil((call.duration ?? 0) / 60));
    }
    await this.sendWebhook('call-status', call.sid, call.statusCallback, call.statusCallbackMethod, params);
  }

  /** Signs and sends one webhook request (form POST, or GET with the fields in the query) and records it. */
  private async sendWebhook(
    kind: WebhookDelivery['kind'],
    sid: string,
    url: string,
    method: 'GET' | 'POST',
    params: FormFields,
  ): Promise<WebhookResponse> {
    let signedUrl = url;
    let body: string | undefined;
    const headers: Record<string, string> = {
      'user-agent': 'TwilioProxy/1.1',
      accept: '*/*',
      'i-twilio-idempotency-token': randomUUID(),
    };
    if (method === 'GET') {
      signedUrl = `${url}${url.includes('?') ? '&' : '?'}${encodeForm(params)}`;
      headers[SIGNATURE_HEADER] = twilioSignature(this.authToken, signedUrl);
    } else {
      body = encodeForm(params);
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers[SIGNATURE_HEADER] = twilioSignature(this.authToken, url, params);
    }
    const deliveredTo = this.deliveryTarget(signedUrl);
    const response = await deliver(deliveredTo, { method, headers, body });
    if (!this.webhookLog) return response;
    this.deliveries.push({
      kind,
      sid,
      url: signedUrl,
      deliveredTo,
      method,
      params,
      signature: headers[SIGNATURE_HEADER]!,
      sentAt: new Date(),
      response,
    });
    return response;
  }

  private deliveryTarget(url: string): string {
    if (!this.deliveryBase) return url;
    const u = new URL(url);
    return this.deliveryBase.replace(/\/+$/, '') + u.pathname + u.search;
  }
}

function bad(code: number, message: string): RestAnswer {
  return { status: 400, body: twilioError(400, code, message) };
}

function upperMethod(m: string | undefined): 'GET' | 'POST' {
  return m?.toUpperCase() === 'GET' ? 'GET' : 'POST';
}

function toDelays(d: number | number[]): number[] {
  const list = Array.isArray(d) ? d : [d];
  return list.length ? list : [0];
}
