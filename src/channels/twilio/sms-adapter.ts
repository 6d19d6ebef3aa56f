/** Sends SMS through Twilio's Messages API (or a Twilio-compatible endpoint). */
import twilio from 'twilio';
import { twilioStatus } from '../../ledger/delivery-status.js';
import type { ChannelAdapter, OutboundSend, SendResult } from '../types.js';
import { createMessagesApi } from './messages-api.js';
import { toSendError } from './send-errors.js';
import { smsSegments, smsText } from './sms-text.js';

export interface TwilioSmsOptions {
  client: twilio.Twilio;
  /** Sender number (E.164) or a Messaging Service; one of them. */
  from?: string;
  messagingServiceSid?: string;
  /** Absolute URL of /webhooks/twilio/status. */
  statusCallback: string;
  /** For creating messages (messages-api.ts); the client serves everything else. */
  accountSid: string;
  authToken: string;
  apiBase?: string;
}

export function createTwilioSmsAdapter(opts: TwilioSmsOptions): ChannelAdapter {
  const create = createMessagesApi({ accountSid: opts.accountSid, authToken: opts.authToken, apiBase: opts.apiBase });
  return {
    channel: 'SMS',
    async send(msg: OutboundSend): Promise<SendResult> {
      const body = smsText(msg);
      try {
        const m = await create({
          To: msg.to,
          Body: body,
          // The ledger id rides in the callback URL, so a report that beats our own write still finds its row.
          StatusCallback: `${opts.statusCallback}?m=${msg.messageId}`,
          ...(opts.messagingServiceSid ? { MessagingServiceSid: opts.messagingServiceSid } : { From: opts.from ?? '' }),
        });
        const providerSegments = Number(m.num_segments);
        return {
          providerId: m.sid,
          segments: Number.isFinite(providerSegments) && providerSegments > 0 ? providerSegments : smsSegments(body),
        };
      } catch (err) {
        throw toSendError(err);
      }
    },
    async fetchStatus(providerId: string) {
      try {
        const m = await opts.client.messages(providerId).fetch();
        return { status: twilioStatus('message', m.status), ...(m.errorCode ? { errorCode: String(m.errorCode) } : {}) };
      } catch (err) {
        if (err instanceof twilio.RestException && err.status === 404) return null;
        throw toSendError(err);
      }
    },
    async findSent(msg: OutboundSend, since: Date): Promise<SendResult | null> {
      const body = smsText(msg);
      try {
        // DateSent filters by day; the exact body and creation time settle it.
        const list = await opts.client.messages.list({
          to: msg.to,
          dateSentAfter: new Date(since.getTime() - 86_400_000),
          limit: 50,
        });
        const m = list.find(
          (x) => x.body === body && x.direction !== 'inbound' && x.dateCreated.getTime() >= since.getTime() - 5000,
        );
        return m ? { providerId: m.sid, segments: Number(m.numSegments) || smsSegments(body) } : null;
      } catch (err) {
        throw toSendError(err);
      }
    },
  };
}
