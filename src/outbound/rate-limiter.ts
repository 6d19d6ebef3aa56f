/**
 * Rate limits shared by every process, kept in Redis: a generic cell rate algorithm (GCRA) per
 * bucket. One call checks several buckets at once (Telegram: all chats, and this chat) and takes
 * from all of them or none. A cost > 1 lets an SMS of 3 segments count 3.
 *
 * BullMQ's own limiter counts jobs, not segments, and cannot limit per chat; this one answers
 * "wait N ms", and the send worker delays the job by that much.
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

// Returns 0 when taken, else the milliseconds to wait. Time from Redis so all processes agree.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local wait = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[i * 3 - 2])
  local tolerance = tonumber(ARGV[i * 3 - 1])
  local cost = tonumber(ARGV[i * 3])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local newTat = tat + interval * cost
  local allowAt = newTat - tolerance - interval
  if allowAt > now and allowAt - now > wait then wait = allowAt - now end
  tats[i] = newTat
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, tostring(tats[i]), 'PX', math.ceil(tats[i] - now) + 1000)
end
return 0`;

export interface RateLimiter {
  /** Takes `cost` from every bucket, or returns how long to wait before trying again. */
  take(buckets: Bucket[]): Promise<number>;
}

export function createRateLimiter(redis: Redis, prefix: string): RateLimiter {
  return {
    async take(buckets) {
      const active = buckets.filter((b) => b.ratePerSecond > 0 && Number.isFinite(b.ratePerSecond));
      if (active.length === 0) return 0;
      const args = active.flatMap((b) => {
        const interval = 1000 / b.ratePerSecond;
        // A cost above the burst could never fit; let such a message through as one burst.
        return [interval, interval * (Math.max(b.burst, b.cost) - 1), b.cost];
      });
      const wait = (await redis.eval(SCRIPT, active.length, ...active.map((b) => `${prefix}:${b.key}`), ...args)) as number;
      return Number(wait);
    },
  };
}
