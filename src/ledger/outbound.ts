/**
 * Outbound messages in the ledger. A row is written before anything is queued or sent; the
 * queue job carries only its id. Status moves forward only (see STATUS_RANK).
 */

import { smsSegments, smsText } from '../channels/twilio/sms-text.js';
import type { OutboundSend } from '../channels/types.js';
import type { Sql } from '../db/sql.js';
import type { Channel, MessageKind, MessageStatus } from '../generated/prisma/enums.js';
import type { Queues } from '../queues/queues.js';

/** QUEUED < SENT < DELIVERED; FAILED and CANCELLED are final, as is DELIVERED. */
export const STATUS_RANK: Record<MessageStatus, number> = { QUEUED: 0, SENT: 1, DELIVERED: 2, FAILED: 2, CANCELLED: 2 };

export interface NewMessage {
  kind: MessageKind;
  channel: Channel;
  body: string;
  language: string;
  workerId?: number | null;
  familyContactId?: number | null;
  /** Needed when the recipient is not in the ledger (a reply to an unknown sender). */
  toAddress?: string | null;
  inReplyToId?: bigint | null;
  campaignId?: number | null;
  /** Numbered choices: buttons on Telegram, numbered lines on SMS (added at send time). */
  choices?: OutboundSend['choices'] | null;
}

/** Inserts the row; returns its id. SMS segments are counted on the text as sent (choices included). */
export async function createMessage(sql: Sql, m: NewMessage): Promise<bigint> {
  const choices = m.choices?.length ? m.choices : null;
  const r = await sql.query<{ id: string }>(
    `INSERT INTO "OutboundMessage" (kind, channel, body, language, "workerId", "familyContactId", "toAddress", "inReplyToId", "campaignId", segments, choices)
     VALUES ($1::"MessageKind", $2::"Channel", $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) RETURNING id`,
    [
      m.kind,
      m.channel,
      m.body,
      m.language,
      m.workerId ?? null,
      m.familyContactId ?? null,
      m.toAddress ?? null,
      m.inReplyToId?.toString() ?? null,
      m.campaignId ?? null,
      m.channel === 'SMS' ? smsSegments(smsText({ text: m.body, choices: choices ?? undefined })) : 1,
      choices ? JSON.stringify(choices) : null,
    ],
  );
  return BigInt(r.rows[0]!.id);
}

/** Writes the text of a row created empty (a campaign's frozen row whose text a flow writes). */
export async function fillMessage(
  sql: Sql,
  id: bigint,
  m: { body: string; language: string; choices?: OutboundSend['choices'] | null },
): Promise<bigint> {
  const choices = m.choices?.length ? m.choices : null;
  await sql.query(
    `UPDATE "OutboundMessage"
        SET body = $2, language = $3, choices = $4::jsonb,
            segments = CASE WHEN channel = 'SMS' THEN $5 ELSE 1 END
      WHERE id = $1 AND status = 'QUEUED'`,
    [
      id.toString(),
      m.body,
      m.language,
      choices ? JSON.stringify(choices) : null,
      smsSegments(smsText({ text: m.body, choices: choices ?? undefined })),
    ],
  );
  return id;
}

/** Queues sends for ledger rows. Idempotent: the job id is the row id. */
export async function enqueueSends(queues: Queues, rows: Array<{ id: bigint; channel: Channel }>): Promise<void> {
  const byQueue = { SMS: queues.sendSms, TELEGRAM: queues.sendTelegram, VOICE: queues.sendVoice } as const;
  const groups = new Map<(typeof byQueue)[keyof typeof byQueue], Array<{ id: bigint }>>();
  for (const r of rows) {
    const q = byQueue[r.channel as keyof typeof byQueue];
    if (!q) throw new Error(`no send queue for channel ${r.channel}`);
    groups.set(q, [...(groups.get(q) ?? []), r]);
  }
  for (const [q, list] of groups) {
    await q.addBulk(list.map((r) => ({ name: 'send', data: { outboundId: r.id.toString() }, opts: { jobId: `out-${r.id}` } })));
  }
}
