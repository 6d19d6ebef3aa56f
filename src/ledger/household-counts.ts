/**
 * The maintained counts on Household: laborCount (workers with labour capacity), employedCount
 * (workers whose current status is employed) and the zero-employment flag (零就业户: labour but
 * nobody employed) with the time it became true. Recomputed from Worker in one set-based
 * statement for any set of households, so every ledger path that changes workers can call it.
 */
import type pg from 'pg';
import { EMPLOYED_STATUSES } from './status-rules.js';

/** A pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/**
 * Recomputes the counts of the given households. zeroEmploymentSince is set when the flag turns
 * true, kept while it stays true, and cleared when it turns false. Only rows whose values change
 * are written. Returns the number of households updated.
 */
export async function refreshHouseholdCounts(
  pool: Queryable,
  householdIds: readonly number[],
  now: Date = new Date(),
): Promise<number> {
  if (householdIds.length === 0) return 0;
  const res = await pool.query(
    `WITH c AS (
       SELECT h.id,
              count(w.id) FILTER (WHERE w."laborCapacity" <> 'NONE')::int AS labor,
              count(w.id) FILTER (WHERE w."currentStatus" = ANY($2::"EmploymentStatus"[]))::int AS employed
         FROM "Household" h
         LEFT JOIN "Worker" w ON w."householdId" = h.id
        WHERE h.id = ANY($1::int[])
        GROUP BY h.id
     ), n AS (
       SELECT id, labor, employed, (labor > 0 AND employed = 0) AS zero FROM c
     )
     UPDATE "Household" h
        SET "laborCount" = n.labor,
            "employedCount" = n.employed,
            "zeroEmployment" = n.zero,
            "zeroEmploymentSince" = CASE WHEN n.zero THEN COALESCE(h."zeroEmploymentSince", $3::timestamp(3)) END,
            "updatedAt" = $3::timestamp(3)
       FROM n
      WHERE h.id = n.id
        AND (h."laborCount" <> n.labor OR h."employedCount" <> n.employed OR h."zeroEmployment" <> n.zero
             OR (n.zero AND h."zeroEmploymentSince" IS NULL) OR (NOT n.zero AND h."zeroEmploymentSince" IS NOT NULL))`,
    [householdIds, EMPLOYED_STATUSES, now.toISOString()],
  );
  return res.rowCount ?? 0;
}
