/**
 * Typed send errors. What happens next is decided by the type, never by an error's text:
 * - RetryableSendError: timeouts, connection errors, provider 5xx: try again with backoff.
 * - RateLimitedSendError: the provider said slow down (429): pause the channel for retryAfterMs.
 * - OptedOutSendError: the recipient unsubscribed or blocked the bot: record the opt-out, never retry.
 * - FinalSendError: the message can never go (invalid number, bad request): mark failed.
 */
export abstract class SendError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    /** The provider's error code (Twilio 21211, Telegram 403, …) for the ledger. */
    readonly code?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class RetryableSendError extends SendError {
  readonly retryable = true;
  constructor(
    message: string,
    code?: string,
    /**
     * The request may have reached the provider (no answer in time, a connection dropped after
     * the request went out): the message may have been sent. It is not sent again before its
     * outcome is settled (src/outbound/claims.ts). False for an answer that says it was not taken
     * (5xx) and for a connection that never opened.
     */
    readonly outcomeUnknown = false,
  ) {
    super(message, code);
  }
}

/** Network error codes of a connection that never opened: the request surely did not arrive. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when a network error happened before the request could reach the provider. */
export function neverConnected(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown; error?: unknown } | undefined, i = 0; e && i < 4; i++) {
    if (typeof e.code === 'string' && NOT_CONNECTED.has(e.code)) return true;
    e = (e.cause ?? e.error) as typeof e;
  }
  return false;
}

export class RateLimitedSendError extends SendError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    code?: string,
  ) {
    super(message, code);
  }
}

export class OptedOutSendError extends SendError {
  readonly retryable = false;
}

export class FinalSendError extends SendError {
  readonly retryable = false;
}
