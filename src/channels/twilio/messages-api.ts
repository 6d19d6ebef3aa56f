/**
 * Creating an SMS with one keep-alive HTTP request: the hot path of every broadcast. The `twilio`
 * client does the same request through axios and then parses three dates per answer, which costs
 * more CPU than everything else a campaign send does; node:http's client costs about twice what
 * undici's does per request. Every other Twilio call (lists, fetches, calls) still goes through
 * the client. Errors come back as the client's own RestException, so they map to send errors the
 * same way (send-errors.ts).
 */
import twilio from 'twilio';
import { Pool } from 'undici';

export interface MessagesApiOptions {
  accountSid: string;
  authToken: string;
  /** Replaces https://api.twilio.com (TWILIO_API_BASE, the simulator). */
  apiBase?: string;
  timeoutMs?: number;
  /** Connections kept open to the API (default 128: every request in flight gets its own). */
  connections?: number;
}

export interface CreatedMessage {
  sid: string;
  num_segments?: string;
}

export function createMessagesApi(o: MessagesApiOptions): (params: Record<string, string>) => Promise<CreatedMessage> {
  const base = new URL(o.apiBase ?? 'https://api.twilio.com');
  const timeout = o.timeoutMs ?? 30_000;
  const pool = new Pool(base.origin, {
    connections: o.connections ?? 128,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connectTimeout: Math.min(timeout, 10_000),
  });
  const path = `${base.pathname.replace(/\/+$/, '')}/2010-04-01/Accounts/${o.accountSid}/Messages.json`;
  const headers = {
    authorization: `Basic ${Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };

  return async (params) => {
    const res = await pool.request({ path, method: 'POST', headers, body: new URLSearchParams(params).toString() });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new twilio.RestException({ statusCode: res.statusCode, body: text });
    return JSON.parse(text) as CreatedMessage;
  };
}
