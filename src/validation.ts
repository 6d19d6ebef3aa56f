/**
 * zod building blocks shared by the domain modules and the staff API: ids that fit the column
 * they name, so a value past a column's range is a 400 naming the field rather than an error from
 * PostgreSQL. (NUL characters, which PostgreSQL text cannot hold, are refused for every string
 * of every API request by one hook: src/server/routes/api/index.ts.)
 */
import { z } from 'zod';

/** The largest value of an Int column (PostgreSQL integer). */
export const INT_MAX = 2_147_483_647;
/** The largest value of a BigInt column (PostgreSQL bigint). */
export const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** A row id of an Int column in JSON. */
export const RowId = z.number().int().min(1).max(INT_MAX);

/** A row id of an Int column in a path or query string. */
export const RowIdParam = z.coerce.number().int().min(1).max(INT_MAX);

/** A row id of a BigInt column: decimal digits (JSON numbers lose precision past 2^53). */
export const BigRowId = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, 'expected a positive whole number')
  // zod runs every check: this one must not assume the pattern held.
  .refine((v) => /^[1-9]\d{0,18}$/.test(v) && BigInt(v) <= BIGINT_MAX, 'is past the largest id')
  .transform((v) => BigInt(v));

/** A whole number that fits an Int column (counts, yuan). */
export const IntValue = (min: number, max = INT_MAX) => z.number().int().min(min).max(Math.min(max, INT_MAX));

/**
 * The path ("body/name", "body/items/2") of the first string inside `value` (keys included) that
 * holds a NUL character, or null. PostgreSQL text cannot store NUL.
 */
export function nulPath(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  // Parsed JSON, query strings and route params (whatever their prototype); a streamed upload or a
  // buffer carries no fields to check.
  if (Buffer.isBuffer(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return null;
  for (const [key, v] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${path}/${key.replaceAll('\u0000', '\\u0000')}`;
    const inner = nulPath(v, `${path}/${key}`, depth + 1);
    if (inner) return inner;
  }
  return null;
}
