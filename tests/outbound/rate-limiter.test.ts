import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type Bucket, createRateLimiter } from '../../src/outbound/rate-limiter.js';

const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `test-${randomUUID()}:{ratelimit}`;
const limiter = createRateLimiter(redis, prefix);
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `lanes` senders each reserving a slot, sleeping until it and "sending", for `ms`; returns the
 * slots as handed out (when each was due) and the moments the senders woke for them.
 */
async function drive(buckets: Bucket[], lanes: number, ms: number): Promise<{ slots: number[]; sends: number[] }> {
  const t0 = Date.now();
  const slots: number[] = [];
  const sends: number[] = [];
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (Date.now() - t0 < ms) {
        const slot = await limiter.reserve(buckets);
        expect(slot.reserved).toBe(true);
        slots.push(slot.at - t0);
        await sleep(slot.waitMs);
        sends.push(Date.now() - t0);
      }
    }),
  );
  return { slots: slots.sort((a, b) => a - b), sends };
}

function mostInAnySecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('GCRA rate limiter with reserved slots', () => {
  it('keeps many senders at the rate: every one gets its own slot, none is lost or bunched', async () => {
    const { slots, sends } = await drive([{ key: 'even', ratePerSecond: 50, burst: 1, cost: 1 }], 16, 2000);
    // 16 lanes waking at once would bunch or lose turns with a try-again limiter; reserved slots
    // keep the rate over the run and in every one-second window (a busy machine may wake a
    // sender late, which is why the slots, not the wake-ups, are held to the window).
    expect(sends.filter((t) => t < 2000).length).toBeGreaterThanOrEqual(95);
    expect(mostInAnySecond(slots)).toBeLessThanOrEqual(51);
  });

  it('spaces slots by the interval and answers the wait until each', async () => {
    const b = { key: 'spacing', ratePerSecond: 10, burst: 1, cost: 1 };
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) waits.push((await limiter.reserve([b])).waitMs);
    expect(waits[0]).toBe(0);
    for (let i = 1; i < 4; i++) {
      expect(waits[i]! - waits[i - 1]!).toBeGreaterThanOrEqual(90);
      expect(waits[i]! - waits[i - 1]!).toBeLessThanOrEqual(101);
    }
  });

  it('counts cost: a 3-segment SMS uses three units', async () => {
    const b = { key: 'segments', ratePerSecond: 30, burst: 3, cost: 3 };
    expect((await limiter.reserve([b])).waitMs).toBe(0);
    const next = await limiter.reserve([b]);
    expect(next.waitMs).toBeGreaterThan(50);
    expect(next.waitMs).toBeLessThanOrEqual(100);
  });

  it('takes the slot every bucket allows: a busy chat waits, other chats keep the bot-wide rate', async () => {
    const bot = { key: 'tg', ratePerSecond: 20, burst: 1, cost: 1 };
    const chat = (n: number) => ({ key: `tg:${n}`, ratePerSecond: 1, burst: 1, cost: 1 });
    expect((await limiter.reserve([bot, chat(1)])).waitMs).toBe(0);
    const again = await limiter.reserve([bot, chat(1)]);
    expect(again.waitMs).toBeGreaterThan(900); // this chat's next slot is a second away
    // Another chat is only held to the bot's rate (its slot follows the two already given out).
    const other = await limiter.reserve([bot, chat(2)]);
    expect(other.waitMs).toBeLessThanOrEqual(110);
  });

  it('reserves nothing when the slot lies beyond the wait the caller accepts', async () => {
    const b = { key: 'capped', ratePerSecond: 2, burst: 1, cost: 1 };
    expect((await limiter.reserve([b], 100)).reserved).toBe(true);
    const refused = await limiter.reserve([b], 100);
    expect(refused.reserved).toBe(false);
    expect(refused.waitMs).toBeGreaterThan(400);
    // The refusal took nothing: the next slot is still half a second after the first.
    const next = await limiter.reserve([b]);
    expect(next.reserved).toBe(true);
    expect(next.waitMs).toBeLessThanOrEqual(500);
    expect(next.waitMs).toBeGreaterThan(400);
  });

  it('a rate of 0 means unlimited', async () => {
    for (let i = 0; i < 20; i++) {
      expect(await limiter.reserve([{ key: 'off', ratePerSecond: 0, burst: 1, cost: 1 }])).toMatchObject({
        reserved: true,
        waitMs: 0,
      });
    }
  });
});
