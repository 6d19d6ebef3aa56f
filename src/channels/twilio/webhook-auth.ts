/**
 * Twilio webhook signatures: HMAC-SHA1 of the full URL plus the sorted POST parameters, keyed
 * by the auth token. The URL is rebuilt from PUBLIC_BASE_URL, never from Host headers, which a
 * caller controls.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';

/**
 * True when `signature` signs `url` and `params`. The URL exactly as configured is tried first
 * (one HMAC: what Twilio signs, and what every delivery callback of a broadcast carries); only a
 * mismatch goes on to the client's check of the port and encoding variants.
 */
export function validTwilioSignature(authToken: string, signature: string, url: string, params: Record<string, string>): boolean {
  const expected = Buffer.from(twilio.getExpectedTwilioSignature(authToken, url, params));
  const given = Buffer.from(signature);
  if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
  return twilio.validateRequest(authToken, signature, url, params);
}

export function twilioSignatureCheck(authToken: () => string, publicBaseUrl: string) {
  return async function verify(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const signature = req.headers['x-twilio-signature'];
    const params = (req.body ?? {}) as Record<string, string>;
    if (typeof signature !== 'string' || !validTwilioSignature(authToken(), signature, publicBaseUrl + req.url, params)) {
      req.log.warn({ path: req.url.split('?')[0] }, 'twilio webhook refused: bad or missing signature');
      await reply.status(403).send({ error: 'forbidden', message: 'invalid X-Twilio-Signature' });
    }
  };
}
