/**
 * Service-contact quota compliance (§13): every worker willing to work has had at least 1
 * employment service, every zero-employment household with labour at least 3.
 *
 * Who the rules apply to (decided here, documented in README):
 * - a willing worker: labour capacity other than NONE and a current status other than
 *   丧失劳动能力 (UNABLE_TO_WORK) and 暂时无就业意愿 (TEMPORARILY_UNWILLING); employed workers and
 *   workers of unknown status are included;
 * - a zero-employment household: Household.zeroEmployment (labour and nobody employed).
 *
 * What counts: ServiceContact rows of kind JOB_LEAD, TRAINING_OFFER or STAFF_CALL (policy notices
 * are publicity, not a service). A worker's services count over all time; a household's count
 * from when it entered the zero-employment list (its open spell, else zeroEmploymentSince), as
 * in the zero-employment list.
 */
import type { Sql } from '../db/sql.js';
import { HOUSEHOLD_SERVICE_QUOTA, SERVICE_KINDS, WORKER_SERVICE_QUOTA } from '../ledger/program-rules.js';
import { int, NOT_WILLING_STATUSES, percent, totalAndGroups } from './common.js';
import { type Column, keysetBatches } from './export.js';
import {
  type GroupBy,
  groupLevel,
  type RegionLevel,
  type ResolvedScope,
  regionColumn,
  resolveScope,
  type Scope,
} from './scope.js';

export interface QuotaRow {
  regionId: number;
  code: string;
  name: string;
  willingWorkers: number;
  workersMet: number;
  workersShort: number;
  workersMetPercent: number | null;
  zeroHouseholds: number;
  householdsMet: number;
  householdsShort: number;
  householdsMetPercent: number | null;
}

export interface QuotaReport {
  report: 'quota';
  scope: ResolvedScope;
  groupLevel: RegionLevel;
  workerQuota: number;
  householdQuota: number;
  total: QuotaRow;
  groups: QuotaRow[];
}

/** The services a zero-employment household has received since it entered the list. */
const HOUSEHOLD_SERVICES = `(SELECT count(*) FROM "ServiceContact" sc
   WHERE sc."householdId" = h.id AND sc.kind = ANY($2::"ServiceKind"[])
     AND sc."occurredAt" >= COALESCE(
       (SELECT z."enteredAt" FROM "ZeroEmploymentSpell" z
         WHERE z."householdId" = h.id AND z."clearedAt" IS NULL ORDER BY z."enteredAt" DESC LIMIT 1),
       h."zeroEmploymentSince", '-infinity'::timestamp))`;

