/**
 * The ledger's consistency rules (§3: 账实相符、账账相符 — the ledger matches reality and itself).
 * Each rule is one set-based statement over a region's subtree that returns the records breaking
 * it; the check (check.ts) runs them all in one transaction and keeps the findings.
 *
 * A rule's statement takes $1 = the region's id (matched on the Worker/Household column of its
 * level, one of five constants) and the parameters it lists, and returns FindingRow columns.
 * The rules are decided from the schema (prisma/schema.prisma) and the status rules
 * (src/ledger/status-rules.ts):
 *
 * | rule | record | breaks when |
 * |---|---|---|
 * | employed_without_employer | Worker | current status is employed but the current event lacks the employer (any employed status but self-employment) or the place (any but a public-welfare post, whose place is the post's region) |
 * | unwilling_without_evidence | Worker | current status is TEMPORARILY_UNWILLING but since the worker was last recorded otherwise no unwilling event carries an accepted TEMPORARILY_UNWILLING confirmation of this worker (APPROVED, or CONFIRMED by a registered number or the worker's code) or a reason, or fewer than 3 assistance records count (Annex 1) |
 * | household_counts | Household | laborCount, employedCount or zeroEmployment differ from what the household's workers give |
 * | returnee_working_away | Worker | marked a returnee (回流人员) while the status says working away (省内县外, 省外, 苏陕协作), and no return home is recorded before that job |
 * | status_older_than_answer | Worker | the status on the record is not the latest word: an answer (any employment event but an import's, whose date is the sheet's) reported after statusConfirmedAt, or currentStatus/currentEventId not the event current by the status rule |
 * | family_contact_is_worker | FamilyContact | an active family contact's number is the phone of a worker of another household |
 */
import type { EmploymentStatus } from '../generated/prisma/enums.js';
import { MIN_SERVICE_CONTACTS, SERVICE_KINDS } from '../ledger/program-rules.js';
import { EMPLOYED_STATUSES } from '../ledger/status-rules.js';
import type { RegionColumn } from '../staff/scope.js';

export const RULES = [
  'employed_without_employer',
  'unwilling_without_evidence',
  'household_counts',
  'returnee_working_away',
  'status_older_than_answer',
  'family_contact_is_worker',
] as const;

export type Rule = (typeof RULES)[number];
export type FindingEntity = 'Worker' | 'Household' | 'FamilyContact';

/** One record breaking one rule, as every rule's statement returns it. */
export interface FindingRow {
  rule: Rule;
  entity: FindingEntity;
  entityId: number;
  workerId: number | null;
  householdId: number;
  villageId: number;
  townshipId: number;
  countyId: number;
  cityId: number;
  provinceId: number;
  details: Record<string, unknown>;
}

/** Statuses that mean working outside the county (外出务工). */
export const AWAY_STATUSES: readonly EmploymentStatus[] = [
  'EMPLOYED_IN_PROVINCE',
  'EMPLOYED_OUT_OF_PROVINCE',
  'EMPLOYED_JIANGSU',
];

export interface RuleStatement {
  rule: Rule;
  sql: string;
  params: unknown[];
}

/** The columns every rule returns, from a Worker (alias w) or Household (alias h) row. */
const chain = (a: string) => `${a}."villageId", ${a}."townshipId", ${a}."countyId", ${a}."cityId", ${a}."provinceId"`;

/** An employment event's order key by the status rule (CURRENT_EVENT_ORDER), for row comparisons. */
const eventKey = (e: string) => `(${e}."effectiveDate", ${e}."reportedAt", ${e}.id)`;

/** A text column that holds something besides blanks. */
const present = (col: string) => `nullif(btrim(${col}), '') IS NOT NULL`;

