/**
 * How Twilio counts SMS segments (GSM-7: 160 characters, 153 per part; UCS-2, i.e. any Chinese:
 * 70, 67 per part), with the same library the service uses to predict its own counts.
 */
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export function smsEncoding(body: string): SmsEncoding {
  return new SegmentedMessage(body).encodingName === 'GSM-7' ? 'GSM-7' : 'UCS-2';
}

export function segmentCount(body: string): number {
  return new SegmentedMessage(body).segmentsCount;
}
