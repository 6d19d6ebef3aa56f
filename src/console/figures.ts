/**
 * The dashboard's region figures (RegionFigures), kept by a routine rather than counted on every
 * page view: a province of a million workers takes seconds to count, a page must answer in
 * milliseconds. One pass over Worker and one over Household compute every region of every level
 * at once (GROUPING SETS over the region chain), then one upsert writes them. The dashboard shows
 * when they were computed; the 'region-figures' routine refreshes them every 5 minutes and the
 * first view of a ledger without figures computes them once.
 */
import type { Sql } from '../db/sql.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { HOUSEHOLD_SERVICE_QUOTA, SERVICE_KINDS, STALE_AFTER_MS, WORKER_SERVICE_QUOTA } from '../ledger/program-rules.js';
import { EMPLOYED_STATUSES } from '../ledger/status-rules.js';
import { NOT_WILLING_STATUSES } from '../reports/common.js';

const CHAIN = ['provinceId', 'cityId', 'countyId', 'townshipId', 'villageId'] as const;
const REGION_OF = `COALESCE(${CHAIN.map((c) => `"${c}"`)
  .reverse()
  .map((c) => `CASE WHEN GROUPING(${c}) = 0 THEN ${c} END`)
  .join(', ')})`;
const SETS = CHAIN.map((c) => `("${c}")`).join(', ');

