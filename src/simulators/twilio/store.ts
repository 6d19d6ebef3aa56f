/**
 * What the Twilio simulator holds: messages, calls and every webhook it delivered, kept in memory
 * for assertions, and rendered as the JSON resources of the REST API.
 */
import type { FormFields, WebhookResponse } from '../http.js';
import { API_VERSION, rfc2822 } from './ids.js';

export type MessageStatus =
  | 'accepted'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'receiving'
  | 'received';

export type MessageDirection = 'outbound-api' | 'outbound-reply' | 'inbound';

/** A message as the simulator keeps it. */
export interface SimMessage {
  sid: string;
  accountSid: string;
  direction: MessageDirection;
  from: string | null;
  to: string;
  body: string;
  status: MessageStatus;
  numSegments: number;
  numMedia: number;
  messagingServiceSid: string | null;
  errorCode: number | null;
  errorMessage: string | null;
  statusCallback: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  /** The form fields the client sent (for an inbound message: the fields posted to the webhook). */
  params: FormFields;
}

export type CallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';

/** One TwiML document the simulator fetched during a call, and what it did with it. */
export interface VoiceDocument {
  /** The URL fetched, or null for TwiML passed inline with the call. */
  url: string | null;
  method: 'GET' | 'POST';
  /** The parameters sent with the request (CallSid, CallStatus, Digits, SpeechResult, ...). */
  params: FormFields;
  httpStatus: number | null;
  /** The raw TwiML text. */
  twiml: string;
  /** Text of every <Say> reached in this document, including those nested in <Gather>. */
  says: string[];
  /** The recording <Record> made in this document, if any. */
  recording?: { sid: string; duration: number };
  /** The <Gather> that took input from this document, if any. */
  gather?: { action: string | null; method: string; input: string; numDigits?: string; language?: string; timeout?: string };
  /** Twilio error code when the document could not be used (11200 HTTP error, 12100 parse failure). */
  errorCode?: number;
  /** Verbs the simulator does not act on (Dial, Enqueue, ...), by name. */
  unsupported: string[];
}

/** A recording made by <Record> during a call. */
export interface SimRecording {
  sid: string;
  accountSid: string;
  callSid: string;
  /** Seconds of audio. */
  duration: number;
  dateCreated: Date;
}

/** A recording's JSON resource, as Twilio answers `Recordings/{Sid}.json`. */
export function recordingResource(r: SimRecording): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${r.accountSid}/Recordings/${r.sid}.json`;
  return {
    account_sid: r.accountSid,
    api_version: API_VERSION,
    call_sid: r.callSid,
    channels: 1,
    date_created: rfc2822(r.dateCreated),
    date_updated: rfc2822(r.dateCreated),
    duration: String(r.duration),
    sid: r.sid,
    source: 'RecordVerb',
    status: 'completed',
    uri,
    media_url: `https://api.twilio.com${uri.replace(/\.json$/, '')}`,
  };
}

/** Sample rate of simulated recordings (a phone line). */
const WAV_RATE = 8000;

/**
 * The audio of a simulated recording: `seconds` of a quiet 440 Hz tone as 16-bit mono PCM WAV, the
 * format Twilio stores recordings in.
 */
export function recordingWav(seconds: number): Buffer {
  const samples = Math.max(1, Math.round(seconds * WAV_RATE));
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(WAV_RATE, 24);
  wav.writeUInt32LE(WAV_RATE * 2, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / WAV_RATE)), 44 + i * 2);
  return wav;
}

/** A call as the simulator keeps it. */
export interface SimCall {
  sid: string;
  accountSid: string;
  direction: 'outbound-api' | 'inbound';
  from: string;
  to: string;
  status: CallStatus;
  url: string | null;
  method: 'GET' | 'POST';
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackMethod: 'GET' | 'POST';
  statusCallbackEvents: string[];
  machineDetection: string | null;
  answeredBy: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  startTime: Date | null;
  endTime: Date | null;
  duration: number | null;
  params: FormFields;
  documents: VoiceDocument[];
}

/** One request the simulator made to the service. */
export interface WebhookDelivery {
  kind: 'message-status' | 'call-status' | 'recording-status' | 'sms' | 'voice';
  /** The MessageSid or CallSid it is about. */
  sid: string;
  /** The URL signed (the one configured). */
  url: string;
  /** Where the request actually went (differs from url only with deliveryBase). */
  deliveredTo: string;
  method: 'GET' | 'POST';
  params: FormFields;
  signature: string;
  sentAt: Date;
  response: WebhookResponse;
}

