/** Twilio identifiers and date formats. */
import { randomBytes } from 'node:crypto';

/** A Twilio SID: two-letter prefix (SM message, CA call, MG messaging service, PN number) + 32 lowercase hex. */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** Fixed fake account credentials: they pass the formats the service checks, and are no real account. */
export const DEFAULT_ACCOUNT_SID = 'AC5e1f0000000000000000000000000001';
export const DEFAULT_AUTH_TOKEN = '5e1f0000000000000000000000000001';

/** The only REST API version the simulator speaks. */
export const API_VERSION = '2010-04-01';

/** Twilio's date format in resources and callbacks: RFC 2822 with a numeric zone, e.g. "Thu, 24 Aug 2023 05:01:45 +0000". */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}
