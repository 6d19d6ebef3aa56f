/** SMS text: choices become numbered lines; segments counted as carriers bill them. */
import { SegmentedMessage } from 'sms-segments-calculator';
import type { OutboundSend } from '../types.js';

/** The text as sent by SMS: the message, then one line per choice ("1 已就业"). */
export function smsText(msg: Pick<OutboundSend, 'text' | 'choices'>): string {
  if (!msg.choices?.length) return msg.text;
  return `${msg.text}\n${msg.choices.map((c) => `${c.key} ${c.label}`).join('\n')}`;
}

/** Segments: GSM-7 160/153 characters, UCS-2 (any Chinese) 70 in one, 67 per part when split. */
export function smsSegments(text: string): number {
  return new SegmentedMessage(text).segmentsCount;
}
