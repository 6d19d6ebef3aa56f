/**
 * Rate limits shared by every process, kept in Redis: a generic cell rate algorithm (GCRA) per
 * bucket that hands out send slots. One call reserves a slot in several buckets at once (Telegram:
 * all chats, and this chat) and answers how long to wait until it; the caller sleeps that long
 * and sends. A cost > 1 lets an SMS of 3 segments count 3.
 *
 * Reserving a future slot, rather than answering "not yet, try again", is what keeps a limited
 * run at its rate: dozens of senders each sleep until their own slot, so none loses its turn to
 * another waking at the same moment (a try-again limiter averaged 166/s against 200), and no two
 * get the same slot (nothing bunched: no one-second window goes over the rate).
 *
 * BullMQ's own limiter counts jobs, not segments, and cannot limit per chat.
 */
import type { Redis } from 'ioredis';

export interface Bucket {
  /** Bucket name; keys share one hash tag so the script runs on a Redis Cluster. */
  key: string;
  /** Units per second. */
  ratePerSecond: number;
  /** How many units may go at once after a quiet spell (1 = perfectly even). */
  burst: number;
  cost: number;
}

/**
 * A reserved slot (send after `waitMs`; `at` is the slot as Redis's clock has it, ms since the
 * epoch), or none because it lies further off than allowed.
 */
export interface Reservation {
  reserved: boolean;
  waitMs: number;
  at: number;
}

// KEYS: buckets. ARGV[1]: the furthest wait accepted (ms, -1 = any); then per bucket its emission
// interval, tolerance and cost. Time comes from Redis so all processes agree. The slot is the
// earliest moment every bucket allows; each bucket's theoretical arrival time then moves past it.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local maxWait = tonumber(ARGV[1])
local at = now
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[i * 3 - 1])
  local tolerance = tonumber(ARGV[i * 3])
  local cost = tonumber(ARGV[i * 3 + 1])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  tats[i] = tat
  local earliest = tat + interval * (cost - 1) - tolerance
  if earliest > at then at = earliest end
end
local wait = math.ceil(at - now)
-- The slot goes back as a string: a Lua number would be cut to an integer of seconds' precision.
if maxWait >= 0 and wait > maxWait then return {0, wait, tostring(at)} end
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[i * 3 - 1])
  local cost = tonumber(ARGV[i * 3 + 1])
  -- The bucket that set the slot moves past it. Another that would allow it sooner counts the
  -- units at once rather than jumping to the slot: one busy chat, waiting a second for its own
  -- bucket, must not hold back the bot's other chats.
  local newTat = tats[i] + interval * cost
  redis.call('SET', key, tostring(newTat), 'PX', math.ceil(newTat - now) + 1000)
end
return {1, wait, tostring(at)}`;

export interface RateLimiter {
  /**
   * Reserves `cost` in every bucket at the earliest moment all of them allow, unless that is more
   * than `maxWaitMs` away (then nothing is taken). The caller must send once `waitMs` has passed:
   * the slot is spent either way.
   */
  reserve(buckets: Bucket[], maxWaitMs?: number): Promise<Reservation>;
}

export function createRateLimiter(redis: Redis, prefix: string): RateLimiter {
  return {
    async reserve(buckets, maxWaitMs = Number.POSITIVE_INFINITY) {
      const active = buckets.filter((b) => b.ratePerSecond > 0 && Number.isFinite(b.ratePerSecond));
      if (active.length === 0) return { reserved: true, waitMs: 0, at: Date.now() };
      const args = active.flatMap((b) => {
        const interval = 1000 / b.ratePerSecond;
        // A cost above the burst could never fit; let such a message through as one burst.
        return [interval, interval * (Math.max(b.burst, b.cost) - 1), b.cost];
      });
      const limit = Number.isFinite(maxWaitMs) ? Math.max(0, Math.floor(maxWaitMs)) : -1;
      const [ok, wait, at] = (await redis.eval(
        SCRIPT,
        active.length,
        ...active.map((b) => `${prefix}:${b.key}`),
        limit,
        ...args,
      )) as [number, number, string];
      return { reserved: ok === 1, waitMs: Math.max(0, Number(wait)), at: Number(at) };
    },
  };
}
