/** Twilio REST error bodies: `{ code, message, more_info, status }`, as the official client reads them into RestException. */

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** Builds the JSON body Twilio answers with for error `code` at HTTP `status`. */
export function twilioError(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** The failures the simulator can be told to answer with instead of creating a resource. */
export type TwilioFailureKind =
  /** 400, 21211: invalid 'To' number (final: do not retry). */
  | 'invalid-number'
  /** 400, 21610: the recipient replied STOP (final: never retry, mark opted out). */
  | 'unsubscribed'
  /** 429, 20429 with a Retry-After header (retry later). */
  | 'rate-limited'
  /** 500, 20500 (retryable). */
  | 'server-error'
  /** 503, 20503 (retryable). */
  | 'unavailable'
  /** Answers normally, but only after `delayMs`. */
  | 'slow';

/** The status, error body and extra headers of an injected failure. */
export function failureResponse(
  kind: Exclude<TwilioFailureKind, 'slow'>,
  to: string,
  retryAfterSeconds: number,
): { status: number; body: TwilioErrorBody; headers: Record<string, string> } {
  switch (kind) {
    case 'invalid-number':
      return { status: 400, body: twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`), headers: {} };
    case 'unsubscribed':
      return { status: 400, body: twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'), headers: {} };
    case 'rate-limited':
      return {
        status: 429,
        body: twilioError(429, 20429, 'Too Many Requests'),
        headers: { 'retry-after': String(retryAfterSeconds) },
      };
    case 'server-error':
      return { status: 500, body: twilioError(500, 20500, 'An internal server error has occurred'), headers: {} };
    case 'unavailable':
      return { status: 503, body: twilioError(503, 20503, 'Service Unavailable'), headers: {} };
  }
}
