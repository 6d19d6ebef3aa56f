/**
 * Field rules every webhook shares: ledger ids carried in callback URLs, and NUL bytes.
 *
 * PostgreSQL text and jsonb cannot hold U+0000, so a field carrying
 * one would fail the insert (a 5xx, and a provider retrying it for hours). Twilio's form fields are
 * refused with a 400 naming the field; Telegram's JSON is cleaned instead, since an update Telegram
 * cannot deliver is retried and then dropped, and the person's words would be lost with it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { nulPath } from '../../../validation.js';

/**
 * A ledger id in a callback URL (`?m=`, an OutboundMessage id: a bigint column). At most 18 digits,
 * so every accepted value fits the column; ids never come near 10^18.
 */
export const LEDGER_ID = { type: 'string', pattern: '^[0-9]{1,18}$' } as const;

/** preValidation hook: 400 when a form field or query parameter holds a NUL byte. */
export async function refuseNulBytes(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  // Forms and query strings are parsed into objects of their own prototype: copied to plain ones.
  const field = nulPath({ ...(req.body as object) }, 'body') ?? nulPath({ ...(req.query as object) }, 'querystring');
  if (field) {
    await reply.status(400).send({ error: 'validation_error', message: `${field} must not contain NUL bytes` });
  }
}

/** A JSON value with every NUL byte removed from its strings and keys. */
export function withoutNulBytes<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '') as T;
  if (Array.isArray(value)) return value.map(withoutNulBytes) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replaceAll('\u0000', ''), withoutNulBytes(v)])) as T;
  }
  return value;
}
