/**
 * SMS segment counting as carriers (and Twilio's num_segments) do it. A body that fits the GSM-7
 * alphabet is 160 septets in one segment, 153 per segment when split (the rest of each segment
 * carries the concatenation header); anything else (Chinese, emoji) is UCS-2: 70 UTF-16 units in
 * one segment, 67 per segment when split. Escape characters of GSM-7 take two septets, and
 * neither an escape pair nor a surrogate pair is split across segments.
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** The encoding a body needs. */
export function smsEncoding(body: string): SmsEncoding {
  for (const ch of body) {
    if (!basic.has(ch) && !extension.has(ch)) return 'UCS-2';
  }
  return 'GSM-7';
}

/** How many segments `body` is sent as (at least 1). */
export function segmentCount(body: string): number {
  const encoding = smsEncoding(body);
  // Units per character: septets for GSM-7, UTF-16 code units for UCS-2.
  const units = [...body].map((ch) => (encoding === 'GSM-7' ? (extension.has(ch) ? 2 : 1) : ch.length));
  const total = units.reduce((a, b) => a + b, 0);
  const single = encoding === 'GSM-7' ? 160 : 70;
  const perPart = encoding === 'GSM-7' ? 153 : 67;
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const u of units) {
    if (used + u > perPart) {
      segments += 1;
      used = 0;
    }
    used += u;
  }
  return segments;
}
