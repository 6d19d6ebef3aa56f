/**
 * Resident identity numbers (居民身份证号码, GB 11643-1999): 6-digit area code, 8-digit birth date,
 * 3-digit sequence (odd for men, even for women) and a check character over the first 17.
 *
 * The ledger never stores the number itself: only a keyed HMAC-SHA256 (for lookups and
 * de-duplication) and the last 4 characters (for staff to tell people apart on screen).
 */
import { createHmac } from 'node:crypto';
import { shanghaiDay } from './china-time.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Leading two digits in use: provinces, plus 71/81/82/83 for Taiwan, Hong Kong and Macao residents. */
const PROVINCE_PREFIXES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
]);

export type IdNumberProblem = 'length' | 'characters' | 'province' | 'birthDate' | 'checksum';

export type IdNumberResult =
  | { ok: true; id: string; gender: 'M' | 'F'; birthYear: number; birthDate: string }
  | { ok: false; problem: IdNumberProblem };

/** The check character (0-9 or X) for the first 17 digits. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11] as string;
}

/**
 * Canonical form of what a person typed or a spreadsheet holds: full-width characters folded
 * (NFKC), whitespace and the apostrophe Excel users put in front of long numbers removed, a
 * lower-case x made upper-case.
 */
export function normaliseIdNumber(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/[\s'’‘]/g, '')
    .toUpperCase();
}

/** True when year, month (1-12) and day make a calendar date. */
export function isRealDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * Checks an ID number and derives gender and birth year. `today` (YYYY-MM-DD, default today in China) bounds the birth date.
 * Only 18-character numbers are accepted: the 15-digit first-generation cards expired in 2013.
 */
export function parseIdNumber(raw: string, today = shanghaiDay(new Date())): IdNumberResult {
  const id = normaliseIdNumber(raw);
  if (id.length !== 18) return { ok: false, problem: 'length' };
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, problem: 'characters' };
  if (!PROVINCE_PREFIXES.has(id.slice(0, 2))) return { ok: false, problem: 'province' };
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (y < 1900 || !isRealDate(y, m, d) || birthDate > today) return { ok: false, problem: 'birthDate' };
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, problem: 'checksum' };
  const gender = (id.charCodeAt(16) - 48) % 2 === 1 ? 'M' : 'F';
  return { ok: true, id, gender, birthYear: y, birthDate };
}

/** Builds a valid number from its parts (synthetic data and tests). `sequence` is 0-999. */
export function makeIdNumber(areaCode: string, birthDate: string, sequence: number): string {
  const first17 = `${areaCode}${birthDate.replaceAll('-', '')}${String(sequence).padStart(3, '0')}`;
  if (!/^\d{17}$/.test(first17)) throw new Error('makeIdNumber: expected a 6-digit area, YYYY-MM-DD and 0-999');
  return first17 + idCheckChar(first17);
}

/** Keyed hash of a normalised ID number: hex HMAC-SHA256 under the ledger's ID hash key. */
export function hashIdNumber(normalisedId: string, key: string): string {
  return createHmac('sha256', key).update(normalisedId).digest('hex');
}

/** The part of the number staff may see. */
export function idLast4(normalisedId: string): string {
  return normalisedId.slice(-4);
}
