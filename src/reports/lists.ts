/**
 * Lists of workers the program asks for at any time (§5): employed (with employer, place and
 * insurance), unemployed (with the reason), willing to work away, returnees, and stale workers
 * (status not confirmed for over 7 days). Also the rows of the monthly national export
 * (national-export.ts). One row per worker, ordered by worker id, read in keyset batches.
 *
 * ID numbers appear only as their last 4 characters (all the ledger keeps), phones as
 * "138****1234".
 */
import type { Sql } from '../db/sql.js';
import type { EmploymentStatus, HouseholdCategory, LaborCapacity } from '../generated/prisma/enums.js';
import { CURRENT_EVENT_ORDER } from '../ledger/status-rules.js';
import { CAPACITY_ZH, CATEGORY_ZH, EMPLOYED_STATUSES, maskId, maskPhone, STATUS_ZH, UNEMPLOYED_STATUSES } from './common.js';
import { type Column, keysetBatches } from './export.js';
import { staleBefore } from './freshness.js';
import { regionColumn, type Scope } from './scope.js';

export type WorkerListName = 'employed' | 'unemployed' | 'willing-away' | 'returnees' | 'stale' | 'all';
export const WORKER_LISTS: readonly WorkerListName[] = ['employed', 'unemployed', 'willing-away', 'returnees', 'stale', 'all'];

export interface WorkerRow {
  workerId: number;
  name: string;
  idMasked: string;
  gender: string | null;
  birthYear: number | null;
  phoneMasked: string;
  householdCode: string;
  category: HouseholdCategory;
  provinceCode: string;
  cityCode: string;
  countyCode: string;
  townshipCode: string;
  villageCode: string;
  villageName: string;
  laborCapacity: LaborCapacity;
  status: EmploymentStatus;
  employer: string | null;
  place: string | null;
  industry: string | null;
  monthlyWage: number | null;
  insured: boolean | null;
  reason: string | null;
  willingToWorkAway: boolean | null;
  isReturnee: boolean;
  /** Effective date of the status (YYYY-MM-DD). */
  statusDate: string | null;
  lastConfirmedAt: Date | null;
}

export interface WorkerListOptions {
  now?: Date;
  /**
   * For the national export of a past month: the status as of the end of that China month (the
   * event that was current then, by the ledger's rule), instead of the current one.
   */
  asOf?: { lastDay: string; end: Date };
}

function listFilter(list: WorkerListName, p: (v: unknown) => string, now: Date): string {
  switch (list) {
    case 'employed':
      return `w."currentStatus" = ANY(${p(EMPLOYED_STATUSES)}::"EmploymentStatus"[])`;
    case 'unemployed':
      return `w."currentStatus" = ANY(${p(UNEMPLOYED_STATUSES)}::"EmploymentStatus"[])`;
    case 'willing-away':
      return `w."willingToWorkAway" AND w."laborCapacity" <> 'NONE'`;
    case 'returnees':
      return 'w."isReturnee"';
    case 'stale':
      return `(w."statusConfirmedAt" IS NULL OR w."statusConfirmedAt" < ${p(staleBefore(now).toISOString())})`;
    case 'all':
      return 'TRUE';
  }
}

/** One page of a worker list, ordered by worker id, after `after`. */
export async function workerListPage(
  sql: Sql,
  scope: Scope,
  list: WorkerListName,
  after: number | null,
  limit: number,
  opts: WorkerListOptions = {},
): Promise<WorkerRow[]> {
  const values: unknown[] = [scope.regionId, after ?? 0, limit];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const filter = listFilter(list, p, opts.now ?? new Date());
  const event = opts.asOf
    ? `LEFT JOIN LATERAL (
         SELECT * FROM "EmploymentEvent" ev
          WHERE ev."workerId" = w.id AND ev."effectiveDate" <= ${p(opts.asOf.lastDay)}::date
            AND ev."reportedAt" < ${p(opts.asOf.end.toISOString())}
          ORDER BY ${CURRENT_EVENT_ORDER} LIMIT 1) e ON TRUE`
    : 'LEFT JOIN "EmploymentEvent" e ON e.id = w."currentEventId"';
  const status = opts.asOf ? `COALESCE(e.status, 'UNKNOWN')` : 'w."currentStatus"';
  const r = await sql.query(
    `SELECT w.id, w.name, w."idLast4", w.gender, w."birthYear", w.phone, h.code AS hcode, h.category,
            rp.code AS pcode, rc.code AS ccode, rco.code AS cocode, rt.code AS tcode, rv.code AS vcode, rv.name AS vname,
            w."laborCapacity", ${status} AS status, e.employer, e.place, e.industry, e."monthlyWage", e.insured, e.reason,
            to_char(e."effectiveDate", 'YYYY-MM-DD') AS "statusDate",
            w."willingToWorkAway", w."isReturnee", w."statusConfirmedAt"
       FROM "Worker" w
       JOIN "Household" h ON h.id = w."householdId"
       JOIN "Region" rv ON rv.id = w."villageId"
       JOIN "Region" rt ON rt.id = w."townshipId"
       JOIN "Region" rco ON rco.id = w."countyId"
       JOIN "Region" rc ON rc.id = w."cityId"
       JOIN "Region" rp ON rp.id = w."provinceId"
       ${event}
      WHERE w."${regionColumn(scope.level)}" = $1 AND w.id > $2 AND ${filter}
      ORDER BY w.id
      LIMIT $3`,
    values,
  );
  return r.rows.map((x) => ({
    workerId: x.id,
    name: x.name,
    idMasked: maskId(x.idLast4),
    gender: x.gender,
    birthYear: x.birthYear,
    phoneMasked: maskPhone(x.phone),
    householdCode: x.hcode,
    category: x.category,
    provinceCode: x.pcode,
    cityCode: x.ccode,
    countyCode: x.cocode,
    townshipCode: x.tcode,
    villageCode: x.vcode,
    villageName: x.vname,
    laborCapacity: x.laborCapacity,
    status: x.status,
    employer: x.employer,
    place: x.place,
    industry: x.industry,
    monthlyWage: x.monthlyWage,
    insured: x.insured,
    reason: x.reason,
    willingToWorkAway: x.willingToWorkAway,
    isReturnee: x.isReturnee,
    statusDate: x.statusDate,
    lastConfirmedAt: x.statusConfirmedAt,
  }));
}

