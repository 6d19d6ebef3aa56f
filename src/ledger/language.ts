/** The language a person is written to and called in (中文 / English), changed by the person. */
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';

export interface LanguageChange {
  /** The worker who asked, or the family contact who asked (one of them). */
  workerId?: number | null;
  familyContactId?: number | null;
  language: string;
  channel: Channel;
  inboundMessageId?: string | null;
  callSid?: string | null;
}

/** Sets the language and keeps an audit entry of who asked, how and when. */
export async function setLanguage(sql: Sql, c: LanguageChange): Promise<void> {
  const [table, id] = c.familyContactId ? ['FamilyContact', c.familyContactId] : ['Worker', c.workerId];
  if (!id) return;
  const r = await sql.query<{ before: string }>(
    `UPDATE "${table}" t SET language = $2, "updatedAt" = now() FROM (SELECT language AS before FROM "${table}" WHERE id = $1) b
      WHERE t.id = $1 RETURNING b.before`,
    [id, c.language],
  );
  if (!r.rows[0] || r.rows[0].before === c.language) return;
  await sql.query(`INSERT INTO "AuditLog" (action, entity, "entityId", details) VALUES ('language_changed', $1, $2, $3::jsonb)`, [
    table,
    String(id),
    JSON.stringify({
      from: r.rows[0].before,
      to: c.language,
      channel: c.channel,
      inboundMessageId: c.inboundMessageId ?? null,
      callSid: c.callSid ?? null,
    }),
  ]);
}
