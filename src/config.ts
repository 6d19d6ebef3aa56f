/**
 * Configuration: the only module that reads process.env. Every variable is validated once, and a
 * bad value stops start-up with a message naming the variable and what it expects.
 * Documented in README.md and .env.example.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** An optional URL whose scheme matches `scheme`; one message whatever is wrong with it. */
const url = (what: string, scheme = /^https?:$/) =>
  optionalString.refine((v) => v === undefined || (URL.canParse(v) && scheme.test(new URL(v).protocol)), {
    message: `expected ${what}`,
  });

/** "HH:MM-HH:MM" (China time) or "off". */
const quietHours = z
  .string()
  .regex(/^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, { message: 'expected HH:MM-HH:MM or off' });

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./.data'),
  DATABASE_URL: url('a postgresql:// URL such as postgresql://user@host:5432/db', /^postgres(ql)?:$/),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Conversation turns handled at once per process (each holds a pooled connection for its turn). */
  INBOUND_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(16),
  /**
   * Single sends (replies, conversation messages) in flight at once per process and text channel:
   * each waits on its provider call, so this bounds replies per second at about this many per
   * provider round trip.
   */
  SEND_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  REDIS_URL: url('a Redis URL such as redis://127.0.0.1:6379', /^rediss?:$/),
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, _ . or -')
    .default('outreach'),
  PUBLIC_BASE_URL: url('the public https:// address that providers call, without a trailing path'),
  ID_HASH_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'expected at least 32 characters of secret',
  }),
  TWILIO_ACCOUNT_SID: optionalString.refine((v) => v === undefined || /^AC[0-9a-fA-F]{32}$/.test(v), {
    message: 'expected AC followed by 32 hex characters',
  }),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM: optionalString.refine((v) => v === undefined || /^\+[1-9]\d{6,14}$/.test(v), {
    message: 'expected a sender number in E.164 form, such as +8613800000000',
  }),
  TWILIO_MESSAGING_SERVICE_SID: optionalString.refine((v) => v === undefined || /^MG[0-9a-fA-F]{32}$/.test(v), {
    message: 'expected MG followed by 32 hex characters',
  }),
  TWILIO_API_BASE: url('an http(s) URL that replaces https://api.twilio.com'),
  TELEGRAM_BOT_TOKEN: optionalString.refine((v) => v === undefined || /^\d+:[\w-]{20,}$/.test(v), {
    message: 'expected a bot token such as 123456:ABC-DEF…',
  }),
  TELEGRAM_API_ROOT: url('an http(s) URL that replaces https://api.telegram.org'),
  /** SMS segments per second per sender number (0: unlimited). Carriers bill and throttle per segment. */
  SMS_RATE_PER_SECOND: z.coerce.number().min(0).default(10),
  /** Telegram: messages per second for the whole bot, and per chat. */
  TELEGRAM_RATE_PER_SECOND: z.coerce.number().min(0).default(30),
  TELEGRAM_CHAT_RATE_PER_SECOND: z.coerce.number().min(0).default(1),
  /** Voice calls in progress at once, across all processes. */
  VOICE_MAX_CONCURRENT_CALLS: z.coerce.number().int().min(1).default(5),
  /**
   * Quiet hours in China time (HH:MM-HH:MM, may wrap midnight; "off" for none): campaign messages
   * due inside them wait and go out when they end. Replies to a person who just wrote are not held.
   */
  QUIET_HOURS_SMS: quietHours.default('22:00-07:00'),
  QUIET_HOURS_TELEGRAM: quietHours.default('22:00-07:00'),
  QUIET_HOURS_VOICE: quietHours.default('21:00-08:00'),
  /**
   * The weekly check-in to workers whose status is stale, kept for every province: weekday
   * (0 = Sunday) and time in China time, or "off".
   */
  WEEKLY_CHECK_IN: z
    .string()
    .regex(/^(off|[0-6] ([01]\d|2[0-3]):[0-5]\d)$/, { message: 'expected "DAY HH:MM" (0 = Sunday) or off' })
    .default('1 09:00'),
  /** Campaign messages one person may receive per day and per week (all campaigns, all channels). */
  CAMPAIGN_MAX_PER_DAY: z.coerce.number().int().min(1).default(2),
  CAMPAIGN_MAX_PER_WEEK: z.coerce.number().int().min(1).default(5),
  /** Campaign messages sent per dispatch batch (one ledger write each way per batch). */
  DISPATCH_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
  /** Provider requests in flight at once per dispatch job. */
  DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(32),
  /** People per campaign slice, frozen at launch: one dispatch job each, shared out among the worker processes. */
  DISPATCH_SLICE_SIZE: z.coerce.number().int().min(1).max(100_000).default(2000),
  /** For CLI commands that talk to a running service (`outreach campaign …`): its API token. */
  OUTREACH_TOKEN: optionalString,
  /**
   * A message (campaign or reply) claimed this long ago and still unsent is "in doubt" (its
   * process died mid-send): SMS is checked against Twilio's message list, Telegram and calls are
   * recorded outcome_unknown. Longer than any provider call.
   */
  DISPATCH_IN_DOUBT_AFTER_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * A message the provider took (SENT) without a final delivery report for this long is looked up
   * at the provider and settled: Twilio does not send a lost status callback again.
   */
  DELIVERY_CHECK_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000),
  /** Days between the steps of the zero-employment follow-up plan (SMS leads, call, family, staff task). */
  FOLLOW_UP_STEP_DAYS: z.coerce.number().min(0).max(60).default(3),
  /** Days staff get to act on the plan's last step (the StaffTask's dueAt). */
  FOLLOW_UP_TASK_DUE_DAYS: z.coerce.number().min(1).max(90).default(7),
  /**
   * A key employer's month-end headcount falling by more than this share of last month's opens a
   * staff task for its county (§6 monitoring, §8 follow-up of layoffs): 0.2 is a fall of over 20%.
   */
  EMPLOYER_HEADCOUNT_DROP_ALERT: z.coerce.number().gt(0).max(1).default(0.2),
  /** Hours a confirmation request waits for its answer before it turns EXPIRED (Annex 1, 家人代签). */
  CONFIRMATION_EXPIRE_HOURS: z.coerce.number().min(1).max(720).default(72),
  /** The subsidy rules file (amounts, windows, eligible employer types); default config/subsidy-rules.json. */
  SUBSIDY_RULES_FILE: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    message: 'expected 1-256 characters of A-Z, a-z, 0-9, _ and -',
  }),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config extends Omit<RawConfig, 'PUBLIC_BASE_URL'> {
  /** Absolute DATA_DIR. */
  DATA_DIR: string;
  /** Where providers reach the service; defaults to the local listener. */
  PUBLIC_BASE_URL: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment (process.env by default) into a Config, or throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '');
        return `${name}: ${i.message}${env[name] !== undefined ? ` (got "${redactValue(name, env[name])}")` : ''}`;
      }),
    );
  }
  const c = parsed.data;
  const partial = halfSetProviders(c);
  if (partial.length) throw new ConfigError(partial);
  const base = c.PUBLIC_BASE_URL ?? `http://${c.HOST.includes(':') ? `[${c.HOST}]` : c.HOST}:${c.PORT}`;
  return { ...c, DATA_DIR: resolve(c.DATA_DIR), PUBLIC_BASE_URL: base.replace(/\/+$/, '') };
}

