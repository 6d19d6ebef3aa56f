/**
 * Twilio's webhook signature (X-Twilio-Signature), computed the way Twilio computes it: the full
 * URL the request goes to (with its query string), then every POST parameter as name + value in
 * name order (a repeated name contributes each of its values, sorted), HMAC-SHA1 keyed by the
 * account's auth token, base64. A GET request signs the URL alone.
 */
import { createHmac } from 'node:crypto';
import type { FormFields } from '../http.js';

/** Header that carries the signature. */
export const SIGNATURE_HEADER = 'X-Twilio-Signature';

/** Signs a request to `url` with `params` (the form body; empty for GET). */
export function twilioSignature(authToken: string, url: string, params: FormFields = {}): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key]!;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) data += key + v;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}
