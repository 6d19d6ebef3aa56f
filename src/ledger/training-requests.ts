/** Training requests from conversations: the monthly training-demand list (培训需求清单, §15). */
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import { shanghaiMonth } from './china-time.js';

export interface NewTrainingRequest {
  workerId: number;
  /** Trade code from templates (flows:training.trades). */
  trade: string;
  /** YYYY-MM, or null for "as soon as possible". */
  preferredMonth: string | null;
  channel: Channel;
  inboundMessageId?: string | null;
}

/**
 * Puts the request on the current month's list (listMonth in Asia/Shanghai). Asking again for the
 * same trade in the same month updates the preferred month instead of adding a second row.
 * Returns the request id.
 */
export async function recordTrainingRequest(sql: Sql, r: NewTrainingRequest, now = new Date()): Promise<number> {
  const res = await sql.query<{ id: number }>(
    `INSERT INTO "TrainingRequest" ("workerId", trade, "preferredMonth", "listMonth", channel, "inboundMessageId")
     VALUES ($1, $2, $3, $4, $5::"Channel", $6)
     ON CONFLICT ("workerId", trade, "listMonth")
       DO UPDATE SET "preferredMonth" = EXCLUDED."preferredMonth", channel = EXCLUDED.channel, "inboundMessageId" = EXCLUDED."inboundMessageId"
     RETURNING id`,
    [r.workerId, r.trade, r.preferredMonth, shanghaiMonth(now), r.channel, r.inboundMessageId ?? null],
  );
  return res.rows[0]!.id;
}
