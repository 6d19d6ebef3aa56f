/**
 * Reading console forms and query strings with zod: a value that does not fit is a 400 naming
 * the field, shown on the error page; nothing is written.
 */
import { z } from 'zod';
import { invalid } from '../errors.js';
import { RowIdParam } from '../validation.js';

export function parseForm<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  return (() => {
    throw invalid(issue.path.join('.') || 'form', issue.message);
  })();
}

/** A checkbox or a select of yes/no/any: 'true' / 'false' / '' → boolean | undefined. */
export function optionalBool(v: string | undefined): boolean | undefined {
  return v === 'true' || v === 'on' ? true : v === 'false' ? false : undefined;
}

/** A route's `:id`. */
export const IdParams = z.object({ id: RowIdParam });

/** An optional text field: trimmed, at most `max` characters; empty is null. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => v || null);
