/**
 * One shape for every channel. Adding a channel (WeChat, a Chinese SMS gateway) is one new folder
 * under src/channels with an adapter and its webhook routes; nothing else changes.
 */
import type { Channel, MessageStatus } from '../generated/prisma/enums.js';

/** A message as the ledger knows it, ready to go out. Addresses are resolved at send time only. */
export interface OutboundSend {
  /** OutboundMessage id: the provider's reference back to the ledger row. */
  messageId: bigint;
  /** E.164 number for SMS and voice, chat id for Telegram. */
  to: string;
  text: string;
  /** Numbered choices; Telegram shows them as buttons, SMS lists them in the text. */
  choices?: Array<{ key: string; label: string }>;
}

export interface SendResult {
  providerId: string;
  /** Billable SMS segments (1 for other channels). */
  segments: number;
}

export interface ChannelAdapter {
  readonly channel: Channel;
  /** Sends or throws a typed SendError (src/channels/errors.ts). */
  send(msg: OutboundSend): Promise<SendResult>;
  /**
   * The provider's record of this message if it accepted one since `since`, else null: how a send
   * whose outcome was lost (the process died between the provider call and the ledger write) is
   * settled without sending it twice. Channels whose provider keeps no list leave it out.
   */
  findSent?(msg: OutboundSend, since: Date): Promise<SendResult | null>;
  /**
   * The provider's current status of a message it took, as a ledger status (null: nothing the
   * ledger tracks yet), or null when the provider does not know the id: how a delivery report
   * whose callback was lost is recovered. Channels whose provider cannot be asked leave it out.
   */
  fetchStatus?(providerId: string): Promise<{ status: MessageStatus | null; errorCode?: string } | null>;
}

/** An inbound message normalised from any provider, before it is recorded (the ledger's shape). */
export type { InboundEnvelope } from '../ledger/inbound-recorder.js';
