/** Who wrote or called: matched by phone (or linked Telegram chat) against the ledger. */
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';

export interface Sender {
  workerId: number | null;
  familyContactId: number | null;
  /** For a family contact: the worker they are registered for. */
  familyWorkerId?: number | null;
  language: string;
}

/** A worker (by phone or linked Telegram chat), else a registered family contact, else null. */
export async function identifySender(sql: Sql, channel: Channel, address: string): Promise<Sender | null> {
  if (channel === 'TELEGRAM') {
    if (!/^-?\d+$/.test(address)) return null;
    const w = await sql.query<{ id: number; language: string }>(`SELECT id, language FROM "Worker" WHERE "telegramChatId" = $1`, [
      address,
    ]);
    return w.rows[0] ? { workerId: w.rows[0].id, familyContactId: null, language: w.rows[0].language } : null;
  }
  const w = await sql.query<{ id: number; language: string }>(
    `SELECT id, language FROM "Worker" WHERE phone = $1 ORDER BY id LIMIT 1`,
    [address],
  );
  if (w.rows[0]) return { workerId: w.rows[0].id, familyContactId: null, language: w.rows[0].language };
  const f = await sql.query<{ id: number; language: string; workerId: number }>(
    `SELECT id, language, "workerId" FROM "FamilyContact" WHERE phone = $1 AND "removedAt" IS NULL ORDER BY verified DESC, id LIMIT 1`,
    [address],
  );
  const c = f.rows[0];
  return c ? { workerId: null, familyContactId: c.id, familyWorkerId: c.workerId, language: c.language } : null;
}
