/**
 * Twilio webhook signatures: HMAC-SHA1 of the full URL plus the sorted POST parameters, keyed
 * by the auth token. The URL is rebuilt from PUBLIC_BASE_URL, never from Host headers, which a
 * caller controls.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';

export function twilioSignatureCheck(authToken: () => string, publicBaseUrl: string) {
  return async function verify(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const signature = req.headers['x-twilio-signature'];
    const params = (req.body ?? {}) as Record<string, string>;
    if (typeof signature !== 'string' || !twilio.validateRequest(authToken(), signature, publicBaseUrl + req.url, params)) {
      req.log.warn({ path: req.url.split('?')[0] }, 'twilio webhook refused: bad or missing signature');
      await reply.status(403).send({ error: 'forbidden', message: 'invalid X-Twilio-Signature' });
    }
  };
}
