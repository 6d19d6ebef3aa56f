/**
 * Mainland China mobile numbers, validated with libphonenumber-js's full metadata and stored in
 * E.164 (+86…). Landlines are refused: the service texts and calls mobiles.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Validity of an 11-digit mobile number is decided by its 7-digit number segment (号段, the unit
 * the regulator allocates to an operator in a city), so the answer is remembered per segment in
 * one byte (0 unknown, 1 valid, 2 invalid): an import checks hundreds of thousands of numbers and
 * a full parse costs ~15 µs, while people of one county share a few thousand segments.
 */
const segments = new Uint8Array(1_000_000);

function fullCheck(input: string): string | null {
  const parsed = parsePhoneNumberFromString(input, 'CN');
  if (parsed?.country !== 'CN' || !parsed.isValid() || parsed.getType() !== 'MOBILE') return null;
  return parsed.number;
}

/**
 * Normalises a mainland mobile number written in any common way (13812345678, 138-1234-5678,
 * +86 138 1234 5678, 008613812345678, 8613812345678 as Telegram's contact cards give it,
 * full-width digits) to E.164, or returns null when it is not a valid mainland mobile number.
 * The one phone parser: imports, staff searches, Telegram links and the CLI all use it.
 */
export function normaliseMobile(raw: string): string | null {
  const compact = raw.normalize('NFKC').replace(/[\s\-()'’]/g, '');
  if (/^1\d{10}$/.test(compact)) {
    const segment = Number(compact.slice(1, 7));
    let known = segments[segment];
    if (!known) {
      known = fullCheck(compact) === null ? 2 : 1;
      segments[segment] = known;
    }
    return known === 1 ? `+86${compact}` : null;
  }
  if (compact === '') return null;
  return fullCheck(compact);
}
