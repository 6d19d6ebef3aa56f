/**
 * Rate limits shared by every process, kept in Redis: a generic cell rate algorithm (GCRA) per
 * bucket that hands out send slots. One call reserves a slot in several buckets at once (Telegram:
 * all chats, and this chat) and answers how long to wait until it; the caller sleeps that long
 * and sends. A cost > 1 lets an SMS of 3 segments count 3.
 *
 * Reserving a future slot, rather than answering "not yet, try again", is what keeps a limited
 * run at its rate: dozens of senders each sleep until their own slot, so none loses its turn to
 * another waking at the same moment (a try-again limiter averaged 166/s against 200), and no two
 * get the same slot (no one-second window of slots goes over the rate).
 *
 * A slot says when to send, not when the provider hears it: a sender the event loop wakes late
 * (a busy process, a slow ledger write) sends on top of the ones woken on time, and a window of
 * the provider's would hold more than the rate (225 against 200 in a measured run). So the send
 * itself is admitted too: just before its call a sender asks `admit`, which keeps every bucket's
 * sends of the last second (a sorted set of Redis times, kept only for buckets with a rate) and
 * lets the send go only while that second holds fewer than the rate; otherwise the sender sleeps
 * until the oldest send leaves it and asks again. Nothing is dropped: a late message goes in the
 * first moment that keeps the ceiling. The slots keep the pace (the average stays at the rate:
 * a late send moves the window by its lateness, never further); the window keeps the ceiling for
 * every process sharing the bucket, since the times are Redis's.
 *
 * The provider counts a send when it reaches it, which may be later than the admission (the
 * process stalls before its request goes out, the network or the provider is slow: a run measured
 * 280 in a second at the simulator while no second of admissions held more than 200). It reaches
 * it before the answer, though. So once answered (`answered`) a send's entry moves to that moment
 * and counts for a full second after it: any second of the provider's then holds no more than the
 * rate, however the latency varies. The price is the latency itself: a send holds its place for
 * latency + 1 s, so the most a bucket lets through is rate × 1000 / (1000 + latency) (199.4/s
 * against 200 with the simulator's 1-2 ms).
 *
 * BullMQ's own limiter counts jobs, not segments, and cannot limit per chat.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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

export interface Admission {
  admitted: boolean;
  /** When not admitted: how long until the window has room (ms). */
  waitMs: number;
  /** Redis's clock at the answer (ms since the epoch): when admitted, the send's time. */
  at: number;
  /** The send's entries in the windows (for `answered`). */
  token: string;
}

// KEYS: each bucket's window of recent sends (a sorted set: score = Redis time in ms, one member
// per unit). ARGV[1]: a token unique to this call; then per bucket its window (ms), the units the
// window holds at most, and the cost. All or nothing: the send is written into every window only
// when each has room, else the answer is the wait until the last of them has.
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local wait = 0
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[i * 3 - 1])
  local cap = tonumber(ARGV[i * 3])
  local cost = tonumber(ARGV[i * 3 + 1])
  -- A send leaves the window once a full window has passed since it (the provider's count of
  -- one second holds sends less than a second apart).
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local over = redis.call('ZCARD', key) + cost - cap
  if over > 0 then
    local leaving = redis.call('ZRANGE', key, over - 1, over - 1, 'WITHSCORES')
    local w = tonumber(leaving[2]) + window - now
    if w > wait then wait = w end
  end
end
-- Times go back as strings with their fraction: a Lua number would be cut to an integer, and
-- tostring keeps only 14 digits (a tenth of a millisecond of Redis's clock).
if wait > 0 then return {0, string.format('%.3f', wait), string.format('%.3f', now)} end
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[i * 3 - 1])
  local cost = tonumber(ARGV[i * 3 + 1])
  for u = 1, cost do redis.call('ZADD', key, now, ARGV[1] .. ':' .. u) end
  redis.call('PEXPIRE', key, math.ceil(window) + 1000)
