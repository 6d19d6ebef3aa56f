/**
 * How Twilio counts SMS segments (GSM-7: 160 characters, 153 per part; UCS-2, i.e. any Chinese:
 * 70, 67 per part), with the same library the service uses to predict its own counts. Counting
 * walks every grapheme, and a broadcast sends one text to many people: recent bodies are
 * remembered.
 */
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

const MEMO_SIZE = 1000;
const memo = new Map<string, SegmentedMessage>();

function segmented(body: string): SegmentedMessage {
  let m = memo.get(body);
  if (!m) {
    m = new SegmentedMessage(body);
    if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value as string);
    memo.set(body, m);
  }
  return m;
}

export function smsEncoding(body: string): SmsEncoding {
  return segmented(body).encodingName === 'GSM-7' ? 'GSM-7' : 'UCS-2';
}

export function segmentCount(body: string): number {
  return segmented(body).segmentsCount;
}
