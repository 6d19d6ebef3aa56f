/**
 * The maintained counts on Household: laborCount (workers with labour capacity), employedCount
 * (workers whose current status is employed) and the zero-employment flag (零就业户: labour but
 * nobody employed) with the time it became true. Recomputed from Worker in one set-based
 * statement for any set of households, so every ledger path that changes workers can call it.
 *
 * The same statement keeps the zero-employment spells (Annex 1, src/programs/zero-employment-plan.ts)
 * in step with the flag: a household whose flag is on and has no open spell gets one (entered when
 * the flag turned on, region chain copied, plan at LEADS_SMS due now); a household whose flag is
 * off has its open spell cleared (STOPPED: someone reported a job) and the plan's open staff task
 * cancelled. Rewriting the household row takes its lock, so two refreshes cannot both open a spell.
 */

import { prepared } from '../db/prepared.js';
import type { Sql } from '../db/sql.js';
import { EMPLOYED_STATUSES } from './status-rules.js';

/**
 * The INSERT … SELECT list that opens a zero-employment spell for household row `h` (with its
 * region columns), entered at `since`: the plan starts at LEADS_SMS, due now (`now`, a
 * timestamp parameter, and `nowText`, the same instant as text for the history). The caller adds
 * FROM and WHERE.
 */
function openSpell(h: string, since: string, now: string, nowText: string): string {
  return `INSERT INTO "ZeroEmploymentSpell" ("householdId", "villageId", "townshipId", "countyId", "provinceId", "enteredAt",
                                          stage, "nextStepAt", history, "updatedAt")
       SELECT ${h}.id, ${h}."villageId", ${h}."townshipId", ${h}."countyId", ${h}."provinceId", ${since}, 'LEADS_SMS',
              ${now}::timestamp(3), jsonb_build_array(jsonb_build_object('event', 'entered', 'at', ${nowText}::text)),
              ${now}::timestamp(3)`;
}

/**
 * Recomputes the counts of the given households. Every household, its workers and its open spell
 * are looked up by index, one household at a time: the statement runs once per import batch
 * while the tables grow faster than their statistics, and a plan that scanned Household or the
 * open spells made each batch slower than the last (OFFSET 0 keeps the EXISTS a probe rather
 * than a hash of every open spell). zeroEmploymentSince is set when the flag turns
 * true, kept while it stays true, and cleared when it turns false. Only rows whose values change
 * (or whose spell disagrees with the flag) are written. Returns the number of households updated.
 */
export async function refreshHouseholdCounts(
  pool: Sql,
  householdIds: readonly number[],
  now: Date = new Date(),
): Promise<number> {
  if (householdIds.length === 0) return 0;
  const res = await pool.query<{ n: number }>(
    prepared(
      pool,
      `WITH c AS (
       SELECT h.id, m.labor, m.employed
         FROM (SELECT DISTINCT k.id FROM unnest($1::int[]) AS k(id)) k
         JOIN LATERAL (SELECT h.id FROM "Household" h WHERE h.id = k.id LIMIT 1) h ON true
         CROSS JOIN LATERAL (
           SELECT count(*) FILTER (WHERE w."laborCapacity" <> 'NONE')::int AS labor,
                  count(*) FILTER (WHERE w."currentStatus" = ANY($2::"EmploymentStatus"[]))::int AS employed
             FROM "Worker" w WHERE w."householdId" = h.id) m
     ), n AS MATERIALIZED (
       SELECT c.id, c.labor, c.employed, (c.labor > 0 AND c.employed = 0) AS zero,
              EXISTS (SELECT 1 FROM "ZeroEmploymentSpell" s WHERE s."householdId" = c.id AND s."clearedAt" IS NULL
                      OFFSET 0) AS has_open
         FROM c
     ), upd AS (
       UPDATE "Household" h
          SET "laborCount" = n.labor,
              "employedCount" = n.employed,
              "zeroEmployment" = n.zero,
              "zeroEmploymentSince" = CASE WHEN n.zero THEN COALESCE(h."zeroEmploymentSince", $3::timestamp(3)) END,
              "updatedAt" = $3::timestamp(3)
         FROM n
        WHERE h.id = n.id
          AND (h."laborCount" <> n.labor OR h."employedCount" <> n.employed OR h."zeroEmployment" <> n.zero
               OR (n.zero AND h."zeroEmploymentSince" IS NULL) OR (NOT n.zero AND h."zeroEmploymentSince" IS NOT NULL)
               OR n.zero <> n.has_open)
       RETURNING h.id, n.zero, n.has_open, h."zeroEmploymentSince" AS since, h."villageId", h."townshipId", h."countyId",
                 h."provinceId"
     ), opened AS (
       ${openSpell('u', 'u.since', '$3', '$4')}
         FROM upd u
        WHERE u.zero AND NOT u.has_open
     ), closed AS (
       UPDATE "ZeroEmploymentSpell" s
          SET "clearedAt" = $3::timestamp(3), stage = 'STOPPED', "nextStepAt" = NULL, "updatedAt" = $3::timestamp(3),
              history = s.history || jsonb_build_array(jsonb_build_object('event', 'cleared', 'at', $4::text))
         FROM upd u
        WHERE s."householdId" = u.id AND NOT u.zero AND u.has_open AND s."clearedAt" IS NULL
       RETURNING s."staffTaskId"
     ), tasks AS (
       UPDATE "StaffTask" t
          SET status = 'CANCELLED', "closedAt" = $3::timestamp(3),
              details = t.details || jsonb_build_object('closedBecause', 'household_employed')
         FROM closed
        WHERE t.id = closed."staffTaskId" AND t.status = 'OPEN'
     )
     SELECT count(*)::int AS n FROM upd`,
      [householdIds, EMPLOYED_STATUSES, now.toISOString(), now.toISOString()],
    ),
  );
  return res.rows[0]?.n ?? 0;
}

/**
 * Opens the spell of households written with their final counts and the zero-employment flag on
 * (an import's new households whose members are all new to the ledger): what
 * refreshHouseholdCounts would do for them, without recounting their workers and rewriting their
 * rows. A household whose flag is off, or that has an open spell already, is left alone.
 */
export async function openZeroEmploymentSpells(pool: Sql, householdIds: readonly number[], now: Date): Promise<void> {
  if (householdIds.length === 0) return;
  await pool.query(
    prepared(
      pool,
      `${openSpell('h', 'h."zeroEmploymentSince"', '$2', '$3')}
         FROM (SELECT DISTINCT k.id FROM unnest($1::int[]) AS k(id)) k
         JOIN LATERAL (SELECT * FROM "Household" h WHERE h.id = k.id LIMIT 1) h ON true
        WHERE h."zeroEmployment"
          AND NOT EXISTS (SELECT 1 FROM "ZeroEmploymentSpell" s WHERE s."householdId" = h.id AND s."clearedAt" IS NULL
                          OFFSET 0)`,
      [householdIds, now.toISOString(), now.toISOString()],
    ),
  );
}