end
return {1, '0', string.format('%.3f', now)}`;

// KEYS and ARGV as ADMIT's. The send's entries move to now: the provider answered, so it had the
// message at some moment between the admission and now, and the entry stays a full window after
// the latest moment it could have been counted there. ZADD without XX: an answer slower than the
// window brings back an entry already dropped.
const ANSWERED = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[i * 3 - 1])
  local cost = tonumber(ARGV[i * 3 + 1])
  for u = 1, cost do redis.call('ZADD', key, now, ARGV[1] .. ':' .. u) end
  redis.call('PEXPIRE', key, math.ceil(window) + 1000)
end
return 1`;

/**
 * A bucket's window: `ceil(rate)` units in the time they take at the rate, so any one second holds
 * at most the rate (rounded up) and the average can still reach it (200/s: 200 in 1,000 ms;
 * 0.5/s: 1 in 2,000 ms). A cost above that could never fit; it goes alone in an empty window.
 */
function windowOf(b: Bucket): { windowMs: number; cap: number } {
  const units = Math.max(1, Math.ceil(b.ratePerSecond));
  return { windowMs: (units * 1000) / b.ratePerSecond, cap: Math.max(units, b.cost) };
}

export interface RateLimiter {
  /**
   * Reserves `cost` in every bucket at the earliest moment all of them allow, unless that is more
   * than `maxWaitMs` away (then nothing is taken). The caller must send once `waitMs` has passed:
   * the slot is spent either way.
   */
  reserve(buckets: Bucket[], maxWaitMs?: number): Promise<Reservation>;
  /**
   * At send time (after the slot's wait): records the send in every bucket's window when each
   * has room for `cost`, or answers how long until it would. Nothing is taken when not admitted.
   */
  tryAdmit(buckets: Bucket[]): Promise<Admission>;
  /** `tryAdmit` until admitted, sleeping in between: resolves when the send may go. */
  admit(buckets: Bucket[]): Promise<Admission>;
  /**
   * After the provider answered (or the call failed): the send counts in its windows until a
   * full window after now, since the provider may have counted it as late as now.
   */
  answered(buckets: Bucket[], admission: Admission): Promise<void>;
}

const limited = (buckets: Bucket[]) => buckets.filter((b) => b.ratePerSecond > 0 && Number.isFinite(b.ratePerSecond));

export function createRateLimiter(redis: Redis, prefix: string): RateLimiter {
  // Window members must differ between calls of every process sharing the bucket.
  const tokenPrefix = randomBytes(6).toString('base64url');
  let calls = 0;
  const windowArgs = (active: Bucket[]) =>
    active.flatMap((b) => {
      const w = windowOf(b);
      return [w.windowMs, w.cap, b.cost];
    });
  const keys = (active: Bucket[]) => active.map((b) => `${prefix}:sent:${b.key}`);
  const tryAdmit = async (buckets: Bucket[]): Promise<Admission> => {
    const active = limited(buckets);
    const token = `${tokenPrefix}.${++calls}`;
    if (active.length === 0) return { admitted: true, waitMs: 0, at: Date.now(), token };
    const [ok, wait, at] = (await redis.eval(ADMIT, active.length, ...keys(active), token, ...windowArgs(active))) as [
      number,
      string,
      string,
    ];
    return { admitted: ok === 1, waitMs: ok === 1 ? 0 : Math.max(1, Math.ceil(Number(wait))), at: Number(at), token };
  };
  return {
    tryAdmit,
    async admit(buckets) {
      for (;;) {
        const a = await tryAdmit(buckets);
        if (a.admitted) return a;
        await sleep(a.waitMs);
      }
    },
    async answered(buckets, admission) {
      const active = limited(buckets);
      if (active.length === 0 || !admission.admitted) return;
      await redis.eval(ANSWERED, active.length, ...keys(active), admission.token, ...windowArgs(active));
    },
    async reserve(buckets, maxWaitMs = Number.POSITIVE_INFINITY) {
      const active = limited(buckets);
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
