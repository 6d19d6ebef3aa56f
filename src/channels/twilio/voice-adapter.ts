/**
 * Places voice calls through Twilio's Calls API: the call fetches its TwiML from
 * /webhooks/twilio/voice/message, which reads the message aloud in Mandarin. Answering-machine
 * detection tells a person from a voicemail; call status callbacks close the ledger row.
 */
import twilio from 'twilio';
import { twilioStatus } from '../../ledger/delivery-status.js';
import type { ChannelAdapter, OutboundSend, SendResult } from '../types.js';
import { toSendError } from './send-errors.js';

export interface TwilioVoiceOptions {
  client: twilio.Twilio;
  from: string;
  /** PUBLIC_BASE_URL: where Twilio fetches TwiML and posts call status. */
  publicBaseUrl: string;
}

export function createTwilioVoiceAdapter(opts: TwilioVoiceOptions): ChannelAdapter {
  return {
    channel: 'VOICE',
    async send(msg: OutboundSend): Promise<SendResult> {
      try {
        const call = await opts.client.calls.create({
          to: msg.to,
          from: opts.from,
          url: `${opts.publicBaseUrl}/webhooks/twilio/voice/message?m=${msg.messageId}`,
          machineDetection: 'Enable',
          statusCallback: `${opts.publicBaseUrl}/webhooks/twilio/voice/status?m=${msg.messageId}`,
          statusCallbackEvent: ['completed'],
        });
        return { providerId: call.sid, segments: 1 };
      } catch (err) {
        throw toSendError(err);
      }
    },
    async fetchStatus(providerId: string) {
      try {
        const call = await opts.client.calls(providerId).fetch();
        return { status: twilioStatus('call', call.status) };
      } catch (err) {
        if (err instanceof twilio.RestException && err.status === 404) return null;
        throw toSendError(err);
      }
    },
  };
}
