import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/db/group-commit.js';

/** A group commit whose flush records its batches and answers after `ms`. */
function recording(opts: { ms?: number; maxBatch?: number; maxInFlight?: number; fail?: (items: number[]) => boolean } = {}) {
  const batches: number[][] = [];
  const group = createGroupCommit<number, number>({
    flush: async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, opts.ms ?? 5));
      if (opts.fail?.(items)) throw new Error('write failed');
      return items.map((n) => n * 2);
    },
    maxBatch: opts.maxBatch,
    maxInFlight: opts.maxInFlight,
  });
  return { group, batches };
}

describe('group commit', () => {
  it('writes everything submitted in one turn of the event loop as one batch, answering each its own result', async () => {
    const { group, batches } = recording();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => group.submit(i)));
    expect(batches).toEqual([Array.from({ length: 50 }, (_, i) => i)]);
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it('writes a lone item at once and gathers what arrives meanwhile into the next batch, up to maxBatch', async () => {
    const { group, batches } = recording({ ms: 30, maxBatch: 4, maxInFlight: 1 });
    const started = performance.now();
    const first = group.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const rest = Array.from({ length: 6 }, (_, i) => group.submit(10 + i));
    expect(await first).toBe(2);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await Promise.all(rest)).toEqual([20, 22, 24, 26, 28, 30]);
    expect(batches).toEqual([[1], [10, 11, 12, 13], [14, 15]]);
  });

  it('rejects the items of a failed batch only', async () => {
    const { group } = recording({ ms: 20, maxInFlight: 1, fail: (items) => items.includes(1) });
    const first = group.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const second = group.submit(2);
    await expect(first).rejects.toThrow('write failed');
    await expect(second).resolves.toBe(4);
  });
});