/** Renders a message as Twilio's REST API returns it. */
export function messageResource(m: SimMessage): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.sid}.json`;
  return {
    account_sid: m.accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.dateSent ? rfc2822(m.dateSent) : null,
    date_updated: rfc2822(m.dateUpdated),
    direction: m.direction,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: String(m.numMedia),
    num_segments: String(m.numSegments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
    to: m.to,
    uri,
  };
}

/** Renders a call as Twilio's REST API returns it. */
export function callResource(c: SimCall): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${c.accountSid}/Calls/${c.sid}.json`;
  const base = uri.replace(/\.json$/, '');
  return {
    account_sid: c.accountSid,
    annotation: null,
    answered_by: c.answeredBy,
    api_version: API_VERSION,
    caller_name: null,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    direction: c.direction,
    duration: c.duration === null ? null : String(c.duration),
    end_time: c.endTime ? rfc2822(c.endTime) : null,
    forwarded_from: null,
    from: c.from,
    from_formatted: c.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: c.sid,
    start_time: c.startTime ? rfc2822(c.startTime) : null,
    status: c.status,
    subresource_uris: {
      notifications: `${base}/Notifications.json`,
      recordings: `${base}/Recordings.json`,
      events: `${base}/Events.json`,
    },
    to: c.to,
    to_formatted: c.to,
    trunk_sid: null,
    uri,
  };
}

/** A page of a list answer, in Twilio's list shape (`{ <key>: [...], page, page_size, next_page_uri, ... }`). */
export function listPage<T extends { sid: string }>(
  key: string,
  path: string,
  items: T[],
  query: URLSearchParams,
  render: (item: T) => Record<string, unknown>,
): Record<string, unknown> {
  const pageSize = Math.min(Math.max(Number(query.get('PageSize') ?? 50) || 50, 1), 1000);
  const page = Math.max(Number(query.get('Page') ?? 0) || 0, 0);
  // Twilio's PageToken names the last item of the previous page, so a page does not shift when
  // new items arrive between two requests; without one, Page * PageSize is the offset.
  const token = query.get('PageToken');
  let start = page * pageSize;
  if (token?.startsWith('PA')) {
    const after = items.findIndex((i) => i.sid === token.slice(2));
    if (after !== -1) start = after + 1;
  }
  const slice = items.slice(start, start + pageSize);
  const filters = new URLSearchParams(query);
  for (const k of ['Page', 'PageSize', 'PageToken']) filters.delete(k);
  const uriFor = (p: number, extra: Record<string, string> = {}) => {
    const q = new URLSearchParams(filters);
    q.set('PageSize', String(pageSize));
    q.set('Page', String(p));
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return `${path}?${q.toString()}`;
  };
  const last = slice[slice.length - 1];
  const hasNext = start + pageSize < items.length && last !== undefined;
  return {
    [key]: slice.map(render),
    end: start + Math.max(slice.length - 1, 0),
    first_page_uri: uriFor(0),
    next_page_uri: hasNext ? uriFor(page + 1, { PageToken: `PA${last.sid}` }) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? uriFor(page - 1) : null,
    start,
    uri: `${path}?${query.toString()}`,
  };
}

/** Applies Twilio's DateSent filters: `DateSent` (that UTC day), `DateSent<` (on or before), `DateSent>` (on or after). */
export function matchesDateSent(sent: Date | null, query: URLSearchParams): boolean {
  const on = query.get('DateSent');
  const before = query.get('DateSent<');
  const after = query.get('DateSent>');
  if (!on && !before && !after) return true;
  if (!sent) return false;
  const iso = sent.toISOString();
  if (on && iso.slice(0, 10) !== on.slice(0, 10)) return false;
  if (before && sent.getTime() > boundary(before, 'end')) return false;
  if (after && sent.getTime() < boundary(after, 'start')) return false;
  return true;
}

/** A bare date bound covers its whole day; a date-time bound is exact. */
function boundary(value: string, side: 'start' | 'end'): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = Date.parse(`${value}T00:00:00Z`);
    return side === 'start' ? day : day + 86_400_000 - 1;
  }
  return Date.parse(value);
}
