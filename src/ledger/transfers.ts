/**
 * Transfers between regions: the one way a household or a worker changes region once the ledger
 * has it. An import never moves a record it finds outside the uploader's scope (that row is an
 * error, src/import/write-batch.ts); an ADMIN whose region contains both the record and its
 * destination moves it here, in one transaction with two audit entries (one in the region it
 * left, one in the region it joined, so both counties read it in their log).
 *
 * What follows the record: a household's workers, its open zero-employment spell and the open
 * staff tasks filed at its old village take the new region chain; a household that leaves its
 * county leaves its resettlement site behind (sites belong to a county; the new county's next
 * import names one). A worker moving to another household takes that household's region chain,
 * and both households' counts are refreshed.
 */

import type pg from 'pg';
import { inTransaction, type Sql } from '../db/sql.js';
import { DomainError, forbidden, invalid, notFound } from '../errors.js';
import type { Channel, RegionLevel } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, findRegion, LEVELS, type Staff } from '../staff/scope.js';
import { refreshHouseholdCounts } from './household-counts.js';

export interface PlaceRef {
  id: number;
  code: string;
  name: string;
}

export interface HouseholdTransfer {
  household: { id: number; code: string };
  from: PlaceRef;
  to: PlaceRef;
  /** false when the household already was in that village (nothing changed, nothing audited). */
  moved: boolean;
  /** Workers of the household, moved with it. */
  workers: number;
  /** The household left its county and with it its resettlement site. */
  siteCleared: boolean;
}

export interface WorkerTransfer {
  worker: { id: number; name: string };
  from: { household: { id: number; code: string }; village: PlaceRef };
  to: { household: { id: number; code: string }; village: PlaceRef };
  moved: boolean;
}

/** Region ids of a village and its ancestors, by the columns Household and Worker carry. */
interface Chain {
  pr: number;
  ci: number;
  co: number;
  tw: number;
  vi: number;
}

function requireAdmin(staff: Staff): void {
  if (staff.role !== 'ADMIN') throw forbidden(`role ${staff.role} may not transfer records; needs ADMIN`);
}

async function villageChain(sql: Sql, villageId: number): Promise<Chain> {
  const r = await sql.query<{ id: number; level: RegionLevel }>(
    `WITH RECURSIVE c AS (
       SELECT id, level, "parentId", 0 AS depth FROM "Region" WHERE id = $1
       UNION ALL
       SELECT r.id, r.level, r."parentId", c.depth + 1 FROM "Region" r JOIN c ON r.id = c."parentId" WHERE c.depth < 5
     )
     SELECT id, level FROM c`,
    [villageId],
  );
  const by = new Map(r.rows.map((x) => [x.level, x.id]));
  const [pr, ci, co, tw, vi] = LEVELS.map((l) => by.get(l));
  if (pr === undefined || ci === undefined || co === undefined || tw === undefined || vi === undefined)
    throw invalid('body', 'names a village whose parent regions are incomplete in the ledger');
  return { pr, ci, co, tw, vi };
}

interface LockedHousehold {
  id: number;
  code: string;
  villageId: number;
  countyId: number;
  siteId: number | null;
  villageCode: string;
  villageName: string;
}

/** Locks households (in id order) and returns those found, with their village. */
async function lockHouseholds(tx: pg.PoolClient, where: string, values: unknown[]): Promise<LockedHousehold[]> {
  const r = await tx.query<LockedHousehold>(
    `SELECT h.id, h.code, h."villageId", h."countyId", h."siteId", v.code AS "villageCode", v.name AS "villageName"
       FROM "Household" h JOIN "Region" v ON v.id = h."villageId"
      WHERE ${where}
      ORDER BY h.id
        FOR UPDATE OF h`,
    values,
  );
  return r.rows;
}

const place = (h: LockedHousehold): PlaceRef => ({ id: h.villageId, code: h.villageCode, name: h.villageName });

/**
 * Moves a household (by id or code) and its workers into a village (by id or code). The household and the
 * village must both lie inside the admin's scope: a household outside answers 404 like one that
 * does not exist; a village outside answers 403.
 */
