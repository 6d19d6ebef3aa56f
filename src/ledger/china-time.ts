/** Calendar dates and months as the program counts them: in China's time zone (Asia/Shanghai). */

const FORMAT = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's calendar date in China, as [year, month, day]. */
export function shanghaiDate(now: Date): [number, number, number] {
  const [y, m, d] = FORMAT.format(now).split('-').map(Number) as [number, number, number];
  return [y, m, d];
}

/** "YYYY-MM" of `now` in China: the month a monthly list (training demand, exports) belongs to. */
export function shanghaiMonth(now: Date): string {
  const [y, m] = shanghaiDate(now);
  return `${y}-${String(m).padStart(2, '0')}`;
}
