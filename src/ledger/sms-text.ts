/**
 * SMS text: choices become numbered lines; segments counted as carriers bill them. The ledger
 * counts a row's segments when it writes it; the Twilio channel sends the same text.
 */
import { SegmentedMessage } from 'sms-segments-calculator';

/** The text as sent by SMS: the message, then one line per choice ("1 已就业"). */
export function smsText(msg: { text: string; choices?: ReadonlyArray<{ key: string; label: string }> }): string {
  if (!msg.choices?.length) return msg.text;
  return `${msg.text}\n${msg.choices.map((c) => `${c.key} ${c.label}`).join('\n')}`;
}

/**
 * Counted texts. Replies and campaign messages come from a few dozen templates, and splitting a
 * text into graphemes to count it was a noticeable share of a conversation turn's CPU; the memo is
 * emptied when full so it stays small whatever passes through.
 */
const counted = new Map<string, number>();
const MEMO_SIZE = 2000;

/** Segments: GSM-7 160/153 characters, UCS-2 (any Chinese) 70 in one, 67 per part when split. */
export function smsSegments(text: string): number {
  let n = counted.get(text);
  if (n === undefined) {
    n = new SegmentedMessage(text).segmentsCount;
    if (counted.size >= MEMO_SIZE) counted.clear();
    counted.set(text, n);
  }
  return n;
}
