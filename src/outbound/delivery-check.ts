/**
 * Delivery reports whose callback was lost. Twilio sends each status callback once; a callback
 * lost on the way (the service down, a statement aborted) would leave the message SENT for good.
 * So messages still SENT DELIVERY_CHECK_AFTER_MS after they went out are looked up at the provider
 * (fetch by id) and settled with the same monotonic update as a callback. Each is asked at most
 * once per that interval, and only during its first week.
 */
import type { ChannelAdapter } from '../channels/types.js';
import type { Db } from '../db/database.js';
import type { Channel } from '../generated/prisma/enums.js';
import { applyDeliveryStatuses, type StatusReport } from '../ledger/delivery-status.js';
import type { Logger } from '../logging.js';

export interface DeliveryCheckDeps {
  db: Db;
  logger: Logger;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
  /** DELIVERY_CHECK_AFTER_MS. */
  afterMs: number;
}

/** Messages asked about per run (the sweep runs every minute). */
const PER_RUN = 500;
/** Provider lookups in flight at once. */
const LANES = 8;

/** Looks up overdue delivery reports; returns how many messages were asked about and settled. */
export async function checkOverdueReports(deps: DeliveryCheckDeps): Promise<{ checked: number; settled: number }> {
  const channels = (Object.keys(deps.adapters) as Channel[]).filter((c) => deps.adapters[c]?.fetchStatus);
  if (channels.length === 0) return { checked: 0, settled: 0 };
  const due = await deps.db.pool.query<{ id: string; channel: Channel; providerId: string }>(
    `SELECT id::text, channel, "providerId" FROM "OutboundMessage"
      WHERE status = 'SENT' AND channel = ANY($1::"Channel"[])
        AND "sentAt" < now() - $2 * interval '1 millisecond' AND "sentAt" > now() - interval '7 days'
        AND "providerId" IS NOT NULL AND ("checkedAt" IS NULL OR "checkedAt" < now() - $2 * interval '1 millisecond')
      ORDER BY "sentAt" LIMIT $3`,
    [channels, deps.afterMs, PER_RUN],
  );
  if (due.rows.length === 0) return { checked: 0, settled: 0 };
  const reports: StatusReport[] = [];
  const asked: string[] = [];
  let next = 0;
  const lane = async () => {
    for (let m = due.rows[next++]; m; m = due.rows[next++]) {
      try {
        const found = await deps.adapters[m.channel]!.fetchStatus!(m.providerId);
        asked.push(m.id);
        if (found?.status) {
          reports.push({
            outboundId: BigInt(m.id),
            providerId: m.providerId,
            status: found.status,
            ...(found.errorCode ? { errorCode: found.errorCode } : {}),
          });
        }
      } catch (err) {
        deps.logger.warn({ err: { message: (err as Error).message }, channel: m.channel }, 'delivery report lookup failed');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LANES, due.rows.length) }, lane));
  const settled = reports.length ? await applyDeliveryStatuses(deps.db.pool, reports) : 0;
  await deps.db.pool.query(`UPDATE "OutboundMessage" SET "checkedAt" = now() WHERE id = ANY($1::bigint[])`, [asked]);
  if (settled) deps.logger.info({ checked: asked.length, settled }, 'delivery reports recovered from the provider');
  return { checked: asked.length, settled };
}