export async function quotaCompliance(
  sql: Sql,
  scopeIn: Scope | string,
  opts: { by?: GroupBy | RegionLevel } = {},
): Promise<QuotaReport> {
  const scope = await resolveScope(sql, scopeIn);
  const level = groupLevel(scope, opts.by);
  const g = regionColumn(level);
  const s = regionColumn(scope.level);

  // Willing workers, and those of them with a service: the EXISTS sits in WHERE so PostgreSQL
  // plans a semi-join (hashed, in parallel, for a province; index probes for a village).
  const willingWhere = `w."${s}" = $1 AND w."laborCapacity" <> 'NONE' AND w."currentStatus" <> ALL($2::"EmploymentStatus"[])`;
  const willing = sql.query<{ g: number | null; n: string }>(
    `SELECT w."${g}" AS g, count(*) AS n FROM "Worker" w WHERE ${willingWhere} GROUP BY 1`,
    [scope.regionId, NOT_WILLING_STATUSES],
  );
  const served = sql.query<{ g: number | null; n: string }>(
    `SELECT w."${g}" AS g, count(*) AS n
       FROM "Worker" w
      WHERE ${willingWhere}
        AND EXISTS (SELECT 1 FROM "ServiceContact" sc WHERE sc."workerId" = w.id AND sc.kind = ANY($3::"ServiceKind"[]))
      GROUP BY 1`,
    [scope.regionId, NOT_WILLING_STATUSES, SERVICE_KINDS],
  );
  const households = sql.query<{ g: number | null; zero: string; met: string }>(
    `SELECT g, count(*) AS zero, count(*) FILTER (WHERE n >= $3) AS met
       FROM (SELECT h."${g}" AS g, ${HOUSEHOLD_SERVICES} AS n
               FROM "Household" h
              WHERE h."${s}" = $1 AND h."zeroEmployment") x
      GROUP BY GROUPING SETS ((g), ())`,
    [scope.regionId, SERVICE_KINDS, HOUSEHOLD_SERVICE_QUOTA],
  );
  const [wr, sr, hr] = await Promise.all([willing, served, households]);

  // Worker counts per group, and the total summed here (a plain GROUP BY stays parallel).
  const wBy = new Map<number | null, { willing: number; met: number }>([[null, { willing: 0, met: 0 }]]);
  const add = (rows: { g: number | null; n: string }[], field: 'willing' | 'met') => {
    for (const x of rows) {
      for (const key of [x.g, null]) {
        const e = wBy.get(key) ?? { willing: 0, met: 0 };
        e[field] += int(x.n);
        wBy.set(key, e);
      }
    }
  };
  add(wr.rows, 'willing');
  add(sr.rows, 'met');

  const ids = [...new Set([...wr.rows, ...hr.rows].map((x) => x.g).filter((x): x is number => x !== null))];
  const hBy = new Map(hr.rows.map((x) => [x.g, x]));
  const build = (key: number | null, regionId: number, code: string, name: string): QuotaRow => {
    const w = wBy.get(key);
    const h = hBy.get(key);
    const willing = w?.willing ?? 0;
    const wMet = w?.met ?? 0;
    const zero = int(h?.zero);
    const hMet = int(h?.met);
    return {
      regionId,
      code,
      name,
      willingWorkers: willing,
      workersMet: wMet,
      workersShort: willing - wMet,
      workersMetPercent: percent(wMet, willing),
      zeroHouseholds: zero,
      householdsMet: hMet,
      householdsShort: zero - hMet,
      householdsMetPercent: percent(hMet, zero),
    };
  };
  return {
    report: 'quota',
    scope,
    groupLevel: level,
    workerQuota: WORKER_SERVICE_QUOTA,
    householdQuota: HOUSEHOLD_SERVICE_QUOTA,
    ...(await totalAndGroups(sql, scope, ids, build)),
  };
}

export const QUOTA_COLUMNS: readonly Column<QuotaRow>[] = [
  { key: 'code', zh: '区划代码', en: 'Region code' },
  { key: 'name', zh: '地区', en: 'Region' },
  { key: 'willingWorkers', zh: '有就业意愿劳动力', en: 'Workers willing to work' },
  { key: 'workersMet', zh: '已服务≥1次', en: 'With ≥1 service' },
  { key: 'workersShort', zh: '未达标人数', en: 'Workers short' },
  { key: 'workersMetPercent', zh: '劳动力达标率(%)', en: 'Workers met (%)' },
  { key: 'zeroHouseholds', zh: '零就业户', en: 'Zero-employment households' },
  { key: 'householdsMet', zh: '已服务≥3次', en: 'With ≥3 services' },
  { key: 'householdsShort', zh: '未达标户数', en: 'Households short' },
  { key: 'householdsMetPercent', zh: '零就业户达标率(%)', en: 'Households met (%)' },
];

export interface ShortfallRow {
  kind: 'household' | 'worker';
  id: number;
  /** Worker's name, or the household's head. */
  name: string | null;
  householdCode: string;
  villageCode: string;
  villageName: string;
  has: number;
  required: number;
  short: number;
}