export async function transferHousehold(
  pool: pg.Pool,
  staff: Staff,
  ref: { householdId?: number; householdCode?: string },
  toRegion: { id?: number; code?: string },
  via: Channel,
  now = new Date(),
): Promise<HouseholdTransfer> {
  requireAdmin(staff);
  const field = toRegion.id !== undefined ? 'body/toRegionId' : 'body/toRegionCode';
  const dest = await findRegion(pool, toRegion);
  if (!dest) throw new DomainError(400, 'unknown_region', `no region ${toRegion.code ?? `#${toRegion.id}`} in the ledger`);
  if (dest.level !== 'VILLAGE') throw invalid(field, `must be a village; region ${dest.code} is a ${dest.level}`);
  if (!codeInScope(staff, dest.code))
    throw forbidden(`region ${dest.code} is outside your scope (${staff.regionCode} and below)`);
  const to: PlaceRef = { id: dest.id, code: dest.code, name: dest.name };
  const label = ref.householdId !== undefined ? `#${ref.householdId}` : (ref.householdCode ?? '');
  return inTransaction(pool, async (tx) => {
    const [h] =
      ref.householdId !== undefined
        ? await lockHouseholds(tx, 'h.id = $1', [ref.householdId])
        : await lockHouseholds(tx, 'h.code = $1', [ref.householdCode]);
    if (!h || !codeInScope(staff, h.villageCode)) throw notFound(`no household ${label}`);
    const household = { id: h.id, code: h.code };
    if (h.villageId === dest.id) return { household, from: place(h), to, moved: false, workers: 0, siteCleared: false };
    const c = await villageChain(tx, dest.id);
    const at = now.toISOString();
    const siteCleared = h.siteId !== null && h.countyId !== c.co;
    await tx.query(
      `UPDATE "Household" h
          SET "provinceId" = $2, "cityId" = $3, "countyId" = $4, "townshipId" = $5, "villageId" = $6,
              "siteId" = CASE WHEN h."countyId" = $4 THEN h."siteId" END, "updatedAt" = $7::timestamp(3)
        WHERE h.id = $1`,
      [h.id, c.pr, c.ci, c.co, c.tw, c.vi, at],
    );
    const workers = await tx.query<{ id: number }>(
      `UPDATE "Worker"
          SET "provinceId" = $2, "cityId" = $3, "countyId" = $4, "townshipId" = $5, "villageId" = $6, "updatedAt" = $7::timestamp(3)
        WHERE "householdId" = $1
       RETURNING id`,
      [h.id, c.pr, c.ci, c.co, c.tw, c.vi, at],
    );
    await tx.query(
      `UPDATE "ZeroEmploymentSpell"
          SET "provinceId" = $2, "countyId" = $3, "townshipId" = $4, "villageId" = $5, "updatedAt" = $6::timestamp(3)
        WHERE "householdId" = $1 AND "clearedAt" IS NULL`,
      [h.id, c.pr, c.co, c.tw, c.vi, at],
    );
    const workerIds = workers.rows.map((w) => w.id);
    await tx.query(
      `UPDATE "StaffTask" SET "regionId" = $4
        WHERE status = 'OPEN' AND "regionId" = $3 AND ("householdId" = $1 OR "workerId" = ANY($2::int[]))`,
      [h.id, workerIds, h.villageId, dest.id],
    );
    const result: HouseholdTransfer = {
      household,
      from: place(h),
      to,
      moved: true,
      workers: workerIds.length,
      siteCleared,
    };
    const details = {
      via,
      code: h.code,
      from: result.from.code,
      to: to.code,
      workers: result.workers,
      siteCleared: result.siteCleared,
    };
    for (const [action, regionId] of [
      ['household.transfer_out', h.villageId],
      ['household.transfer_in', dest.id],
    ] as const) {
      await recordAudit(tx, { staffUserId: staff.userId, action, entity: 'Household', entityId: h.id, regionId, details });
    }
    return result;
  });
}

/**
 * Moves a worker into another household (and so into its village). Both households must lie
 * inside the admin's scope; either outside answers 404 like one that does not exist.
 */
export async function transferWorker(
  pool: pg.Pool,
  staff: Staff,
  workerId: number,
  toHouseholdId: number,
  via: Channel,
  now = new Date(),
): Promise<WorkerTransfer> {
  requireAdmin(staff);
  return inTransaction(pool, async (tx) => {
    const w = (
      await tx.query<{ id: number; name: string; householdId: number }>(
        'SELECT id, name, "householdId" FROM "Worker" WHERE id = $1 FOR UPDATE',
        [workerId],
      )
    ).rows[0];
    const households = w ? await lockHouseholds(tx, 'h.id = ANY($1::int[])', [[w.householdId, toHouseholdId]]) : [];
    const from = households.find((h) => h.id === w?.householdId);
    if (!w || !from || !codeInScope(staff, from.villageCode)) throw notFound(`no worker ${workerId}`);
    const dest = households.find((h) => h.id === toHouseholdId);
    if (!dest || !codeInScope(staff, dest.villageCode)) throw notFound(`no household #${toHouseholdId}`);
    const result: WorkerTransfer = {
      worker: { id: w.id, name: w.name },
      from: { household: { id: from.id, code: from.code }, village: place(from) },
      to: { household: { id: dest.id, code: dest.code }, village: place(dest) },
      moved: from.id !== dest.id,
    };
    if (!result.moved) return result;
    await tx.query(
      `UPDATE "Worker" w
          SET "householdId" = h.id, "provinceId" = h."provinceId", "cityId" = h."cityId", "countyId" = h."countyId",
              "townshipId" = h."townshipId", "villageId" = h."villageId", "updatedAt" = $3::timestamp(3)
         FROM "Household" h
        WHERE w.id = $1 AND h.id = $2`,
      [w.id, dest.id, now.toISOString()],
    );
    await tx.query(`UPDATE "StaffTask" SET "regionId" = $3 WHERE status = 'OPEN' AND "workerId" = $1 AND "regionId" = $2`, [
      w.id,
      from.villageId,
      dest.villageId,
    ]);
    await refreshHouseholdCounts(tx, [from.id, dest.id], now);
    const details = {
      via,
      fromHousehold: from.code,
      toHousehold: dest.code,
      from: from.villageCode,
      to: dest.villageCode,
    };
    for (const [action, regionId] of [
      ['worker.transfer_out', from.villageId],
      ['worker.transfer_in', dest.villageId],
    ] as const) {
      await recordAudit(tx, { staffUserId: staff.userId, action, entity: 'Worker', entityId: w.id, regionId, details });
    }
    return result;
  });
}
