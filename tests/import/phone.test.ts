import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { normaliseMobile } from '../../src/ledger/phone.js';

describe('mainland mobile numbers', () => {
  it.each([
    ['13891501234', '+8613891501234'],
    ['138-9150-1234', '+8613891501234'],
    ['138 9150 1234', '+8613891501234'],
    ['+86 138 9150 1234', '+8613891501234'],
    ['008613891501234', '+8613891501234'],
    ['8613891501234', '+8613891501234'],
    ['１３８９１５０１２３４', '+8613891501234'],
    ["'13891501234", '+8613891501234'],
    ['19912345678', '+8619912345678'],
  ])('%s is stored as %s', (input, e164) => {
    expect(normaliseMobile(input)).toBe(e164);
  });

  it.each([
    ['029-88881234', 'a Xi’an landline'],
    ['1389150123', 'ten digits'],
    ['138915012345', 'twelve digits'],
    ['12012345678', 'no such mobile segment'],
    ['+1 202 555 0101', 'a foreign number'],
    ['+852 9123 4567', 'a Hong Kong mobile'],
    ['', 'empty'],
    ['无', 'not a number'],
  ])('%s is refused (%s)', (input) => {
    expect(normaliseMobile(input)).toBeNull();
  });

  it('answers from the segment cache exactly as a full parse does', () => {
    // Deterministic spread over all 1xx prefixes: the first call of a segment fills the cache, the
    // second is answered from it; both must agree with libphonenumber.
    let x = 12345;
    for (let i = 0; i < 3000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const number = `1${String(x % 10_000_000_000).padStart(10, '0')}`;
      const parsed = parsePhoneNumberFromString(number, 'CN');
      const expected = parsed?.isValid() && parsed.getType() === 'MOBILE' ? parsed.number : null;
      expect(normaliseMobile(number)).toBe(expected);
      expect(normaliseMobile(`${number.slice(0, 7)}${number.slice(7).split('').reverse().join('')}`)).toBe(
        expected === null ? null : `+86${number.slice(0, 7)}${number.slice(7).split('').reverse().join('')}`,
      );
    }
  });
});