/** Zero-employment households below 3 services, by household id. */
export async function householdShortfallPage(
  sql: Sql,
  scope: Scope,
  after: number | null,
  limit: number,
): Promise<ShortfallRow[]> {
  const s = regionColumn(scope.level);
  const r = await sql.query<{ id: number; name: string | null; code: string; vcode: string; vname: string; n: string }>(
    `SELECT * FROM (
       SELECT h.id, h."headName" AS name, h.code, v.code AS vcode, v.name AS vname, ${HOUSEHOLD_SERVICES} AS n
         FROM "Household" h JOIN "Region" v ON v.id = h."villageId"
        WHERE h."${s}" = $1 AND h."zeroEmployment" AND h.id > $4
        ORDER BY h.id) x
      WHERE n < $3
      ORDER BY id
      LIMIT $5`,
    [scope.regionId, SERVICE_KINDS, HOUSEHOLD_SERVICE_QUOTA, after ?? 0, limit],
  );
  return r.rows.map((x) => {
    const has = int(x.n);
    return {
      kind: 'household',
      id: x.id,
      name: x.name,
      householdCode: x.code,
      villageCode: x.vcode,
      villageName: x.vname,
      has,
      required: HOUSEHOLD_SERVICE_QUOTA,
      short: HOUSEHOLD_SERVICE_QUOTA - has,
    };
  });
}

/** Willing workers without any service, by worker id. */
export async function workerShortfallPage(sql: Sql, scope: Scope, after: number | null, limit: number): Promise<ShortfallRow[]> {
  const s = regionColumn(scope.level);
  const r = await sql.query<{ id: number; name: string; code: string; vcode: string; vname: string }>(
    `SELECT w.id, w.name, h.code, v.code AS vcode, v.name AS vname
       FROM "Worker" w
       JOIN "Household" h ON h.id = w."householdId"
       JOIN "Region" v ON v.id = w."villageId"
      WHERE w."${s}" = $1 AND w."laborCapacity" <> 'NONE' AND w."currentStatus" <> ALL($3::"EmploymentStatus"[])
        AND NOT EXISTS (SELECT 1 FROM "ServiceContact" sc WHERE sc."workerId" = w.id AND sc.kind = ANY($2::"ServiceKind"[]))
        AND w.id > $4
      ORDER BY w.id
      LIMIT $5`,
    [scope.regionId, SERVICE_KINDS, NOT_WILLING_STATUSES, after ?? 0, limit],
  );
  return r.rows.map((x) => ({
    kind: 'worker',
    id: x.id,
    name: x.name,
    householdCode: x.code,
    villageCode: x.vcode,
    villageName: x.vname,
    has: 0,
    required: WORKER_SERVICE_QUOTA,
    short: WORKER_SERVICE_QUOTA,
  }));
}

/** Everyone short of the quota: zero-employment households first, then workers. */
export async function* shortfallRows(sql: Sql, scope: Scope, batchSize = 2000): AsyncGenerator<ShortfallRow> {
  yield* keysetBatches(
    (after: number | null, limit) => householdShortfallPage(sql, scope, after, limit),
    (r) => r.id,
    batchSize,
  );
  yield* keysetBatches(
    (after: number | null, limit) => workerShortfallPage(sql, scope, after, limit),
    (r) => r.id,
    batchSize,
  );
}

export const SHORTFALL_COLUMNS: readonly Column<ShortfallRow>[] = [
  { key: 'kind', zh: '类型', en: 'Kind', value: (r) => (r.kind === 'household' ? '零就业户' : '劳动力') },
  { key: 'name', zh: '姓名/户主', en: 'Worker / head of household' },
  { key: 'householdCode', zh: '户编号', en: 'Household code' },
  { key: 'villageCode', zh: '村代码', en: 'Village code' },
  { key: 'villageName', zh: '村', en: 'Village' },
  { key: 'has', zh: '已服务次数', en: 'Services so far' },
  { key: 'required', zh: '应服务次数', en: 'Required' },
  { key: 'short', zh: '差额', en: 'Short by' },
];
