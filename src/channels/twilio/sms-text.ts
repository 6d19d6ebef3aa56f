/** SMS text and segments: the ledger counts them when it writes a row (src/ledger/sms-text.ts). */
export { smsSegments, smsText } from '../../ledger/sms-text.js';
