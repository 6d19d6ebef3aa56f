/**
 * Campaigns the service keeps without being asked. The ledger must be refreshed at least weekly
 * (§3): each province gets a recurring check-in to every worker whose status is stale (no report
 * or confirmation for 7 days). Staff may pause or cancel it like any campaign; a cancelled one
 * is not brought back.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Queues } from '../queues/queues.js';
import { scheduleRecurring } from './control.js';

export const WEEKLY_CHECK_IN_NAME = '每周就业状态核实（自动）';

/** "DAY HH:MM" (weekday 0 = Sunday, China time) → a cron pattern. */
export function weeklyCron(spec: string): string {
  const [day, time] = spec.split(' ') as [string, string];
  return `${Number(time.slice(3))} ${Number(time.slice(0, 2))} * * ${Number(day)}`;
}

/** Creates the weekly stale check-in for provinces that have none; returns how many were created. */
export async function ensureDefaultCampaigns(deps: {
  db: Db;
  queues: Queues;
  config: Pick<Config, 'WEEKLY_CHECK_IN'>;
}): Promise<number> {
  if (deps.config.WEEKLY_CHECK_IN === 'off') return 0;
  const cron = weeklyCron(deps.config.WEEKLY_CHECK_IN);
  const created = await deps.db.pool.query<{ id: number }>(
    `INSERT INTO "Campaign" (name, kind, status, "regionId", audience, content, cron, "updatedAt")
     SELECT $1, 'CHECK_IN', 'SCHEDULED', r.id, '{"stale": true}'::jsonb, '{}'::jsonb, $2, now()
       FROM "Region" r
      WHERE r.level = 'PROVINCE'
        AND NOT EXISTS (SELECT 1 FROM "Campaign" c
                         WHERE c."regionId" = r.id AND c.kind = 'CHECK_IN' AND c.cron IS NOT NULL AND c."createdById" IS NULL)
     RETURNING id`,
    [WEEKLY_CHECK_IN_NAME, cron],
  );
  for (const c of created.rows) await scheduleRecurring(deps.queues, c.id, cron);
  return created.rows.length;
}
