/** The unified social credit code's check character (GB 32100-2015), on published codes and generated ones. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { creditCodeCheckChar, creditCodeProblem, normalizeCreditCode } from '../../src/employers/credit-code.js';
import { CreditCode } from '../../src/employers/fields.js';

const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const char = fc.constantFrom(...CHARSET);
const digit = fc.constantFrom(...'0123456789');
/** The first 17 characters of a code: 2 of the charset, 6 digits (the region), 9 of the charset. */
const first17 = fc
  .tuple(
    fc.array(char, { minLength: 2, maxLength: 2 }),
    fc.array(digit, { minLength: 6, maxLength: 6 }),
    fc.array(char, { minLength: 9, maxLength: 9 }),
  )
  .map(([a, b, c]) => [...a, ...b, ...c].join(''));

describe('unified social credit code', () => {
  it.each(['91350100M000100Y43', '91110000600037341L'])('accepts the published code %s', (code) => {
    expect(creditCodeProblem(code)).toBeNull();
  });

  it.each([
    ['911100001011207389', 'check character'],
    ['91110000600037341', '18 characters'],
    ['91110000600037341LX', '18 characters'],
    ['9111000060003734IL', 'outside'],
    ['91A10000600037341L', 'outside'],
  ])('refuses %s (%s)', (code, why) => {
    expect(creditCodeProblem(code)).toContain(why);
  });

  test.prop([first17])('a code with its computed check character is valid', (head) => {
    expect(creditCodeProblem(head + creditCodeCheckChar(head))).toBeNull();
  });

  test.prop([first17, fc.nat(17), char])('changing any one character is caught', (head, at, replacement) => {
    const code = head + creditCodeCheckChar(head);
    fc.pre(code[at] !== replacement && (at < 2 || at > 7 || /\d/.test(replacement)));
    const changed = code.slice(0, at) + replacement + code.slice(at + 1);
    expect(creditCodeProblem(changed)).not.toBeNull();
  });

  test.prop([fc.string({ maxLength: 60 })])('any text is either a valid code or refused with a reason, never a crash', (s) => {
    const r = CreditCode.safeParse(s);
    if (r.success) expect(creditCodeProblem(r.data)).toBeNull();
    else expect(r.error.issues[0]?.message).toBeTruthy();
  });

  it('forgives spaces and small letters', () => {
    expect(normalizeCreditCode(' 9111 0000 6000 3734 1l ')).toBe('91110000600037341L');
    expect(CreditCode.parse('91110000600037341l')).toBe('91110000600037341L');
  });
});
