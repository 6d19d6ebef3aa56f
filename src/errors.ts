/**
 * The one error type of the domain: what a caller asked for wrongly, or what the ledger's rules
 * refuse. It carries the HTTP status and a machine-readable code; the app's error handler
 * (src/server/app.ts) answers every DomainError the same way, `{ error: code, message }`, and the
 * CLI prints its message. The message names the field or the rule, never a phone or ID number.
 *
 * Modules throw these (or a subclass that adds detail, such as the unwilling record's list of
 * missing items) instead of errors of their own, so no route has to translate them.
 */
export type DomainStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422;

export class DomainError extends Error {
  constructor(
    readonly statusCode: DomainStatus,
    /** Machine-readable: validation_error, not_found, forbidden, conflict, opted_out, … */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** 400: a field of the request is wrong. `field` is its path as the caller wrote it ("body/workerId"). */
export const invalid = (field: string, why: string) => new DomainError(400, 'validation_error', `${field} ${why}`);

/** 403: the caller may not do this (role, or a region outside their scope). */
export const forbidden = (message: string) => new DomainError(403, 'forbidden', message);

/** 404: no such record, or one outside the caller's scope (the two read the same). */
export const notFound = (message: string) => new DomainError(404, 'not_found', message);

/** 409: the record's state does not allow it now. */
export const conflict = (code: string, message: string) => new DomainError(409, code, message);

/** 422: the request is well formed but a program rule refuses it. */
export const refused = (code: string, message: string) => new DomainError(422, code, message);
