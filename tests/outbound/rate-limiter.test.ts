import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/outbound/rate-limiter.js';

const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `test-${randomUUID()}:{ratelimit}`;
const limiter = createRateLimiter(redis, prefix);
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** Sends as fast as the limiter allows for `ms`; returns the send times. */
async function drive(take: () => Promise<number>, ms: number): Promise<number[]> {
  const t0 = Date.now();
  const times: number[] = [];
  while (Date.now() - t0 < ms) {
    const wait = await take();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else times.push(Date.now() - t0);
  }
  return times;
}

describe('GCRA rate limiter', () => {
  it('holds a bucket to its rate in every one-second window', async () => {
    const times = await drive(() => limiter.take([{ key: 'even', ratePerSecond: 50, burst: 1, cost: 1 }]), 1500);
    // Never more than the rate; on a busy machine the sender may fall behind, but not stall.
    expect(times.length).toBeGreaterThanOrEqual(40);
    expect(times.length).toBeLessThanOrEqual(77);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(51);
  });

  it('counts cost: a 3-segment SMS uses three units', async () => {
    const b = { key: 'segments', ratePerSecond: 30, burst: 3, cost: 3 };
    expect(await limiter.take([b])).toBe(0);
    const wait = await limiter.take([b]);
    expect(wait).toBeGreaterThan(50);
    expect(wait).toBeLessThanOrEqual(100);
  });

  it('takes from all buckets or none: a busy chat does not use the bot-wide budget', async () => {
    const global = { key: 'tg', ratePerSecond: 1, burst: 2, cost: 1 };
    const chat = { key: 'tg:1', ratePerSecond: 1, burst: 1, cost: 1 };
    expect(await limiter.take([global, chat])).toBe(0);
    expect(await limiter.take([global, chat])).toBeGreaterThan(0); // chat is busy
    // The refused call took nothing from the global bucket: another chat still gets its burst.
    expect(await limiter.take([global, { ...chat, key: 'tg:2' }])).toBe(0);
    expect(await limiter.take([global, { ...chat, key: 'tg:3' }])).toBeGreaterThan(0);
  });

  it('a rate of 0 means unlimited', async () => {
    for (let i = 0; i < 20; i++) expect(await limiter.take([{ key: 'off', ratePerSecond: 0, burst: 1, cost: 1 }])).toBe(0);
  });
});
