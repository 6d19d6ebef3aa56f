/**
 * The share of consistent records of a region (a figure of the county assessment, §22): a sum
 * over the region's villages' tallies (ConsistencyTally), each written by the latest run that
 * covered the village, so a province costs no more than a page view.
 */
import type { Db } from '../db/database.js';
import type { Sql } from '../db/sql.js';
import { notFound } from '../errors.js';
import { findRegion, REGION_COLUMN, type RegionRef } from '../staff/scope.js';

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

/** The share for a region already looked up. */
export async function regionShare(sql: Sql, region: Pick<RegionRef, 'id' | 'level'>): Promise<ConsistentShare> {
  const r = await sql.query<{ checked: string | null; consistent: string | null; checkedAt: Date | null }>(
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

/**
 * The share of consistent records in a region and everything below it. Throws not_found for a
 * region the ledger lacks.
 */
export async function consistentShare(db: Pick<Db, 'pool'>, regionId: number): Promise<ConsistentShare> {
  const region = await findRegion(db.pool, { id: regionId });
  if (!region) throw notFound(`no region ${regionId}`);
  return regionShare(db.pool, region);
}
