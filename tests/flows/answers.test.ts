/** Reading answers as people give them: typed, keyed, spoken, or sent as button data. */
import { describe, expect, it } from 'vitest';
import { parseChoice, parseDate, parseNumber, parsePlace, parseText } from '../../src/flows/answers.js';
import type { Choice } from '../../src/flows/types.js';

const choices: Choice[] = [
  { key: '1', value: 'found', label: '找到工作', aliases: ['found'] },
  { key: '2', value: 'lost', label: '失去工作' },
  { key: '3', value: 'home', label: '返乡回家' },
  { key: '0', value: 'none', label: '都不合适' },
];
// 2026-03-10 09:00 in Shanghai.
const now = new Date('2026-03-10T01:00:00Z');

describe('answers', () => {
  it.each([
    ['1', 'found'],
    ['２', 'lost'],
    [' 3。', 'home'],
    ['回复1', 'found'],
    ['有意向 2', 'lost'],
    ['interested in 3', 'home'],
    ['二', 'lost'],
    ['一号', 'found'],
    ['我找到工作了', 'found'],
    ['FOUND', 'found'],
    ['0', 'none'],
  ])('choice %j → %s', (text, value) => {
    expect(parseChoice(text, choices)?.value).toBe(value);
  });

  it.each(['5', '1 2', '好的', '', '工作'])('no choice in %j', (text) => {
    expect(parseChoice(text, choices)).toBeNull();
  });

  it('numbers within a range', () => {
    expect(parseNumber('12', 0, 12)).toBe(12);
    expect(parseNumber('十二', 0, 12)).toBe(12);
    expect(parseNumber('３月', 0, 12)).toBe(3);
    expect(parseNumber('13', 0, 12)).toBeNull();
    expect(parseNumber('abc', 0, 12)).toBeNull();
  });

  it.each([
    ['2026-03-05', '2026-03-05'],
    ['2026/3/5', '2026-03-05'],
    ['2026年3月5日', '2026-03-05'],
    ['3月5日', '2026-03-05'],
    ['3月5号', '2026-03-05'],
    ['三月五号', '2026-03-05'],
    ['0305', '2026-03-05'],
    ['20260305', '2026-03-05'],
    ['3/5', '2026-03-05'],
    ['今天', '2026-03-10'],
    ['yesterday', '2026-03-09'],
    ['12月20日', '2025-12-20'],
    ['2月', '2026-02-01'],
  ])('date %j → %s', (text, iso) => {
    expect(parseDate(text, now)).toBe(iso);
  });

  it.each(['2月30日', '13/1', '明年', '1999-01-01', 'abc'])('no date in %j', (text) => {
    expect(parseDate(text, now, 731, 31)).toBeNull();
  });

  it('text and places', () => {
    expect(parseText('  西安某某建筑公司 ', 2, 60)).toBe('西安某某建筑公司');
    expect(parseText('1234', 2, 60)).toBeNull();
    expect(parseText('好', 2, 60)).toBeNull();
    expect(parsePlace('西安市雁塔区')).toBe('西安市雁塔区');
    expect(parsePlace('12')).toBeNull();
    expect(parsePlace('?')).toBeNull();
  });
});
