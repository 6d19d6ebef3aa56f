/**
 * Staff passwords for signing in to the console, hashed with scrypt (node:crypto, no native
 * package). Stored as `scrypt$N$r$p$salt$hash` (salt and hash base64url), so the cost can be
 * raised later without breaking existing hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { invalid } from '../errors.js';

const N = 16_384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/** At least this long: a password people can type on a phone, but not a PIN. */
export const MIN_PASSWORD_LENGTH = 10;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Refuses a password that is too short or too long (before hashing anything). */
export function checkPasswordRules(password: string, field = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw invalid(field, `must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 200) throw invalid(field, 'must have at most 200 characters');
}

export async function hashPassword(password: string): Promise<string> {
  checkPasswordRules(password);
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches the stored hash (false for a malformed or missing hash). */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = stored?.split('$');
  if (parts?.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0) || n > 1 << 20) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), n, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}
