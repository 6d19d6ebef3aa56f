/**
 * Outbound messages in the ledger. A row is written before anything is queued or sent (queues.ts
 * enqueueSends); the queue job carries only its id. Status moves forward only (see STATUS_RANK).
 */

import { prepared } from '../db/prepared.js';
import type { Sql, Statement } from '../db/sql.js';
import type { Channel, MessageKind, MessageStatus } from '../generated/prisma/enums.js';
import { smsSegments, smsText } from './sms-text.js';

/** QUEUED < SENT < DELIVERED; FAILED and CANCELLED are final, as is DELIVERED. */
export const STATUS_RANK: Record<MessageStatus, number> = { QUEUED: 0, SENT: 1, DELIVERED: 2, FAILED: 2, CANCELLED: 2 };

/** A numbered choice offered with a message: buttons on Telegram, numbered lines on SMS. */
export interface MessageChoice {
  key: string;
  label: string;
}

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
  choices?: MessageChoice[] | null;
}

/**
 * Inserts the row; returns its id. SMS segments are counted on the text as sent (choices included).
 * `before`: a write to run in the same statement (as a CTE, parameters numbered from $1), so a
 * conversation turn writes its reply and its session in one round trip.
 */
export async function createMessage(sql: Sql, m: NewMessage, before?: Statement): Promise<bigint> {
  const choices = m.choices?.length ? m.choices : null;
  const offset = before?.values.length ?? 0;
  const p = (i: number) => `$${offset + i}`;
  const r = await sql.query<{ id: string }>(
    prepared(
      sql,
      `${before ? `WITH before AS (${before.text}) ` : ''}INSERT INTO "OutboundMessage" (kind, channel, body, language, "workerId", "familyContactId", "toAddress", "inReplyToId", "campaignId", segments, choices)
     VALUES (${p(1)}::"MessageKind", ${p(2)}::"Channel", ${p(3)}, ${p(4)}, ${p(5)}::int, ${p(6)}::int, ${p(7)}, ${p(8)}::bigint, ${p(9)}::int, ${p(10)}::int, ${p(11)}::jsonb) RETURNING id`,
      [
        ...(before?.values ?? []),
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
    ),
  );
  return BigInt(r.rows[0]!.id);
}

/** Writes the text of a row created empty (a campaign's frozen row whose text a flow writes). */
export async function fillMessage(
  sql: Sql,
  id: bigint,
  m: { body: string; language: string; choices?: MessageChoice[] | null },
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
