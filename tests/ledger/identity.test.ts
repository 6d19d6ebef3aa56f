import { describe, expect, it } from 'vitest';
import { hashIdNumber, idCheckChar, idLast4, makeIdNumber, normaliseIdNumber, parseIdNumber } from '../../src/ledger/identity.js';

const TODAY = '2026-11-29';

describe('GB 11643 ID numbers', () => {
  it('accepts the standard example, whose check character is X, and derives gender and birth year', () => {
    expect(parseIdNumber('11010519491231002X', TODAY)).toEqual({
      ok: true,
      id: '11010519491231002X',
      gender: 'F', // 17th digit 2 is even
      birthYear: 1949,
      birthDate: '1949-12-31',
    });
  });

  it('computes the check character over the first 17 digits with weights mod 11', () => {
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(idCheckChar('61092119720314011')).toBe('5');
    // Changing any digit changes the check character.
    expect(idCheckChar('61092119720314012')).not.toBe('5');
  });

  it('rejects a wrong check character, a transposition and a wrong digit', () => {
    expect(parseIdNumber('110105194912310021', TODAY)).toEqual({ ok: false, problem: 'checksum' });
    expect(parseIdNumber('610921197203140151', TODAY)).toEqual({ ok: false, problem: 'checksum' });
    expect(parseIdNumber('610921197203140116', TODAY)).toEqual({ ok: false, problem: 'checksum' });
  });

  it('reads a man from an odd 17th digit', () => {
    const r = parseIdNumber('610921197203140115', TODAY);
    expect(r.ok && r.gender).toBe('M');
    expect(r.ok && r.birthYear).toBe(1972);
  });

  it('normalises what spreadsheets hold: lower-case x, full-width digits, spaces and the leading apostrophe', () => {
    expect(normaliseIdNumber("'11010519491231002x")).toBe('11010519491231002X');
    expect(normaliseIdNumber('１１０１０５１９４９１２３１００２Ｘ')).toBe('11010519491231002X');
    expect(parseIdNumber(' 110105 19491231 002x ', TODAY).ok).toBe(true);
  });

  it('names the problem: length, characters, province, birth date', () => {
    expect(parseIdNumber('110105491231002', TODAY)).toEqual({ ok: false, problem: 'length' }); // old 15-digit card
    expect(parseIdNumber('1101051949123100XX', TODAY)).toEqual({ ok: false, problem: 'characters' });
    expect(parseIdNumber(makeIdNumber('990105', '1949-12-31', 2), TODAY)).toEqual({ ok: false, problem: 'province' });
    expect(parseIdNumber(makeIdNumber('610921', '1990-02-30', 11), TODAY)).toEqual({ ok: false, problem: 'birthDate' });
    expect(parseIdNumber(makeIdNumber('610921', '2027-01-01', 11), TODAY)).toEqual({ ok: false, problem: 'birthDate' });
  });

  it('makeIdNumber builds numbers that pass, for synthetic data', () => {
    for (let seq = 0; seq < 1000; seq += 37) {
      const id = makeIdNumber('611022', '1985-06-11', seq);
      const r = parseIdNumber(id, TODAY);
      expect(r.ok).toBe(true);
      expect(r.ok && r.gender).toBe(seq % 2 === 1 ? 'M' : 'F');
    }
  });

  it('hashes with the key: same number and key, same hash; another key, another hash; never the number', () => {
    const id = '610921197203140115';
    const a = hashIdNumber(id, 'key-one');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(hashIdNumber(id, 'key-one')).toBe(a);
    expect(hashIdNumber(id, 'key-two')).not.toBe(a);
    expect(a).not.toContain(id);
    expect(idLast4(id)).toBe('0115');
  });
});
