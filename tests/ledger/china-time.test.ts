/** "Today in China" from one module, whatever the process's time zone. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  lastDayOfMonth,
  shanghaiDate,
  shanghaiDateTime,
  shanghaiDay,
  shanghaiMonth,
  shanghaiMonthBounds,
} from '../../src/ledger/china-time.js';
import { makeIdNumber, parseIdNumber } from '../../src/ledger/identity.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('China time', () => {
  // 20:30 UTC on 31 March is 04:30 on 1 April in China.
  const lateUtc = new Date('2026-03-31T20:30:00Z');

  it('reads days, months and clock times in Asia/Shanghai', () => {
    expect(shanghaiDay(lateUtc)).toBe('2026-04-01');
    expect(shanghaiDate(lateUtc)).toEqual([2026, 4, 1]);
    expect(shanghaiMonth(lateUtc)).toBe('2026-04');
    expect(shanghaiDateTime(lateUtc)).toBe('2026-04-01 04:30');
    expect(shanghaiDay(new Date('2026-03-31T15:59:59Z'))).toBe('2026-03-31');
  });

  it('bounds a China month as instants and names its last day', () => {
    expect(shanghaiMonthBounds('2026-02')).toEqual({
      start: new Date('2026-01-31T16:00:00Z'),
      end: new Date('2026-02-28T16:00:00Z'),
    });
    expect(shanghaiMonthBounds('2026-12').end).toEqual(new Date('2026-12-31T16:00:00Z'));
    expect(lastDayOfMonth('2028-02')).toBe('2028-02-29');
    expect(() => shanghaiMonthBounds('2026-13')).toThrow(/YYYY-MM/);
  });

  it('checks an ID number’s birth date against today in China, not in UTC', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(lateUtc); // already 1 April in China, still 31 March in UTC
    const bornToday = makeIdNumber('610921', '2026-04-01', 11);
    expect(parseIdNumber(bornToday)).toMatchObject({ ok: true, birthDate: '2026-04-01' });
    expect(parseIdNumber(makeIdNumber('610921', '2026-04-02', 11))).toEqual({ ok: false, problem: 'birthDate' });
  });
});
