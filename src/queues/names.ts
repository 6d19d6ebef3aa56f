/**
 * Every BullMQ queue and the payload its jobs carry.
 *
 * WARNING: a queue's name is part of its Redis keys. Renaming one strands the jobs waiting under
 * the old name: drain the queue first, or move its jobs, when you rename.
 *
 * Payloads carry ledger ids only, never phone numbers, ID numbers or message text: job data sits
 * in Redis in clear text, and the ledger is the copy that counts.
 */
export const QueueName = {
  /** Ledger files uploaded for import (a big county file can take minutes). */
  import: 'import',
  /** One job per recorded InboundMessage; handled per contact, in order. */
  inbound: 'inbound',
  /** One job per OutboundMessage, per channel, so each channel has its own rate and backlog. */
  sendSms: 'send-sms',
  sendTelegram: 'send-telegram',
  /** Voice calls (policy notices read aloud); capped by calls in progress, not a rate. */
  sendVoice: 'send-voice',
  /** Periodic repair: re-queues ledger rows whose job was lost (Redis down when it was queued). */
  sweep: 'sweep',
  /** Campaign control: launch (freeze the audience), start a scheduled or recurring run, reconcile. */
  campaign: 'campaign',
  /** Campaign sending: one job per slice of a campaign's frozen audience, sent in batches. */
  dispatch: 'dispatch',
  /** The program's own routines: zero-employment follow-up steps, the training list on the 1st, trainee follow-ups. */
  programs: 'programs',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export interface QueuePayloads {
  /** `file`: a name inside DATA_DIR/uploads, never a path from outside it. */
  [QueueName.import]: { file: string; staffUserId?: number };
  /** InboundMessage id (bigint as a decimal string). */
  [QueueName.inbound]: { inboundId: string };
  /** OutboundMessage id (bigint as a decimal string). */
  [QueueName.sendSms]: { outboundId: string };
  [QueueName.sendTelegram]: { outboundId: string };
  [QueueName.sendVoice]: { outboundId: string };
  [QueueName.sweep]: Record<string, never>;
  /** launch: freeze and start; run: start a run of a recurring campaign. */
  [QueueName.campaign]: { action: 'launch' | 'run'; campaignId: number };
  /** One slice of a campaign's frozen audience (CampaignSlice seq). */
  [QueueName.dispatch]: {
    campaignId: number;
    generation: number;
    channel: 'SMS' | 'TELEGRAM' | 'VOICE';
    seq: number;
  };
  /**
   * A named routine of src/programs (e.g. 'zero-employment-steps'), with an optional region scope;
   * runId: the ConsistencyRun staff asked for (consistency-check).
   */
  [QueueName.programs]: { routine: string; countyId?: number; runId?: number };
}

/**
 * The name BullMQ is given: the queue name wrapped as a hash tag. BullMQ keeps a queue's keys
 * under `<REDIS_PREFIX>:{name}:…`, so the hash tag puts one queue's keys in one Redis Cluster slot
 * (its Lua scripts need that) while different queues spread across the cluster.
 */
export function bullName(name: QueueName): string {
  return `{${name}}`;
}
