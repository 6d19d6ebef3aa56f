/** Sends SMS through Twilio's Messages API (or a Twilio-compatible endpoint). */
import twilio from 'twilio';
import type { ChannelAdapter, OutboundSend, SendResult } from '../types.js';
import { toSendError } from './send-errors.js';
import { smsSegments, smsText } from './sms-text.js';

export interface TwilioSmsOptions {
  client: twilio.Twilio;
  /** Sender number (E.164) or a Messaging Service; one of them. */
  from?: string;
  messagingServiceSid?: string;
  /** Absolute URL of /webhooks/twilio/status. */
  statusCallback: string;
}

export function createTwilioSmsAdapter(opts: TwilioSmsOptions): ChannelAdapter {
  return {
    channel: 'SMS',
    async send(msg: OutboundSend): Promise<SendResult> {
      const body = smsText(msg);
      try {
        // The client's own request path (auth, form encoding, keep-alive, errors as RestException)
        // without building a MessageInstance: parsing its three RFC 2822 dates cost more CPU than
        // the rest of a campaign send together.
        const res = await opts.client.request({
          method: 'post',
          uri: `https://api.twilio.com/2010-04-01/Accounts/${opts.client.accountSid}/Messages.json`,
          data: {
            To: msg.to,
            Body: body,
            // The ledger id rides in the callback URL, so a report that beats our own write still finds its row.
            StatusCallback: `${opts.statusCallback}?m=${msg.messageId}`,
            ...(opts.messagingServiceSid ? { MessagingServiceSid: opts.messagingServiceSid } : { From: opts.from }),
          },
        });
        if (res.statusCode < 200 || res.statusCode >= 300) throw new twilio.RestException(res);
        const m = (typeof res.body === 'string' ? JSON.parse(res.body) : res.body) as { sid: string; num_segments?: string };
        const providerSegments = Number(m.num_segments);
        return {
          providerId: m.sid,
          segments: Number.isFinite(providerSegments) && providerSegments > 0 ? providerSegments : smsSegments(body),
        };
      } catch (err) {
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
