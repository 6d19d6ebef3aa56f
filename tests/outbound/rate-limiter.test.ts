import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type Bucket, createRateLimiter, type RateLimiter } from '../../src/outbound/rate-limiter.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl);
// A second connection and limiter: another process sharing the buckets.
const redis2 = new Redis(redisUrl);
const prefix = `test-${randomUUID()}:{ratelimit}`;
const limiter = createRateLimiter(redis, prefix);
const limiter2 = createRateLimiter(redis2, prefix);
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  redis2.disconnect();
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

/** Redis's clock (ms since the epoch): the simulated provider's, which counts sends as they reach it. */
async function redisNow(): Promise<number> {
  const [sec, usec] = await redis.time();
  return Number(sec) * 1000 + Number(usec) / 1000;
}

interface Drive {
  /** Lanes per limiter. */
  lanes: number;
  count: number;
  /** How much later than its slot a sender wakes (ms). */
  late: (slotMs: number) => number;
  /** How long a send takes to reach the provider after its admission (ms). */
  transit?: (slotMs: number) => number;
  /** Whether the sender reports the provider's answer (the send path does). */
  answer?: boolean;
}

/**
 * `count` messages sent as the send path sends them: reserve a slot, sleep until it and `late`
 * more, be admitted, reach the provider `transit` later (stamped with Redis's clock there), answer.
 * Returns, relative to the first slot, when the senders woke, were admitted, and reached the provider.
 */
