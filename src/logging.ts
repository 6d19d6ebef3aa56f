/**
 * pino logger that keeps phone numbers, ID numbers and secrets out of the logs.
 * Known fields are censored by path; every string that reaches a log line is also scrubbed of
 * anything shaped like a mainland mobile number, an E.164 number or a resident ID number,
 * so a number inside a message text or an error is hidden too.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';

const ID_NUMBER = /(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9])/g;
const PHONE = /(?<![0-9A-Za-z])(?:\+|00)?(?:86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?![0-9])|\+[1-9]\d{7,14}(?![0-9])/g;

/** Replaces phone-like and ID-like substrings with a marker. */
export function redactText(text: string): string {
  return text.replace(ID_NUMBER, '[id]').replace(PHONE, '[phone]');
}

const SENSITIVE_KEY =
  /^(phone|from|to|mobile|idnumber|id_number|authorization|token|secret|password|x-twilio-signature|x-telegram-bot-api-secret-token|body|text|called|caller|tocountry|fromcountry)$/i;

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), stack: value.stack ? redactText(value.stack) : undefined };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEY.test(k) && v !== undefined && v !== null ? '[redacted]' : scrub(v, depth + 1, seen);
  }
  return out;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    // Serializers run before formatters: the request line's URL may carry a phone in a query string.
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        url: redactText(req.url ?? ''),
        id: req.id,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: (err: Error) => scrub(err, 0, new WeakSet()),
    },
    formatters: {
      log: (obj) => scrub(obj, 0, new WeakSet()) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        // The message string (the last string argument) is scrubbed too.
        const scrubbed = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as typeof args;
        method.apply(this, scrubbed);
      },
    },
  };
}

export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

export type { Logger };
