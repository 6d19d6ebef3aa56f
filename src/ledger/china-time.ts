/**
 * Time as the program counts it: calendar days, months and clock times in China's time zone
 * (Asia/Shanghai, UTC+8 all year), whatever the process's TZ. The one module for "today in China";
 * SQL that needs the same reads `AT TIME ZONE 'Asia/Shanghai'`.
 */

export const CHINA_TIME_ZONE = 'Asia/Shanghai';

/** China's offset from UTC: +8 hours, all year (no daylight saving time since 1991). */
export const CHINA_UTC_OFFSET_MS = 8 * 3_600_000;

const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: CHINA_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const CLOCK = new Intl.DateTimeFormat('en-GB', { timeZone: CHINA_TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false });

/** The calendar date in China, as [year, month, day]. */
export function shanghaiDate(now: Date): [number, number, number] {
  const [y, m, d] = DAY.format(now).split('-').map(Number) as [number, number, number];
  return [y, m, d];
}

/** "YYYY-MM-DD": the China calendar day of `now` (effective dates, deadlines, "today"). */
export function shanghaiDay(now: Date): string {
  return DAY.format(now);
}

/** "YYYY-MM-DD HH:mm" in China time (exports). */
export function shanghaiDateTime(at: Date): string {
  return `${DAY.format(at)} ${CLOCK.format(at)}`;
}

/** "YYYY-MM" of `now` in China: the month a monthly list (training demand, exports) belongs to. */
export function shanghaiMonth(now: Date): string {
  return DAY.format(now).slice(0, 7);
}

/** Start (inclusive) and end (exclusive) of a China calendar month "YYYY-MM", as instants. */
export function shanghaiMonthBounds(month: string): { start: Date; end: Date } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const y = Number(m?.[1]);
  const mo = Number(m?.[2]);
  if (!m || mo < 1 || mo > 12) throw new Error(`month must be YYYY-MM, got ${month}`);
  return {
    start: new Date(Date.UTC(y, mo - 1, 1) - CHINA_UTC_OFFSET_MS),
    end: new Date(Date.UTC(y, mo, 1) - CHINA_UTC_OFFSET_MS),
  };
}

/** The last calendar day of a month "YYYY-MM", as "YYYY-MM-DD". */
export function lastDayOfMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}
