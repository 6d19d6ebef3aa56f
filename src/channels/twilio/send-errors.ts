/** Twilio REST errors mapped to typed send errors, by HTTP status and Twilio error code only. */
import twilio from 'twilio';
import { TWILIO_OPTED_OUT } from '../../ledger/program-rules.js';
import { FinalSendError, OptedOutSendError, RateLimitedSendError, RetryableSendError, type SendError } from '../errors.js';

/** Twilio error codes that mean the recipient unsubscribed (STOP) or is blocked. */
const OPTED_OUT = new Set([TWILIO_OPTED_OUT]);
/** The client drops response headers, so a 429's Retry-After is not readable; back off this long. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

export function toSendError(err: unknown): SendError {
  if (err instanceof twilio.RestException) {
    const code = err.code !== undefined ? String(err.code) : String(err.status);
    if (err.code !== undefined && OPTED_OUT.has(err.code)) return new OptedOutSendError('recipient opted out', code);
    if (err.status === 429 || err.code === 20429) return new RateLimitedSendError('rate limited', DEFAULT_RETRY_AFTER_MS, code);
    if (err.status >= 500) return new RetryableSendError(`provider error ${err.status}`, code);
    // Any other 4xx (invalid number 21211, not a mobile 21614, …) will fail the same way again.
    return new FinalSendError(`rejected: Twilio ${code}`, code);
  }
  // Timeouts, refused connections, DNS: the request may not have reached Twilio.
  return new RetryableSendError(`network error: ${(err as Error)?.message ?? String(err)}`);
}
