/**
 * One-time codes sent by SMS: to link a Telegram chat to a worker's phone, and to back a family
 * confirmation with the worker's own phone. The code itself is never stored: the conversation
 * keeps a hash bound to its channel and address, so a code is only good in the conversation that
 * asked for it, and that conversation allows three tries.
 */
import { createHash, randomInt } from 'node:crypto';
import type { TFunction } from 'i18next';
import type { Sql } from '../db/sql.js';
import { createMessage } from './outbound.js';

/** Codes per phone per hour: stops a stranger from flooding someone's phone with codes. */
export const MAX_CODES_PER_HOUR = 3;

/** A 6-digit code without a leading zero (it is read back as a number). */
export function newCode(): string {
  return String(randomInt(100_000, 1_000_000));
}

/** The hash a conversation keeps: bound to where the conversation is, so it is useless elsewhere. */
export function hashCode(scope: string, code: string): string {
  return createHash('sha256').update(`${scope}\u0000${code.trim()}`).digest('hex');
}

export interface CodeTarget {
  kind: 'worker' | 'phone';
  /** For 'worker': the worker whose own phone gets the code. */
  workerId?: number | null;
  /** For 'phone': a number typed in the conversation; the code goes out only if a worker has it. */
  phone?: string;
}

/**
 * Writes the SMS carrying a code to the worker's phone and returns its id for queueing, or null
 * when there is no such worker or phone, or the phone had its codes for the hour. Callers must
 * answer the same either way, so nobody learns whether a number is registered.
 */
export async function sendCode(
  sql: Sql,
  target: CodeTarget,
  /** The message in the recipient's language; it carries the code. */
  body: (language: string) => string,
  now = new Date(),
): Promise<bigint | null> {
  const w =
    target.kind === 'worker'
      ? await sql.query<{ id: number; phone: string | null; language: string }>(
          `SELECT id, phone, language FROM "Worker" WHERE id = $1`,
          [target.workerId ?? null],
        )
      : await sql.query<{ id: number; phone: string | null; language: string }>(
          `SELECT id, phone, language FROM "Worker" WHERE phone = $1 ORDER BY id LIMIT 1`,
          [target.phone ?? null],
        );
  const worker = w.rows[0];
  if (!worker?.phone) return null;
  const recent = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "OutboundMessage"
      WHERE kind = 'OTP' AND "toAddress" = $1 AND "queuedAt" > $2::timestamp(3) - interval '1 hour'`,
    [worker.phone, now.toISOString()],
  );
  if ((recent.rows[0]?.n ?? 0) >= MAX_CODES_PER_HOUR) return null;
  return createMessage(sql, {
    kind: 'OTP',
    channel: 'SMS',
    body: body(worker.language),
    language: worker.language,
    workerId: worker.id,
    toAddress: worker.phone,
  });
}

/** Body of a code message in the recipient's language. */
export const codeBody = (t: (language: string) => TFunction, purpose: string, code: string) => (language: string) =>
  t(language)(`flows:otp.${purpose}`, { code }) as string;
