/**
 * Loopback Twilio: a real HTTP server speaking REST API 2010-04-01 and calling the service's
 * webhooks signed like Twilio. See src/simulators/README.md.
 */
import { TwilioSimulator, type TwilioSimulatorOptions } from './simulator.js';

export { BaseUrlRequestClient, twilioClientFor } from '../../channels/twilio/client.js';
export { type TwilioErrorBody, type TwilioFailureKind, twilioError } from './errors.js';
export { API_VERSION, DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, newSid, rfc2822 } from './ids.js';
export { type SmsEncoding, segmentCount, smsEncoding } from './segments.js';
export { SIGNATURE_HEADER, twilioSignature } from './signature.js';
export type {
  CallResult,
  DeliveryFailureRule,
  FailureRule,
  InboundResult,
  InboundSms,
  StatusCallbackMode,
  TwilioSimulator,
  TwilioSimulatorOptions,
} from './simulator.js';
export type {
  CallStatus,
  MessageDirection,
  MessageStatus,
  SimCall,
  SimMessage,
  SimRecording,
  VoiceDocument,
  WebhookDelivery,
} from './store.js';
export { parseTwiml, TwimlParseError, twimlMessages } from './twiml.js';
export type { CallStep } from './voice.js';

/**
 * Starts a Twilio simulator on 127.0.0.1 (`port` or a free one). Credentials default to fixed
 * fake values (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN) that pass the formats.
 */
export function startTwilioSimulator(opts: TwilioSimulatorOptions = {}): Promise<TwilioSimulator> {
  return TwilioSimulator.start(opts);
}
