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
