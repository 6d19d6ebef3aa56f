/**
 * Creating an SMS with one keep-alive HTTP request: the hot path of every broadcast. The `twilio`
 * client does the same request through axios and then parses three dates per answer, which costs
 * more CPU than everything else a campaign send does; every other Twilio call (lists, calls)
 * still goes through the client. Errors come back as the client's own RestException, so they map
 * to send errors the same way (send-errors.ts).
 */
import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';

export interface MessagesApiOptions {
  accountSid: string;
  authToken: string;
  /** Replaces https://api.twilio.com (TWILIO_API_BASE, the simulator). */
  apiBase?: string;
  timeoutMs?: number;
}

export interface CreatedMessage {
  sid: string;
  num_segments?: string;
}

export function createMessagesApi(o: MessagesApiOptions): (params: Record<string, string>) => Promise<CreatedMessage> {
  const base = new URL(o.apiBase ?? 'https://api.twilio.com');
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 100 })
    : new http.Agent({ keepAlive: true, maxSockets: 100 });
  const path = `${base.pathname.replace(/\/+$/, '')}/2010-04-01/Accounts/${o.accountSid}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64')}`;
  const timeout = o.timeoutMs ?? 30_000;

  return (params) =>
    new Promise<CreatedMessage>((resolve, reject) => {
      const body = new URLSearchParams(params).toString();
      const req = (secure ? https : http).request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          path,
          method: 'POST',
          agent,
          timeout,
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            accept: 'application/json',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const statusCode = res.statusCode ?? 0;
            if (statusCode < 200 || statusCode >= 300) return reject(new twilio.RestException({ statusCode, body: text }));
            try {
              resolve(JSON.parse(text) as CreatedMessage);
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from Twilio within ${timeout} ms`)));
      req.on('error', reject);
      req.end(body);
    });
}