/**
 * A provider is either fully configured or fully unset (then its simulator runs). Half a
 * configuration (an account SID without its token, a token without a sender) would otherwise
 * fall back to the simulator in silence, and production would send nothing: name what is missing.
 */
function halfSetProviders(c: RawConfig): string[] {
  const problems: string[] = [];
  const unsetAll = (provider: string) => `or unset every ${provider} variable to use the built-in simulator`;
  const twilioSet = (
    ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_MESSAGING_SERVICE_SID', 'TWILIO_API_BASE'] as const
  ).filter((name) => c[name] !== undefined);
  if (twilioSet.length) {
    const missing: string[] = [];
    if (!c.TWILIO_ACCOUNT_SID) missing.push('TWILIO_ACCOUNT_SID');
    if (!c.TWILIO_AUTH_TOKEN) missing.push('TWILIO_AUTH_TOKEN');
    if (!c.TWILIO_FROM && !c.TWILIO_MESSAGING_SERVICE_SID) missing.push('TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID');
    if (missing.length) {
      problems.push(
        `${missing.join(', ')}: missing; Twilio is half configured (${twilioSet.join(', ')} set): ` +
          `set ${missing.length > 1 ? 'them' : 'it'}, ${unsetAll('TWILIO_*')}`,
      );
    }
  }
  const telegramSet = (['TELEGRAM_API_ROOT', 'TELEGRAM_WEBHOOK_SECRET'] as const).filter((name) => c[name] !== undefined);
  if (telegramSet.length && !c.TELEGRAM_BOT_TOKEN) {
    problems.push(
      `TELEGRAM_BOT_TOKEN: missing; Telegram is half configured (${telegramSet.join(', ')} set): set it, ${unsetAll('TELEGRAM_*')}`,
    );
  }
  return problems;
}

/** Secrets never appear in error messages. */
function redactValue(name: string, value: string | undefined): string {
  if (/TOKEN|SECRET|KEY|PASSWORD/.test(name)) return '***';
  if (/_URL$/.test(name)) return (value ?? '').replace(/\/\/[^@/]*@/, '//***@');
  return value ?? '';
}