/** Recomputes every region's figures; returns how many regions were written. */
export async function refreshRegionFigures(sql: Sql, now = new Date()): Promise<number> {
  const r = await sql.query(
    `WITH w AS (
       SELECT ${REGION_OF} AS region,
              count(*) AS workers,
              count(*) FILTER (WHERE "laborCapacity" <> 'NONE') AS with_labor,
              count(*) FILTER (WHERE "currentStatus" = ANY($1::"EmploymentStatus"[])) AS employed,
              count(*) FILTER (WHERE "currentStatus" = 'UNEMPLOYED' OR "currentStatus" = 'RETURNED_HOME') AS unemployed,
              count(*) FILTER (WHERE "statusConfirmedAt" IS NULL OR "statusConfirmedAt" < $2) AS stale,
              count(*) FILTER (WHERE willing) AS willing,
              count(*) FILTER (WHERE willing AND served >= $6) AS willing_served
         FROM (SELECT wk.*, wk."laborCapacity" <> 'NONE' AND wk."currentStatus" <> ALL($3::"EmploymentStatus"[]) AS willing,
                      COALESCE(s.n, 0) AS served
                 FROM "Worker" wk
                 LEFT JOIN (SELECT "workerId", count(*) AS n FROM "ServiceContact"
                             WHERE kind = ANY($4::"ServiceKind"[]) AND "workerId" IS NOT NULL GROUP BY 1) s
                   ON s."workerId" = wk.id) x
        GROUP BY GROUPING SETS (${SETS})),
     h AS (
       SELECT ${REGION_OF} AS region,
              count(*) AS households,
              count(*) FILTER (WHERE "zeroEmployment") AS zero,
              COALESCE(sum(EXTRACT(EPOCH FROM ($5::timestamp - "zeroEmploymentSince")) / 86400)
                FILTER (WHERE "zeroEmployment" AND "zeroEmploymentSince" IS NOT NULL), 0)::bigint AS zero_days,
              count(*) FILTER (WHERE "zeroEmployment" AND served >= $7) AS zero_served
         FROM (SELECT hh.*, COALESCE(s.n, 0) AS served
                 FROM "Household" hh
                 LEFT JOIN (SELECT sc."householdId", count(*) AS n FROM "ServiceContact" sc
                              JOIN "Household" h2 ON h2.id = sc."householdId" AND h2."zeroEmployment"
                              LEFT JOIN LATERAL (SELECT z."enteredAt" FROM "ZeroEmploymentSpell" z
                                                  WHERE z."householdId" = h2.id AND z."clearedAt" IS NULL
                                                  ORDER BY z."enteredAt" DESC LIMIT 1) spell ON true
                             WHERE sc.kind = ANY($4::"ServiceKind"[])
                               -- services since the household entered the list, as the quota report counts them
                               AND sc."occurredAt" >= COALESCE(spell."enteredAt", h2."zeroEmploymentSince", '-infinity'::timestamp)
                             GROUP BY 1) s
                   ON s."householdId" = hh.id) x
        GROUP BY GROUPING SETS (${SETS})),
     rows AS (
       SELECT COALESCE(w.region, h.region) AS region, w.workers, w.with_labor, w.employed, w.unemployed, w.stale,
              w.willing, w.willing_served, h.households, h.zero, h.zero_days, h.zero_served
         FROM w FULL JOIN h ON h.region = w.region
        WHERE COALESCE(w.region, h.region) IS NOT NULL),
     kept AS (
       INSERT INTO "RegionFigures" ("regionId", workers, "withLabor", employed, unemployed, stale, households,
                                    "zeroHouseholds", "zeroHouseholdDays", "willingWorkers", "willingServed", "zeroServed", "computedAt")
       SELECT region, COALESCE(workers, 0), COALESCE(with_labor, 0), COALESCE(employed, 0), COALESCE(unemployed, 0),
              COALESCE(stale, 0), COALESCE(households, 0), COALESCE(zero, 0), COALESCE(zero_days, 0),
              COALESCE(willing, 0), COALESCE(willing_served, 0), COALESCE(zero_served, 0), $5
         FROM rows
       ON CONFLICT ("regionId") DO UPDATE SET
         workers = EXCLUDED.workers, "withLabor" = EXCLUDED."withLabor", employed = EXCLUDED.employed,
         unemployed = EXCLUDED.unemployed, stale = EXCLUDED.stale, households = EXCLUDED.households,
         "zeroHouseholds" = EXCLUDED."zeroHouseholds", "zeroHouseholdDays" = EXCLUDED."zeroHouseholdDays",
         "willingWorkers" = EXCLUDED."willingWorkers", "willingServed" = EXCLUDED."willingServed",
         "zeroServed" = EXCLUDED."zeroServed", "computedAt" = EXCLUDED."computedAt"
       RETURNING 1),
     -- Regions left without anyone (a village emptied by transfers) lose their figures.
     gone AS (
       DELETE FROM "RegionFigures" f WHERE NOT EXISTS (SELECT 1 FROM rows WHERE rows.region = f."regionId") RETURNING 1)
     SELECT (SELECT count(*) FROM kept) AS n, (SELECT count(*) FROM gone) AS gone`,
    [
      EMPLOYED_STATUSES,
      new Date(now.getTime() - STALE_AFTER_MS),
      NOT_WILLING_STATUSES,
      SERVICE_KINDS,
      now,
      WORKER_SERVICE_QUOTA,
      HOUSEHOLD_SERVICE_QUOTA,
    ],
  );
  return Number((r.rows[0] as { n: string }).n);
}

export interface Figures {
  workers: number;
  withLabor: number;
  employed: number;
  unemployed: number;
  stale: number;
  households: number;
  zeroHouseholds: number;
  /** Mean days on the zero-employment list. */
  zeroMeanDays: number | null;
  willingWorkers: number;
  willingServed: number;
  zeroServed: number;
  computedAt: Date;
}

/** A region's figures; computed for the whole ledger first when none exist yet (a new ledger). */
export async function regionFigures(prisma: PrismaClient, sql: Sql, regionId: number): Promise<Figures | null> {
  let f = await prisma.regionFigures.findUnique({ where: { regionId } });
  if (!f && (await prisma.regionFigures.count()) === 0) {
    await refreshRegionFigures(sql);
    f = await prisma.regionFigures.findUnique({ where: { regionId } });
  }
  if (!f) return null;
  const { regionId: _r, zeroHouseholdDays, ...rest } = f;
  return { ...rest, zeroMeanDays: f.zeroHouseholds ? Number(zeroHouseholdDays) / f.zeroHouseholds : null };
}
