/**
 * Reading answers the way people give them: typed on an old phone ("２", "回复1", "有意向 2"),
 * pressed on a keypad ("0305"), spoken and transcribed ("一", "我找到工作了", "三月五号"), or sent
 * as button data. Each parser returns the validated value or null; the engine re-prompts on null.
 */
import { shanghaiDate } from '../ledger/china-time.js';
import type { Answer, Ask, Choice, FlowState, Input, StepContext } from './types.js';

const CN_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  幺: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** Converts a simple Chinese numeral (一 … 九十九, 两千) to a number; null if it is not one. */
function chineseNumber(s: string): number | null {
  if (!/^[零〇一幺二两三四五六七八九十百千万]+$/.test(s)) return null;
  if (/^[零〇一幺二两三四五六七八九]+$/.test(s) && s.length > 1) {
    // Read digit by digit ("二零二四"), as people say years and codes.
    return Number([...s].map((c) => CN_DIGITS[c]).join(''));
  }
  let total = 0;
  let section = 0;
  let digit = 0;
  const units: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
  for (const c of s) {
    if (c in CN_DIGITS) digit = CN_DIGITS[c]!;
    else if (c === '万') {
      total += (section + digit) * 10_000;
      section = 0;
      digit = 0;
    } else {
      section += (digit || 1) * units[c]!;
      digit = 0;
    }
  }
  return total + section + digit;
}

/** Full-width to half-width, Chinese numerals to digits, trimmed and lower-cased. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[零〇一幺二两三四五六七八九十百千万]+/g, (m) => {
      const n = chineseNumber(m);
      return n === null ? m : String(n);
    })
    .trim()
    .toLowerCase();
}

const PUNCT = /[\s!！。.,，、~?？:：;；"“”'‘’()（）【】[\]#*-]+/g;

/** The choice the text selects, or null. Order: exact key, exact label or alias, a lone number, a unique label inside the text. */
export function parseChoice(text: string, choices: Choice[]): Choice | null {
  const raw = text.normalize('NFKC').trim().toLowerCase();
  const rawBare = raw.replace(PUNCT, '');
  const n = normalise(text);
  const bare = n.replace(PUNCT, '');
  const exact = choices.find((c) => c.key === bare || c.key === rawBare);
  if (exact) return exact;
  const words = (c: Choice) => [c.label, ...(c.aliases ?? [])].map((w) => w.normalize('NFKC').toLowerCase().replace(PUNCT, ''));
  const named = choices.find((c) => words(c).includes(rawBare));
  if (named) return named;
  // "回复1", "有意向 2", "interested in 2", "press 3", "一号": exactly one number in the text.
  const numbers = n.match(/\d+/g) ?? [];
  if (numbers.length === 1) {
    const byKey = choices.find((c) => c.key === String(Number(numbers[0])));
    if (byKey) return byKey;
  }
  // Speech: "我找到工作了" contains the label "找到工作"; only when exactly one choice matches.
  if (rawBare.length >= 2) {
    const inside = choices.filter((c) => words(c).some((w) => w.length >= 2 && rawBare.includes(w)));
    if (inside.length === 1) return inside[0]!;
  }
  return null;
}

/** A whole number within [min, max], written in digits or simple Chinese numerals ("三千五" is not accepted). */
export function parseNumber(text: string, min: number, max: number): number | null {
  const numbers = normalise(text).match(/\d+/g) ?? [];
  if (numbers.length !== 1) return null;
  const v = Number(numbers[0]);
  return Number.isSafeInteger(v) && v >= min && v <= max ? v : null;
}

const iso = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const dayNumber = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 86_400_000;

function validDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

const RELATIVE: Record<string, number> = {
  今天: 0,
  今日: 0,
  today: 0,
  昨天: -1,
  昨日: -1,
  yesterday: -1,
  前天: -2,
  明天: 1,
  tomorrow: 1,
  后天: 2,
};

