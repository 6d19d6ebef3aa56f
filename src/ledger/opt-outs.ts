/** Opt-outs per channel and address (退订/STOP, provider 21610, Telegram block). */
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';

export interface OptOutInput {
  channel: Channel;
  address: string;
  workerId?: number | null;
  source: string;
}

/** Records an opt-out; returns false when one was already in force (nothing changes then). */
export async function recordOptOut(sql: Sql, o: OptOutInput): Promise<boolean> {
  if (await isOptedOut(sql, o.channel, o.address)) return false;
  await sql.query(
    `INSERT INTO "OptOut" (channel, address, "workerId", source) VALUES ($1::"Channel", $2, $3, $4)
     ON CONFLICT (channel, address) DO UPDATE
       SET "optedOutAt" = now(), "optedInAt" = NULL, source = EXCLUDED.source,
           "workerId" = COALESCE(EXCLUDED."workerId", "OptOut"."workerId")`,
    [o.channel, o.address, o.workerId ?? null, o.source],
  );
  return true;
}

/** Ends an opt-out; returns false when none was in force. */
export async function recordOptIn(sql: Sql, channel: Channel, address: string): Promise<boolean> {
  const r = await sql.query(
    `UPDATE "OptOut" SET "optedInAt" = now() WHERE channel = $1::"Channel" AND address = $2 AND "optedInAt" IS NULL`,
    [channel, address],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function isOptedOut(sql: Sql, channel: Channel, address: string): Promise<boolean> {
  const r = await sql.query(`SELECT 1 FROM "OptOut" WHERE channel = $1::"Channel" AND address = $2 AND "optedInAt" IS NULL`, [
    channel,
    address,
  ]);
  return (r.rowCount ?? 0) > 0;
}
