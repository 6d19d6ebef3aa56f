/**
 * Call recordings (evidence of confirmations) fetched from Twilio with the account's credentials,
 * so staff play them through the service and the provider's media URL never reaches a browser.
 * The URL is built from the recording's sid and the configured API base, never taken from a
 * stored URL, so nothing in the ledger can point the service at another host.
 */
import { request } from 'node:http';
import { request as requestHttps } from 'node:https';
import type { Readable } from 'node:stream';
import type { TwilioSettings } from '../providers.js';

export const RECORDING_SID = /^RE[0-9a-f]{32}$/;

export interface RecordingMedia {
  contentType: string;
  length: number | null;
  body: Readable;
}

/**
 * The recording's audio as Twilio stores it (WAV), streamed; null when the provider has no such
 * recording. Throws when the provider cannot be reached or answers an error.
 */
export function fetchRecording(
  twilio: Pick<TwilioSettings, 'accountSid' | 'authToken' | 'apiBase'>,
  sid: string,
): Promise<RecordingMedia | null> {
  if (!RECORDING_SID.test(sid)) return Promise.resolve(null);
  const base = (twilio.apiBase ?? 'https://api.twilio.com').replace(/\/$/, '');
  const url = new URL(`${base}/2010-04-01/Accounts/${twilio.accountSid}/Recordings/${sid}.wav`);
  const auth = Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64');
  const get = url.protocol === 'https:' ? requestHttps : request;
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { authorization: `Basic ${auth}` }, timeout: 15_000 }, (res) => {
      const status = res.statusCode ?? 0;
      if (status === 404) {
        res.resume();
        return resolve(null);
      }
      if (status < 200 || status >= 300) {
        res.resume();
        return reject(new Error(`the provider answered ${status} for recording ${sid}`));
      }
      const length = Number(res.headers['content-length']);
      resolve({
        contentType: res.headers['content-type'] ?? 'audio/x-wav',
        length: Number.isFinite(length) ? length : null,
        body: res,
      });
    });
    req.on('timeout', () => req.destroy(new Error(`the provider did not answer for recording ${sid}`)));
    req.on('error', reject);
    req.end();
  });
}
