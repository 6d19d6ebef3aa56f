/**
 * The employer's personal survey link: signed for one employer and one month, expiring, and good
 * for nothing else. The token is `<employer>.<YYYY-MM>.<expiry>.<HMAC>`, the HMAC-SHA256 of a
 * purpose label and those three fields under the service's own key (DATA_DIR/secrets, kept across
 * restarts). Staff sign-in links are random tokens kept hashed in the ledger; this one needs no
 * row, and the purpose label keeps any other HMAC of the service from passing for it.
 *
 * A token that is malformed, forged, expired, or names an employer that is gone reads the same
 * (null here, one response at the form), so the link says nothing about which employers exist.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import { secret } from '../secrets.js';

const PURPOSE = 'outreach/employer-headcount-survey/v1';
const TOKEN = /^(\d{1,10})\.(\d{4}-(?:0[1-9]|1[0-2]))\.([0-9a-z]{1,9})\.([A-Za-z0-9_-]{43})$/;

export interface SurveyGrant {
  employerId: number;
  month: string;
  expiresAt: Date;
}

/** The link key: one secret for this purpose only. */
export function surveyLinkKey(config: Pick<Config, 'DATA_DIR'>): string {
  return secret(config, 'employer-survey-link');
}

function mac(key: string, employerId: number, month: string, exp: string): Buffer {
  return createHmac('sha256', key).update(`${PURPOSE}\n${employerId}\n${month}\n${exp}`).digest();
}

/** A token granting the employer the month's form until `expiresAt` (kept to the second). */
export function surveyToken(key: string, g: SurveyGrant): string {
  const exp = Math.floor(g.expiresAt.getTime() / 1000).toString(36);
  return `${g.employerId}.${g.month}.${exp}.${mac(key, g.employerId, g.month, exp).toString('base64url')}`;
}

/** What a token grants, or null when it is not one of ours or has expired. */
export function readSurveyToken(key: string, token: string, now: Date): SurveyGrant | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const [, id, month, exp, sig] = m as unknown as [string, string, string, string, string];
  const employerId = Number(id);
  const expected = mac(key, employerId, month, exp);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const expiresAt = new Date(Number.parseInt(exp, 36) * 1000);
  if (!(now < expiresAt) || employerId > 2_147_483_647) return null;
  return { employerId, month, expiresAt };
}

/** The form's address for a token. */
export function surveyUrl(config: Pick<Config, 'PUBLIC_BASE_URL'>, token: string): string {
  return `${config.PUBLIC_BASE_URL}/console/survey/${token}`;
}
