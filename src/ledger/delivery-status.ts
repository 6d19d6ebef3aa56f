/**
 * Provider delivery reports applied to OutboundMessage rows. Callbacks repeat and arrive out of
 * order, so a status only moves forward (QUEUED < SENT < DELIVERED | FAILED): a late "sent" never
 * replaces "delivered", and a final status is never changed.
 */

import { prepared } from '../db/prepared.js';
import { retryOnDeadlock, type Sql } from '../db/sql.js';
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

/**
 * Applies many reports with one UPDATE (the status webhook group-commits them under load);
 * returns how many rows changed. Of several reports for one message in a batch the furthest
 * along wins, as it would have one at a time.
 */
export async function applyDeliveryStatuses(sql: Sql, reports: StatusReport[]): Promise<number> {
  const best = new Map<string, StatusReport>();
  for (const r of reports) {
    const k = r.outboundId !== undefined ? `m${r.outboundId}` : `p${r.providerId}`;
    const prev = best.get(k);
    if (!prev || rankOf(r.status) > rankOf(prev.status)) best.set(k, r);
  }
  const rows = [...best.values()];
  // By ledger id when the callback carries it (always, for messages this service sent), else by
  // the provider's id: two statements, so each uses its own index.
  // Rows in id order: dispatch writes its outcomes in id order too (src/outbound/records.ts), so
  // a callback batch and a dispatch batch meeting the same rows cannot deadlock.
  const byId = rows.filter((r) => r.outboundId !== undefined).sort((a, b) => (a.outboundId! < b.outboundId! ? -1 : 1));
  const bySid = rows.filter((r) => r.outboundId === undefined);
  const changed: Array<{ channel: Channel; address: string | null; workerId: number | null; errorCode: string | null }> = [];
  for (const [list, match] of [
    [byId, 'm.id = v.id'],
    [bySid, 'm."providerId" = v.sid'],
  ] as const) {
    if (list.length === 0) continue;
    const res = await retryOnDeadlock(() =>
      sql.query<(typeof changed)[number]>(
        prepared(
          sql,
          `UPDATE "OutboundMessage" m
          SET status = v.status::"MessageStatus",
              "providerId" = COALESCE(m."providerId", v.sid),
              "errorCode" = COALESCE(v.err, m."errorCode"),
              "sentAt" = COALESCE(m."sentAt", now()),
              "deliveredAt" = CASE WHEN v.status = 'DELIVERED' THEN now() ELSE m."deliveredAt" END,
              "failedAt" = CASE WHEN v.status = 'FAILED' THEN now() ELSE m."failedAt" END
         FROM (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[]) AS u(id, sid, status, err, rank)
               ORDER BY id) v
        WHERE ${match} AND (${RANK}) < v.rank
        RETURNING m.channel, COALESCE(m."toAddress", (SELECT phone FROM "Worker" w WHERE w.id = m."workerId")) AS address,
                  m."workerId", v.err AS "errorCode"`,
          [
            list.map((r) => r.outboundId?.toString() ?? null),
            list.map((r) => r.providerId),
            list.map((r) => r.status),
            list.map((r) => r.errorCode ?? null),
            list.map((r) => rankOf(r.status)),
          ],
        ),
      ),
    );
    changed.push(...res.rows);
  }
  for (const row of changed) {
    if (row.errorCode && OPT_OUT_CODES.has(row.errorCode) && row.address) {
      await recordOptOut(sql, {
        channel: row.channel,
        address: row.address,
        workerId: row.workerId,
        source: `provider:${row.errorCode}`,
      });
    }
  }
  return changed.length;
}

function rankOf(s: MessageStatus): number {
  return s === 'SENT' ? 1 : s === 'QUEUED' ? 0 : 2;
}

/** Applies one report; returns true when the row changed. */
export async function applyDeliveryStatus(sql: Sql, r: StatusReport): Promise<boolean> {
  return (await applyDeliveryStatuses(sql, [r])) > 0;
}
