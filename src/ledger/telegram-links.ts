/** Linking a Telegram chat to a worker, once the person has shown the phone number is theirs. */
import type { Sql } from '../db/sql.js';

export interface TelegramLink {
  /** E.164 number the person proved: their own contact card, or a code sent to it. */
  phone: string;
  chatId: string;
  via: 'contact' | 'sms_code';
  inboundMessageId?: string | null;
}

/**
 * Sets the chat on the worker with that phone (the first, as identifySender picks) and writes an
 * audit entry with how it was proven. Returns the worker, or null when no worker has the number.
 */
export async function linkTelegramChat(sql: Sql, l: TelegramLink): Promise<{ id: number; language: string } | null> {
  // A chat belongs to one worker: a chat linked before (to another number) moves to this one.
  await sql.query(`UPDATE "Worker" SET "telegramChatId" = NULL WHERE "telegramChatId" = $1 AND phone IS DISTINCT FROM $2`, [
    l.chatId,
    l.phone,
  ]);
  const r = await sql.query<{ id: number; language: string }>(
    `UPDATE "Worker" SET "telegramChatId" = $2, "updatedAt" = now()
      WHERE id = (SELECT id FROM "Worker" WHERE phone = $1 ORDER BY id LIMIT 1)
      RETURNING id, language`,
    [l.phone, l.chatId],
  );
  const worker = r.rows[0];
  if (!worker) return null;
  await sql.query(
    `INSERT INTO "AuditLog" (action, entity, "entityId", details) VALUES ('telegram_linked', 'Worker', $1, $2::jsonb)`,
    [String(worker.id), JSON.stringify({ via: l.via, chatId: l.chatId, inboundMessageId: l.inboundMessageId ?? null })],
  );
  return worker;
}
