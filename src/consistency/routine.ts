/**
 * The consistency check as a program routine (src/programs/routines.ts, `consistency-check`): at
 * night over every province (or the county given), or the one run staff asked for (runId), whose
 * row the API wrote as queued.
 */
import type { Db } from '../db/database.js';
import type { Texts } from '../i18n.js';
import { runConsistencyCheck } from './check.js';

/** Staff read tasks in Chinese, whatever their console language. */
const STAFF_LANGUAGE = 'zh-CN';

export async function runScheduledChecks(
  deps: { db: Db; texts: Texts },
  opts: { countyId?: number; runId?: number; now?: Date },
): Promise<Record<string, unknown>> {
  const taskTitle = deps.texts.forLanguage(STAFF_LANGUAGE)('consistency:task_title');
  if (opts.runId !== undefined) {
    const r = await deps.db.pool.query<{ regionId: number; staffUserId: number | null; status: string }>(
      `SELECT "regionId", "staffUserId", status FROM "ConsistencyRun" WHERE id = $1`,
      [opts.runId],
    );
    const run = r.rows[0];
    // A job repeated after its run finished (a crash after the commit) has nothing left to do.
    if (!run || run.status === 'finished') return { runId: opts.runId, skipped: true };
    const s = await runConsistencyCheck(deps.db, {
      regionId: run.regionId,
      trigger: 'staff',
      staffUserId: run.staffUserId,
      runId: opts.runId,
      taskTitle,
      now: opts.now,
    });
    return { runId: s.runId, checked: s.checked, found: s.found, opened: s.opened, resolved: s.resolved };
  }
  const regions =
    opts.countyId !== undefined
      ? [opts.countyId]
      : (await deps.db.pool.query<{ id: number }>(`SELECT id FROM "Region" WHERE level = 'PROVINCE' ORDER BY id`)).rows.map(
          (r) => r.id,
        );
  let checked = 0;
  let found = 0;
  for (const regionId of regions) {
    const s = await runConsistencyCheck(deps.db, { regionId, trigger: 'nightly', taskTitle, now: opts.now });
    checked += s.checked;
    found += s.found;
  }
  return { regions: regions.length, checked, found };
}
