/**
 * The survey's calendar, in China time (§6: 每月20日前 reported). The report of month M gives the
 * figures at the end of M: its link goes out on the 1st of M+1, reminders on the 15th and 18th to
 * those who have not reported, and it is due before the 20th of M+1; from the 20th, 00:00, the
 * month is locked (an ADMIN may reopen it for the county).
 */
import { CHINA_UTC_OFFSET_MS, shanghaiDate } from '../ledger/china-time.js';

/** Reports are due before this day of the following month; the month locks at its start. */
export const DUE_DAY = 20;
/** Days of the following month on which those who have not reported are reminded. */
export const REMINDER_DAYS = [15, 18] as const;

function shift(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

export const previousMonth = (month: string) => shift(month, -1);
export const nextMonth = (month: string) => shift(month, 1);

/** The month whose report is being collected at `now`: the China month before this one. */
export function surveyMonthAt(now: Date): string {
  const [y, m] = shanghaiDate(now);
  return previousMonth(`${y}-${String(m).padStart(2, '0')}`);
}

/** When month M locks: the 20th of M+1, 00:00 in China. */
export function lockAt(month: string): Date {
  const [y, m] = nextMonth(month).split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, DUE_DAY) - CHINA_UTC_OFFSET_MS);
}

/** The last day a report is on time, as staff read it: "YYYY-MM-19". */
export function dueDay(month: string): string {
  return `${nextMonth(month)}-${String(DUE_DAY - 1).padStart(2, '0')}`;
}

/** Whether the month is still open at `now`: before its lock, or inside a reopening. */
export function isOpen(month: string, now: Date, reopenedUntil?: Date | null): boolean {
  return now < lockAt(month) || (reopenedUntil != null && now < reopenedUntil);
}

/** Whether `now` is past the month's end: a report of a month not yet over is refused. */
export function hasEnded(month: string, now: Date): boolean {
  const [y, m] = nextMonth(month).split('-').map(Number) as [number, number];
  return now.getTime() >= Date.UTC(y, m - 1, 1) - CHINA_UTC_OFFSET_MS;
}
