/**
 * Provider delivery reports applied to OutboundMessage rows. Callbacks repeat and arrive out of
 * order, so a status only moves forward (QUEUED < SENT < DELIVERED | FAILED): a late "sent" never
 * replaces "delivered", and a final status is never changed.
 */
import type { Sql } from '../db/sql.js';
import type { Channel, MessageStatus } from '../generated/prisma/enums.js';
import { recordOptOut } from './opt-outs.js';

/** Twilio MessageStatus → ledger status (null: not a change the ledger tracks). */
const TWILIO_STATUS: Record<string, MessageStatus | null> = {
  accepted: null,
  scheduled: null,
  queued: null,
  sending: 'SENT',
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'DELIVERED',
  undelivered: 'FAILED',
  failed: 'FAILED',
  canceled: 'FAILED',
  receiving: null,
  received: null,
};

/** Twilio CallStatus → ledger status for calls the service placed. */
const TWILIO_CALL_STATUS: Record<string, MessageStatus | null> = {
  queued: null,
  initiated: null,
  ringing: 'SENT',
  'in-progress': 'SENT',
  completed: 'DELIVERED',
  busy: 'FAILED',
  'no-answer': 'FAILED',
  failed: 'FAILED',
  canceled: 'FAILED',
};

/** Twilio error codes on a delivery report that mean the recipient opted out. */
const OPT_OUT_CODES = new Set(['21610']);

export interface StatusReport {
  /** The ledger id carried in the callback URL (set when the message was sent). */
  outboundId?: bigint;
  providerId: string;
  status: MessageStatus;
  errorCode?: string;
}

/** Maps a Twilio message or call status; null when the ledger does not track that step. */
export function twilioStatus(kind: 'message' | 'call', status: string): MessageStatus | null {
  return (kind === 'message' ? TWILIO_STATUS : TWILIO_CALL_STATUS)[status] ?? null;
}

const RANK = `CASE m.status WHEN 'QUEUED' THEN 0 WHEN 'SENT' THEN 1 ELSE 2 END`;

/** Applies one report; returns true when the row changed. */
export async function applyDeliveryStatus(sql: Sql, r: StatusReport): Promise<boolean> {
  const next = r.status;
  const rank = next === 'SENT' ? 1 : 2;
  const res = await sql.query<{ channel: Channel; address: string | null; workerId: number | null }>(
    `UPDATE "OutboundMessage" m
        SET status = $3::"MessageStatus",
            "providerId" = COALESCE(m."providerId", $2),
            "errorCode" = COALESCE($4, m."errorCode"),
            "sentAt" = COALESCE(m."sentAt", now()),
            "deliveredAt" = CASE WHEN $3 = 'DELIVERED' THEN now() ELSE m."deliveredAt" END,
            "failedAt" = CASE WHEN $3 = 'FAILED' THEN now() ELSE m."failedAt" END
      WHERE (m.id = $1::bigint OR ($1::bigint IS NULL AND m."providerId" = $2)) AND (${RANK}) < $5
      RETURNING m.channel, COALESCE(m."toAddress", (SELECT phone FROM "Worker" w WHERE w.id = m."workerId")) AS address, m."workerId"`,
    [r.outboundId?.toString() ?? null, r.providerId, next, r.errorCode ?? null, rank],
  );
  const row = res.rows[0];
  if (row && r.errorCode && OPT_OUT_CODES.has(r.errorCode) && row.address) {
    await recordOptOut(sql, {
      channel: row.channel,
      address: row.address,
      workerId: row.workerId,
      source: `provider:${r.errorCode}`,
    });
  }
  return (res.rowCount ?? 0) > 0;
}
