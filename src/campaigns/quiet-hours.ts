/**
 * Quiet hours (China time): campaign messages are not sent at night. A window "22:00-07:00" wraps
 * midnight; "off" disables it. The dispatcher asks when a window ends and waits until then.
 */
const SHANGHAI_OFFSET_MIN = 8 * 60; // China has no daylight saving time

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** When the quiet window containing `now` ends, or null when `now` is outside it. */
export function quietUntil(window: string, now = new Date()): Date | null {
  if (window === 'off') return null;
  const [from, to] = window.split('-').map(minutes) as [number, number];
  if (from === to) return null;
  const local = new Date(now.getTime() + SHANGHAI_OFFSET_MIN * 60_000);
  const minuteOfDay = local.getUTCHours() * 60 + local.getUTCMinutes();
  const inside = from < to ? minuteOfDay >= from && minuteOfDay < to : minuteOfDay >= from || minuteOfDay < to;
  if (!inside) return null;
  // Local midnight of the day the window ends on, then its end minute.
  const dayStart = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const endsTomorrow = from > to && minuteOfDay >= from;
  const endLocal = dayStart + (endsTomorrow ? 86_400_000 : 0) + to * 60_000;
  return new Date(endLocal - SHANGHAI_OFFSET_MIN * 60_000);
}