/** The whole list for the scope, a batch at a time. */
export function workerListRows(
  sql: Sql,
  scope: Scope,
  list: WorkerListName,
  opts: WorkerListOptions & { batchSize?: number } = {},
): AsyncGenerator<WorkerRow> {
  const now = opts.now ?? new Date();
  return keysetBatches(
    (after: number | null, limit) => workerListPage(sql, scope, list, after, limit, { ...opts, now }),
    (r) => r.workerId,
    opts.batchSize ?? 5000,
  );
}

type C = Column<WorkerRow>;
export const WORKER_COLUMNS = {
  name: { key: 'name', zh: '姓名', en: 'Name' },
  idMasked: { key: 'idMasked', zh: '身份证号(后4位)', en: 'ID number (last 4)' },
  gender: { key: 'gender', zh: '性别', en: 'Gender', value: (r) => (r.gender === 'M' ? '男' : r.gender === 'F' ? '女' : '') },
  birthYear: { key: 'birthYear', zh: '出生年份', en: 'Birth year' },
  phoneMasked: { key: 'phoneMasked', zh: '手机号', en: 'Mobile' },
  householdCode: { key: 'householdCode', zh: '户编号', en: 'Household code' },
  category: { key: 'category', zh: '户类别', en: 'Household category', value: (r) => CATEGORY_ZH[r.category] },
  provinceCode: { key: 'provinceCode', zh: '省代码', en: 'Province code' },
  cityCode: { key: 'cityCode', zh: '市代码', en: 'City code' },
  countyCode: { key: 'countyCode', zh: '县代码', en: 'County code' },
  townshipCode: { key: 'townshipCode', zh: '乡镇代码', en: 'Township code' },
  villageCode: { key: 'villageCode', zh: '村代码', en: 'Village code' },
  villageName: { key: 'villageName', zh: '村', en: 'Village' },
  laborCapacity: { key: 'laborCapacity', zh: '劳动能力', en: 'Labour capacity', value: (r) => CAPACITY_ZH[r.laborCapacity] },
  status: { key: 'status', zh: '就业状态', en: 'Employment status', value: (r) => STATUS_ZH[r.status] },
  employer: { key: 'employer', zh: '就业单位', en: 'Employer' },
  place: { key: 'place', zh: '就业地点', en: 'Place of work' },
  industry: { key: 'industry', zh: '行业', en: 'Industry' },
  monthlyWage: { key: 'monthlyWage', zh: '月收入(元)', en: 'Monthly wage (yuan)' },
  insured: { key: 'insured', zh: '是否参保', en: 'Insured' },
  reason: { key: 'reason', zh: '未就业原因', en: 'Reason not employed' },
  willingToWorkAway: { key: 'willingToWorkAway', zh: '外出务工意愿', en: 'Willing to work away' },
  isReturnee: { key: 'isReturnee', zh: '是否回流', en: 'Returnee' },
  statusDate: { key: 'statusDate', zh: '状态日期', en: 'Status date' },
  lastConfirmedAt: { key: 'lastConfirmedAt', zh: '最近确认时间', en: 'Last confirmed' },
} satisfies Record<string, C>;

const K = WORKER_COLUMNS;
const BASE: C[] = [K.name, K.idMasked, K.phoneMasked, K.householdCode, K.villageCode, K.villageName];

export const WORKER_LIST_COLUMNS: Record<WorkerListName, readonly C[]> = {
  employed: [...BASE, K.status, K.employer, K.place, K.industry, K.monthlyWage, K.insured, K.statusDate, K.lastConfirmedAt],
  unemployed: [...BASE, K.status, K.reason, K.willingToWorkAway, K.isReturnee, K.statusDate, K.lastConfirmedAt],
  'willing-away': [...BASE, K.laborCapacity, K.status, K.employer, K.place, K.isReturnee, K.statusDate, K.lastConfirmedAt],
  returnees: [...BASE, K.status, K.employer, K.place, K.reason, K.statusDate, K.lastConfirmedAt],
  stale: [...BASE, K.status, K.statusDate, K.lastConfirmedAt],
  all: Object.values(K),
};