/** The statements of every rule for the subtree whose root's level column is `column`. */
export function ruleStatements(column: RegionColumn): RuleStatement[] {
  const inRegion = (a: string) => `${a}."${column}" = $1`;
  return [
    {
      rule: 'employed_without_employer',
      sql: `SELECT 'employed_without_employer' AS rule, 'Worker' AS entity, w.id AS "entityId", w.id AS "workerId",
                   w."householdId", ${chain('w')},
                   jsonb_build_object('status', w."currentStatus", 'eventId', e.id::text,
                                      'employer', ${present('e.employer')}, 'place', ${present('e.place')}) AS details
              FROM "Worker" w
              LEFT JOIN "EmploymentEvent" e ON e.id = w."currentEventId"
             WHERE ${inRegion('w')} AND w."currentStatus" = ANY($2::"EmploymentStatus"[])
               AND ((w."currentStatus" <> 'SELF_EMPLOYED' AND NOT ${present('e.employer')})
                 OR (w."currentStatus" <> 'PUBLIC_WELFARE_POST' AND NOT ${present('e.place')}))`,
      params: [EMPLOYED_STATUSES],
    },
    {
      // The evidence may sit on an earlier unwilling event than the current one (a check-in
      // "no change" copies the event without its confirmation), but not before the worker was
      // last recorded as anything else.
      rule: 'unwilling_without_evidence',
      sql: `SELECT 'unwilling_without_evidence' AS rule, 'Worker' AS entity, w.id AS "entityId", w.id AS "workerId",
                   w."householdId", ${chain('w')},
                   jsonb_build_object('confirmation', COALESCE(ev.confirmed, false), 'reason', COALESCE(ev.reasoned, false),
                                      'serviceContacts', sc.n, 'needed', $3::int) AS details
              FROM "Worker" w
              LEFT JOIN LATERAL (
                SELECT o.id, o."effectiveDate", o."reportedAt" FROM "EmploymentEvent" o
                 WHERE o."workerId" = w.id AND o.status <> 'TEMPORARILY_UNWILLING'
                 ORDER BY o."effectiveDate" DESC, o."reportedAt" DESC, o.id DESC LIMIT 1
              ) o ON true
              CROSS JOIN LATERAL (
                SELECT bool_or(c.id IS NOT NULL) AS confirmed, bool_or(${present('e.reason')}) AS reasoned
                  FROM "EmploymentEvent" e
                  LEFT JOIN "Confirmation" c
                         ON c.id = e."confirmationId" AND c.kind = 'TEMPORARILY_UNWILLING' AND c."workerId" = e."workerId"
                        AND (c.status = 'APPROVED'
                             OR (c.status = 'CONFIRMED' AND c."verificationMethod" IS DISTINCT FROM 'STAFF_APPROVAL'))
                 WHERE e."workerId" = w.id AND e.status = 'TEMPORARILY_UNWILLING'
                   AND (o.id IS NULL OR ${eventKey('e')} > ${eventKey('o')})
              ) ev
              CROSS JOIN LATERAL (
                SELECT count(*)::int AS n FROM "ServiceContact" s
                  LEFT JOIN "OutboundMessage" m ON m.id = s."outboundMessageId"
                 WHERE s."workerId" = w.id AND s.kind::text = ANY($2::text[])
                   AND (m.id IS NULL OR m.status NOT IN ('FAILED', 'CANCELLED'))
              ) sc
             WHERE ${inRegion('w')} AND w."currentStatus" = 'TEMPORARILY_UNWILLING'
               AND (NOT COALESCE(ev.confirmed, false) OR NOT COALESCE(ev.reasoned, false) OR sc.n < $3::int)`,
      params: [SERVICE_KINDS, MIN_SERVICE_CONTACTS],
    },
    {
      rule: 'household_counts',
      sql: `SELECT 'household_counts' AS rule, 'Household' AS entity, c.id AS "entityId", NULL::int AS "workerId",
                   c.id AS "householdId", ${chain('c')},
                   jsonb_build_object('laborCount', c."laborCount", 'employedCount', c."employedCount",
                                      'zeroEmployment', c."zeroEmployment", 'workersLabor', c.labor,
                                      'workersEmployed', c.employed, 'workersZero', c.labor > 0 AND c.employed = 0) AS details
              FROM (
                SELECT h.id, ${chain('h')}, h."laborCount", h."employedCount", h."zeroEmployment",
                       count(w.id) FILTER (WHERE w."laborCapacity" <> 'NONE')::int AS labor,
                       count(w.id) FILTER (WHERE w."currentStatus" = ANY($2::"EmploymentStatus"[]))::int AS employed
                  FROM "Household" h
                  LEFT JOIN "Worker" w ON w."householdId" = h.id
                 WHERE ${inRegion('h')}
                 GROUP BY h.id
              ) c
             WHERE c."laborCount" <> c.labor OR c."employedCount" <> c.employed
                OR c."zeroEmployment" <> (c.labor > 0 AND c.employed = 0)`,
      params: [EMPLOYED_STATUSES],
    },
    {
      rule: 'returnee_working_away',
      sql: `SELECT 'returnee_working_away' AS rule, 'Worker' AS entity, w.id AS "entityId", w.id AS "workerId",
                   w."householdId", ${chain('w')},
                   jsonb_build_object('status', w."currentStatus", 'eventId', w."currentEventId"::text) AS details
              FROM "Worker" w
              LEFT JOIN "EmploymentEvent" cur ON cur.id = w."currentEventId"
             WHERE ${inRegion('w')} AND w."isReturnee" AND w."currentStatus" = ANY($2::"EmploymentStatus"[])
               AND NOT EXISTS (
                     SELECT 1 FROM "EmploymentEvent" r
                      WHERE r."workerId" = w.id AND r.status = 'RETURNED_HOME'
                        AND (cur.id IS NULL OR ${eventKey('r')} < ${eventKey('cur')}))`,
      params: [AWAY_STATUSES],
    },
    {
      // One pass over the region's events grouped by worker (no per-worker probe): the latest
      // answer's time, and whether any event outranks the one the worker points at.
      rule: 'status_older_than_answer',
      sql: `WITH w AS MATERIALIZED (
              SELECT w.id, w."householdId", ${chain('w')}, w."currentStatus", w."currentEventId", w."statusConfirmedAt",
                     c."workerId" AS "curWorker", c.status AS "curStatus", c."effectiveDate", c."reportedAt"
                FROM "Worker" w
                LEFT JOIN "EmploymentEvent" c ON c.id = w."currentEventId"
               WHERE ${inRegion('w')}
            ), a AS (
              SELECT e."workerId",
                     max(e."reportedAt") FILTER (WHERE e.source <> 'IMPORT') AS "lastAnswerAt",
                     bool_or(w."currentEventId" IS NULL OR ${eventKey('e')} > (w."effectiveDate", w."reportedAt", w."currentEventId"))
                       AS outranked
                FROM "EmploymentEvent" e
                JOIN w ON w.id = e."workerId"
               GROUP BY e."workerId"
            )
            SELECT 'status_older_than_answer' AS rule, 'Worker' AS entity, w.id AS "entityId", w.id AS "workerId",
                   w."householdId", ${chain('w')},
                   jsonb_build_object('status', w."currentStatus", 'eventId', w."currentEventId"::text,
                                      'statusConfirmedAt', w."statusConfirmedAt", 'lastAnswerAt', a."lastAnswerAt",
                                      'notCurrentEvent', COALESCE(a.outranked, false)
                                         OR w."curWorker" IS DISTINCT FROM CASE WHEN w."currentEventId" IS NOT NULL THEN w.id END
                                         OR w."currentStatus" IS DISTINCT FROM COALESCE(w."curStatus", 'UNKNOWN')) AS details
              FROM w
              LEFT JOIN a ON a."workerId" = w.id
             WHERE COALESCE(a.outranked, false)
                OR w."curWorker" IS DISTINCT FROM CASE WHEN w."currentEventId" IS NOT NULL THEN w.id END
                OR w."currentStatus" IS DISTINCT FROM COALESCE(w."curStatus", 'UNKNOWN')
                OR a."lastAnswerAt" > COALESCE(w."statusConfirmedAt", '-infinity'::timestamp)`,
      params: [],
    },
    {
      rule: 'family_contact_is_worker',
      sql: `SELECT 'family_contact_is_worker' AS rule, 'FamilyContact' AS entity, f.id AS "entityId", w.id AS "workerId",
                   w."householdId", ${chain('w')},
                   jsonb_build_object('relation', f.relation, 'otherWorkerIds', array_agg(DISTINCT x.id ORDER BY x.id),
                                      'otherHouseholdIds', array_agg(DISTINCT x."householdId" ORDER BY x."householdId")) AS details
              FROM "FamilyContact" f
              JOIN "Worker" w ON w.id = f."workerId"
              JOIN "Worker" x ON x.phone = f.phone AND x."householdId" <> w."householdId"
             WHERE ${inRegion('w')} AND f."removedAt" IS NULL
             GROUP BY f.id, w.id`,
      params: [],
    },
  ];
}