/** Date shapes, tried in order; each reads its numbers into year (optional), month and day. */
const DATE_PATTERNS: Array<[RegExp, (n: number[]) => { y?: number; m: number; d: number }]> = [
  [/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$/, ([y, m, d]) => ({ y, m: m!, d: d! })],
  [/^(\d{4})(\d{2})(\d{2})$/, ([y, m, d]) => ({ y, m: m!, d: d! })],
  [/^(\d{1,2})[-/.月](\d{1,2})[日号]?$/, ([m, d]) => ({ m: m!, d: d! })],
  [/^(\d{2})(\d{2})$/, ([m, d]) => ({ m: m!, d: d! })],
  [/^(\d{4})[-/.年](\d{1,2})月?$/, ([y, m]) => ({ y, m: m!, d: 1 })],
  [/^(\d{1,2})月份?$/, ([m]) => ({ m: m!, d: 1 })],
];

/**
 * A date as YYYY-MM-DD: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 3月5日/号, 3-5, 3/5, 0305 or
 * 20240305 (keypad), 今天/昨天/明天, "3月" (the 1st). A date without a year is this year, or last
 * year when that would put it more than `futureDays` ahead. Null when invalid or out of range.
 */
export function parseDate(text: string, now: Date, pastDays = 3660, futureDays = 92): string | null {
  const [ty, tm, td] = shanghaiDate(now);
  const today = dayNumber(ty, tm, td);
  const s = normalise(text)
    .replace(/\s+/g, '')
    .replace(/^[。.,，!！~]+|[。.,，!！~]+$/g, '');
  const rel = RELATIVE[s.replace(PUNCT, '')];
  if (rel !== undefined) {
    const dt = new Date((today + rel) * 86_400_000);
    return iso(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
  }
  let parts: { y?: number; m: number; d: number } | null = null;
  for (const [pattern, read] of DATE_PATTERNS) {
    const match = s.match(pattern);
    if (match) {
      parts = read(match.slice(1).map(Number));
      break;
    }
  }
  if (!parts) return null;
  let { y } = parts;
  const { m, d } = parts;
  if (y === undefined) {
    y = ty;
    if (validDate(y, m, d) && dayNumber(y, m, d) - today > futureDays) y -= 1;
  }
  if (!validDate(y, m, d)) return null;
  const n = dayNumber(y, m, d);
  if (n < today - pastDays || n > today + futureDays) return null;
  return iso(y, m, d);
}

/** Free text between the lengths, with at least one letter or CJK character (not just digits or signs). */
export function parseText(text: string, minLength = 1, maxLength = 200): string | null {
  const v = text.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (v.length < minLength || v.length > maxLength) return null;
  if (!/[\p{L}]/u.test(v)) return null;
  return v;
}

/** A place name: 2 to 40 characters with a letter or CJK character, not a bare number. */
export function parsePlace(text: string): string | null {
  const v = parseText(text, 2, 40);
  if (!v) return null;
  if (/^[\d\s\p{P}]+$/u.test(v)) return null;
  return v;
}

/** Validates an input against what the step asks; null means "re-prompt". */
export function parseAnswer(ask: Ask, input: Input, s: FlowState, ctx: StepContext): Answer | null {
  switch (ask.type) {
    case 'choice': {
      const c = parseChoice(input.text, ask.choices(s, ctx));
      return c ? { value: c.value } : null;
    }
    case 'number': {
      const v = parseNumber(input.text, ask.min, ask.max);
      return v === null ? null : { value: v };
    }
    case 'date': {
      const v = parseDate(input.text, ctx.now, ask.pastDays, ask.futureDays);
      return v === null ? null : { value: v };
    }
    case 'place': {
      const v = parsePlace(input.text);
      return v === null ? null : { value: v };
    }
    case 'text': {
      // A recording is the answer itself on a call; its words stay in the recording.
      if (ask.record && input.recording)
        return { value: parseText(input.text, 1, ask.maxLength) ?? '', recording: input.recording };
      const v = parseText(input.text, ask.minLength ?? 1, ask.maxLength ?? 200);
      return v === null ? null : { value: v };
    }
  }
}
