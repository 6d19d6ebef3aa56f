/**
 * Ledger consistency (§3: 账实相符、账账相符): the rules (rules.ts), a run over a region (check.ts),
 * its findings per village (findings.ts), and the share of consistent records that the county
 * assessment shows.
 */
import type { Db } from '../db/database.js';
import { notFound } from '../errors.js';
import { findRegion, REGION_COLUMN } from '../staff/scope.js';

export { CONSISTENCY_TASK_KIND, queueRun, type RunOptions, type RunSummary, runConsistencyCheck } from './check.js';
export { RULES, type Rule } from './rules.js';

export interface ConsistentShare {
  regionId: number;
  /** Workers and households the latest run over each village checked. */
  checked: number;
  /** Of them, those without a finding of that run (a family contact's finding counts against its worker). */
  consistent: number;
  /** consistent / checked; null when no run has checked any record of the region. */
  share: number | null;
  /** When the least recently checked village of the region was checked; null when never. */
  checkedAt: Date | null;
}

/**
 * The share of consistent records in a region and everything below it: a sum over its villages'
 * tallies, each from the latest run that covered the village (nightly, or a staff run since).
 * Reads a table of one row per village, so a province costs no more than a page view.
 * Throws not_found for a region the ledger lacks.
 */
export async function consistentShare(db: Pick<Db, 'pool'>, regionId: number): Promise<ConsistentShare> {
  const region = await findRegion(db.pool, { id: regionId });
  if (!region) throw notFound(`no region ${regionId}`);
  const r = await db.pool.query<{ checked: string | null; consistent: string | null; checkedAt: Date | null }>(
    `SELECT sum(records)::text AS checked, sum(consistent)::text AS consistent, min("checkedAt") AS "checkedAt"
       FROM "ConsistencyTally" WHERE "${REGION_COLUMN[region.level]}" = $1`,
    [region.id],
  );
  const checked = Number(r.rows[0]?.checked ?? 0);
  const consistent = Number(r.rows[0]?.consistent ?? 0);
  return {
    regionId: region.id,
    checked,
    consistent,
    share: checked > 0 ? consistent / checked : null,
    checkedAt: r.rows[0]?.checkedAt ?? null,
  };
}
