/**
 * The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from 0-9 and the
 * capital letters without I, O, Z, S, V. The 1st is the registering authority, the 2nd the kind of
 * organisation, the 3rd to 8th the registering region's code (digits), the 9th to 17th the
 * organisation code, and the 18th a check character over the first 17.
 */

/** The code's 31 characters; a character's value is its index here. */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Weight of positions 1–17 (3^(i) mod 31). */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

const SHAPE = /^[0-9A-HJ-NP-RT-UW-Y]{2}\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}$/;

/** The check character for the first 17 characters of a code. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return CHARSET[(31 - (sum % 31)) % 31]!;
}

/** The code as typed, made canonical: spaces gone, letters in capitals. */
export function normalizeCreditCode(input: string): string {
  return input.replace(/[\s-]+/g, '').toUpperCase();
}

/** Why a (normalised) code is not a valid one, or null when it is. */
export function creditCodeProblem(code: string): string | null {
  if (code.length !== 18) return 'must be 18 characters';
  if (!SHAPE.test(code)) return 'has a character outside 0-9 and A-Z without I, O, Z, S, V (3rd to 8th: digits)';
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return 'has a wrong check character (the 18th)';
  return null;
}