async function sendLate(
  limiters: RateLimiter[],
  bucket: Bucket,
  d: Drive,
): Promise<{ wakes: number[]; admitted: number[]; arrivals: number[] }> {
  let left = d.count;
  let t0: number | undefined;
  const wakes: number[] = [];
  const admitted: number[] = [];
  const arrivals: number[] = [];
  await Promise.all(
    limiters.flatMap((l) =>
      Array.from({ length: d.lanes }, async () => {
        while (left > 0) {
          left--;
          const slot = await l.reserve([bucket]);
          t0 ??= slot.at;
          const extra = d.late(slot.at - t0);
          await sleep(slot.waitMs + extra);
          wakes.push(slot.at - t0 + extra);
          const admission = await l.admit([bucket]);
          admitted.push(admission.at - t0);
          const transit = d.transit?.(slot.at - t0) ?? 0;
          if (transit > 0) await sleep(transit);
          arrivals.push((await redisNow()) - t0);
          if (d.answer !== false) await l.answered([bucket], admission);
        }
      }),
    ),
  );
  const sorted = (a: number[]) => a.sort((x, y) => x - y);
  return { wakes: sorted(wakes), admitted: sorted(admitted), arrivals: sorted(arrivals) };
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

  it('holds the ceiling at send time when senders wake late, and keeps the pace', async () => {
    const bucket = { key: 'late', ratePerSecond: 50, burst: 1, cost: 1 };
    // Every other second's slots wake 400 ms late, onto the next second's on-time ones: as woken,
    // some second holds far more than 50 (about 70).
    const late = (slotMs: number) => (Math.floor(slotMs / 1000) % 2 === 0 ? 400 : Math.random() * 20);
    const { wakes, admitted, arrivals } = await sendLate([limiter], bucket, { lanes: 64, count: 150, late });
    expect(mostInAnySecond(wakes)).toBeGreaterThan(60);
    // Admitted: every message once, never more than 50 in any second by Redis's clock.
    expect(admitted).toHaveLength(150);
    expect(mostInAnySecond(admitted)).toBeLessThanOrEqual(50);
    expect(mostInAnySecond(arrivals)).toBeLessThanOrEqual(50);
    // The pace holds: 150 slots span 3 s; lateness delays the last by its own 400 ms at most,
    // never by more (a late send moves the window by its lateness, not further).
    expect(admitted.at(-1)!).toBeLessThan(3000 + 400 + 400);
  });

  it('holds the ceiling for two processes sharing the bucket, with random late wake-ups', async () => {
    const bucket = { key: 'shared', ratePerSecond: 40, burst: 1, cost: 1 };
    // Every other second wakes 250-450 ms late, the others up to 30 ms: as woken, some second
    // holds over 45 (about 56).
    const late = (slotMs: number) => (Math.floor(slotMs / 1000) % 2 === 0 ? 250 + Math.random() * 200 : Math.random() * 30);
    const { wakes, admitted, arrivals } = await sendLate([limiter, limiter2], bucket, { lanes: 24, count: 120, late });
    expect(mostInAnySecond(wakes)).toBeGreaterThan(45);
    expect(admitted).toHaveLength(120);
    expect(mostInAnySecond(admitted)).toBeLessThanOrEqual(40);
    expect(mostInAnySecond(arrivals)).toBeLessThanOrEqual(40);
    expect(admitted.at(-1)!).toBeLessThan(3000 + 450 + 400);
  });

  it('holds the ceiling as the provider counts, whatever the time a send takes to reach it', async () => {
    // Every other second's sends take 400 ms to reach the provider (a stalled process, a slow
    // network), onto the next second's quick ones.
    const slow = (slotMs: number) => (Math.floor(slotMs / 1000) % 2 === 0 ? 400 : Math.random() * 5);
    const drive = { lanes: 64, count: 150, late: () => Math.random() * 10, transit: slow };
    // Counted from the admission alone, the provider hears about 70 in some second.
    const unanswered = await sendLate(
      [limiter],
      { key: 'transit-control', ratePerSecond: 50, burst: 1, cost: 1 },
      {
        ...drive,
        answer: false,
      },
    );
    expect(mostInAnySecond(unanswered.admitted)).toBeLessThanOrEqual(50);
    expect(mostInAnySecond(unanswered.arrivals)).toBeGreaterThan(60);
    // A send counts until a second after its answer: the provider never hears more than 50.
    const { arrivals } = await sendLate([limiter, limiter2], { key: 'transit', ratePerSecond: 50, burst: 1, cost: 1 }, drive);
    expect(arrivals).toHaveLength(150);
    expect(mostInAnySecond(arrivals)).toBeLessThanOrEqual(50);
    // What the slow sends held back goes out later, not lost: less than a second behind.
    expect(arrivals.at(-1)!).toBeLessThan(3000 + 400 + 1000);
  });

  it('keeps an answered send in its window until a second after the answer', async () => {
    const b = { key: 'adm-answered', ratePerSecond: 1, burst: 1, cost: 1 };
    const sent = await limiter.admit([b]);
    await sleep(300); // the provider takes its time
    await limiter.answered([b], sent);
    await sleep(800);
    // A second after the admission, but not after the answer: still full.
    const next = await limiter2.tryAdmit([b]);
    expect(next.admitted).toBe(false);
    expect(next.at - sent.at).toBeGreaterThan(1000);
    expect(next.waitMs).toBeGreaterThan(100);
    expect(next.waitMs).toBeLessThanOrEqual(300);
  });

  it('admits into every bucket or none: a full chat takes nothing from the bot-wide window', async () => {
    const bot = { key: 'adm-tg', ratePerSecond: 2, burst: 1, cost: 1 };
    const chat = (n: number) => ({ key: `adm-tg:${n}`, ratePerSecond: 1, burst: 1, cost: 1 });
    const first = await limiter.tryAdmit([bot, chat(1)]);
    expect(first.admitted).toBe(true);
    const busy = await limiter2.tryAdmit([bot, chat(1)]);
    expect(busy.admitted).toBe(false); // this chat had its one for this second
    expect(busy.waitMs).toBeGreaterThan(900);
    expect(busy.waitMs).toBeLessThanOrEqual(1000);
    // The refusal took nothing from the bot: another chat still fits, then the bot is full.
    expect((await limiter2.tryAdmit([bot, chat(2)])).admitted).toBe(true);
    const full = await limiter.tryAdmit([bot, chat(3)]);
    expect(full.admitted).toBe(false);
    expect(full.waitMs).toBeGreaterThan(900);
    // The waiting one goes once the first send has left the bot's second, not before.
    const { at } = await limiter.admit([bot, chat(3)]);
    expect(at - first.at).toBeGreaterThanOrEqual(999.99);
    expect(at - first.at).toBeLessThan(1300);
  });

  it('counts cost in the window: segments, not messages', async () => {
    const b = (cost: number) => ({ key: 'adm-segments', ratePerSecond: 5, burst: 1, cost });
    expect((await limiter.tryAdmit([b(3)])).admitted).toBe(true);
    const three = await limiter.tryAdmit([b(3)]);
    expect(three.admitted).toBe(false); // 6 segments would be over 5
    expect(three.waitMs).toBeGreaterThan(900);
    expect((await limiter.tryAdmit([b(2)])).admitted).toBe(true);
    expect((await limiter.tryAdmit([b(1)])).admitted).toBe(false);
    // A message of more segments than a second holds goes alone once the second is empty.
    const big = { key: 'adm-big', ratePerSecond: 2, burst: 1, cost: 4 };
    expect((await limiter.tryAdmit([big])).admitted).toBe(true);
    expect((await limiter.tryAdmit([big])).admitted).toBe(false);
  });

  it('admits at once without a rate, and keeps nothing for it', async () => {
    const off = { key: 'adm-off', ratePerSecond: 0, burst: 1, cost: 1 };
    for (let i = 0; i < 20; i++) expect((await limiter.tryAdmit([off])).admitted).toBe(true);
    expect(await redis.keys(`${prefix}:sent:adm-off`)).toEqual([]);
  });
});
