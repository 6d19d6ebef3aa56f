/**
 * The subsidy ledger (§14, §16): what the county owes, computed from the referrals and placements
 * the ledger records, each line with the rows that prove it. The amounts and rules are
 * configuration (src/reports/subsidy-rules.ts); what counts is decided here and in README
 * ("Subsidy ledger"):
 *
 * - 职业介绍补贴 (REFERRAL), paid to a human-resources service agency: a JOB_REFERRAL service
 *   contact that names the agency, followed by an employment event of the worker (a status in
 *   `referral.statuses`) that starts on the referral's China day or at most `windowDays` after it,
 *   naming the referred Employer when `sameEmployer` (and verified by staff when
 *   `requireVerified`). One per worker: the earliest such placement (then the earliest referral)
 *   — two agencies are never paid for one worker.
 * - 一次性吸纳就业补贴 (ABSORPTION), paid to the employer: the worker's first employment event
 *   that names an Employer of an eligible type (`absorption.employerTypes`), in a status of
 *   `absorption.statuses`, starting on or after `from`. Once per worker, ever.
 *
 * A line belongs to the month (China calendar) its employment started and to the worker's county.
 * Both kinds are one set-based query each; lists read them in keyset batches by worker id.
 */
import type { Sql } from '../db/sql.js';
import { invalid } from '../errors.js';
import { shanghaiMonth } from '../ledger/china-time.js';
import { INT_MAX } from '../validation.js';
import { int, maskId, STATUS_ZH } from './common.js';
import { type AnySheet, type Column, keysetBatches } from './export.js';
import { type ResolvedScope, regionColumn, type Scope } from './scope.js';
import type { SubsidyRules } from './subsidy-rules.js';

export type SubsidyKind = 'REFERRAL' | 'ABSORPTION';
export const SUBSIDY_KINDS: readonly SubsidyKind[] = ['REFERRAL', 'ABSORPTION'];
export const SUBSIDY_KIND_ZH: Record<SubsidyKind, string> = { REFERRAL: '职业介绍补贴', ABSORPTION: '一次性吸纳就业补贴' };

/** One line of the ledger: who is paid what for which worker, and the evidence rows. */
export interface SubsidyLine {
  kind: SubsidyKind;
  month: string;
  countyCode: string;
  countyName: string;
  payeeId: number;
  payeeName: string;
  payeeCreditCode: string | null;
  amountYuan: number;
  workerId: number;
  workerName: string;
  idLast4: string;
  householdCode: string;
  villageName: string;
  /** REFERRAL: the JOB_REFERRAL ServiceContact, when and by whom it was recorded. */
  referralId: string | null;
  referredAt: Date | null;
  referredBy: string | null;
  /** The EmploymentEvent of the placement. */
  eventId: string;
  employedOn: string;
  status: keyof typeof STATUS_ZH;
  employerName: string | null;
  verified: boolean;
}

/** A county's lines of one month, summed per kind. */
export interface SubsidyCountyRow {
  countyCode: string;
  countyName: string;
  referrals: number;
  referralYuan: number;
  absorptions: number;
  absorptionYuan: number;
  totalYuan: number;
}

/** What one payee (an agency or an employer) is owed for the month. */
export interface SubsidyPayeeRow {
  kind: SubsidyKind;
  payeeId: number;
  payeeName: string;
  payeeCreditCode: string | null;
  countyCode: string;
  countyName: string;
  workers: number;
  amountYuan: number;
}

export interface SubsidyReport {
  report: 'subsidies';
  scope: ResolvedScope;
  month: string;
  rules: SubsidyRules;
  total: Omit<SubsidyCountyRow, 'countyCode' | 'countyName'>;
  counties: SubsidyCountyRow[];
  payees: SubsidyPayeeRow[];
}

/** First day of `month` and of the month after, as China calendar dates. */
function monthDays(month: string): [string, string] {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw invalid('month', 'must be YYYY-MM');
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return [`${month}-01`, `${next}-01`];
}

const CHINA_DAY = (col: string) => `(${col} AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date`;

/**
 * The lines of one kind as a SELECT with the columns of SubsidyLine plus "countyId". Parameters:
 * $1 scope region id, $2 first day of the month, $3 first day of the next, $4 after worker id,
 * then the rule's own from $5.
 */
function linesSql(kind: SubsidyKind, scope: Scope): string {
  const s = regionColumn(scope.level);
  if (kind === 'REFERRAL') {
    // Per referral its earliest qualifying placement; per worker the earliest of those.
    return `SELECT 'REFERRAL' AS kind, x.*
      FROM (SELECT DISTINCT ON (sc."workerId")
                   sc."workerId", sc.id::text AS "referralId", sc."occurredAt" AS "referredAt", u.username AS "referredBy",
                   a.id AS "payeeId", a.name AS "payeeName", a."creditCode" AS "payeeCreditCode",
                   ev.id::text AS "eventId", ev."effectiveDate", ev.status, COALESCE(m.name, ev.employer) AS "employerName",
                   ev."verifiedAt" IS NOT NULL AS verified, $5::int AS "amountYuan"
              FROM "ServiceContact" sc
              JOIN "Worker" w ON w.id = sc."workerId"
              JOIN "ServiceAgency" a ON a.id = sc."agencyId"
              LEFT JOIN "StaffUser" u ON u.id = sc."staffUserId"
              JOIN LATERAL (
                SELECT e.id, e."effectiveDate", e.status, e.employer, e."employerId", e."verifiedAt"
                  FROM "EmploymentEvent" e
                 WHERE e."workerId" = sc."workerId"
                   AND e.status = ANY($6::"EmploymentStatus"[])
                   AND e."effectiveDate" >= ${CHINA_DAY('sc."occurredAt"')}
                   AND e."effectiveDate" <= ${CHINA_DAY('sc."occurredAt"')} + $7::int
                   AND (NOT $8::boolean OR e."employerId" = sc."employerId")
                   AND (NOT $9::boolean OR e."verifiedAt" IS NOT NULL)
                 ORDER BY e."effectiveDate", e.id
                 LIMIT 1) ev ON true
              LEFT JOIN "Employer" m ON m.id = ev."employerId"
             WHERE sc.kind = 'JOB_REFERRAL' AND sc."agencyId" IS NOT NULL AND w."${s}" = $1 AND sc."workerId" > $4
             ORDER BY sc."workerId", ev."effectiveDate", sc."occurredAt", sc.id) x
     WHERE x."effectiveDate" >= $2::date AND x."effectiveDate" < $3::date`;
  }
  return `SELECT 'ABSORPTION' AS kind, x.*
      FROM (SELECT DISTINCT ON (e."workerId")
                   e."workerId", NULL::text AS "referralId", NULL::timestamp AS "referredAt", NULL::text AS "referredBy",
                   m.id AS "payeeId", m.name AS "payeeName", m."creditCode" AS "payeeCreditCode",
                   e.id::text AS "eventId", e."effectiveDate", e.status, m.name AS "employerName",
                   e."verifiedAt" IS NOT NULL AS verified, $5::int AS "amountYuan"
              FROM "EmploymentEvent" e
              JOIN "Employer" m ON m.id = e."employerId"
              JOIN "Worker" w ON w.id = e."workerId"
             WHERE e."employerId" IS NOT NULL AND w."${s}" = $1 AND e."workerId" > $4
               AND e.status = ANY($6::"EmploymentStatus"[])
               AND m.type = ANY($7::"EmployerType"[])
               AND (NOT $8::boolean OR e."verifiedAt" IS NOT NULL)
               AND ($9::date IS NULL OR e."effectiveDate" >= $9::date)
             ORDER BY e."workerId", e."effectiveDate", e.id) x
     WHERE x."effectiveDate" >= $2::date AND x."effectiveDate" < $3::date`;
}

/** The parameters $5… of a kind's rule. */
function ruleParams(kind: SubsidyKind, rules: SubsidyRules): unknown[] {
  if (kind === 'REFERRAL') {
    const r = rules.referral;
    return [r.amountYuan, r.statuses, r.windowDays, r.sameEmployer, r.requireVerified];
  }
  const a = rules.absorption;
  return [a.amountYuan, a.statuses, a.employerTypes, a.requireVerified, a.from];
}

/** Row of the lines query as pg returns it. */
interface LineSqlRow {
  kind: SubsidyKind;
  workerId: number;
  referralId: string | null;
  referredAt: Date | null;
  referredBy: string | null;
  payeeId: number;
  payeeName: string;
  payeeCreditCode: string | null;
  eventId: string;
  effectiveDate: string;
  status: SubsidyLine['status'];
  employerName: string | null;
  verified: boolean;
  amountYuan: number;
  workerName: string;
  idLast4: string;
  householdCode: string;
  villageName: string;
  countyCode: string;
  countyName: string;
}

/** One page of one kind's lines of `month`, by worker id. */
export async function subsidyLinePage(
  sql: Sql,
  scope: Scope,
  rules: SubsidyRules,
  kind: SubsidyKind,
  month: string,
  after: number | null,
  limit: number,
): Promise<SubsidyLine[]> {
  const [from, to] = monthDays(month);
  const r = await sql.query<LineSqlRow>(
    `SELECT l.kind, l."workerId", l."referralId", l."referredAt", l."referredBy", l."payeeId", l."payeeName",
            l."payeeCreditCode", l."eventId", l."effectiveDate"::text AS "effectiveDate", l.status, l."employerName",
            l.verified, l."amountYuan", w.name AS "workerName", w."idLast4", h.code AS "householdCode",
            v.name AS "villageName", c.code AS "countyCode", c.name AS "countyName"
       FROM (${linesSql(kind, scope)}) l
       JOIN "Worker" w ON w.id = l."workerId"
       JOIN "Household" h ON h.id = w."householdId"
       JOIN "Region" v ON v.id = w."villageId"
       JOIN "Region" c ON c.id = w."countyId"
      ORDER BY l."workerId"
      LIMIT $10`,
    [scope.regionId, from, to, after ?? 0, ...ruleParams(kind, rules), limit],
  );
  return r.rows.map((x) => ({
    kind: x.kind,
    month,
    countyCode: x.countyCode,
    countyName: x.countyName,
    payeeId: x.payeeId,
    payeeName: x.payeeName,
    payeeCreditCode: x.payeeCreditCode,
    amountYuan: x.amountYuan,
    workerId: x.workerId,
    workerName: x.workerName,
    idLast4: x.idLast4,
    householdCode: x.householdCode,
    villageName: x.villageName,
    referralId: x.referralId,
    referredAt: x.referredAt,
    referredBy: x.referredBy,
    eventId: x.eventId,
    employedOn: x.effectiveDate,
    status: x.status,
    employerName: x.employerName,
    verified: x.verified,
  }));
}

/** Every line of `month` in the scope: the referral lines, then the absorption lines. */
export async function* subsidyLines(
  sql: Sql,
  scope: Scope,
  rules: SubsidyRules,
  month: string,
  batchSize = 2000,
): AsyncGenerator<SubsidyLine> {
  for (const kind of SUBSIDY_KINDS) {
    yield* keysetBatches(
      (after: number | null, limit) => subsidyLinePage(sql, scope, rules, kind, month, after, limit),
      (l) => l.workerId,
      batchSize,
    );
  }
}

/** A page of lines for the API: cursor "REFERRAL:<worker id>" or "ABSORPTION:<worker id>". */
export async function subsidyLinesPage(
  sql: Sql,
  scope: Scope,
  rules: SubsidyRules,
  month: string,
  after: string | undefined,
  limit: number,
): Promise<{ items: SubsidyLine[]; next: string | null }> {
  const m = /^(REFERRAL|ABSORPTION):(\d{1,10})$/.exec(after ?? 'REFERRAL:0');
  if (!m || Number(m[2]) > INT_MAX) throw invalid('querystring/after', 'must be a cursor returned by the previous page');
  let kind = m[1] as SubsidyKind;
  let key = Number(m[2]);
  const items: SubsidyLine[] = [];
  for (;;) {
    items.push(...(await subsidyLinePage(sql, scope, rules, kind, month, key, limit - items.length)));
    if (items.length === limit) return { items, next: `${kind}:${items[items.length - 1]?.workerId}` };
    if (kind === 'ABSORPTION') return { items, next: null };
    kind = 'ABSORPTION';
    key = 0;
  }
}

/** The month's totals per county and per payee, summed in the database from the same lines. */
export async function subsidyLedger(
  sql: Sql,
  scope: ResolvedScope,
  rules: SubsidyRules,
  opts: { month?: string; now?: Date } = {},
): Promise<SubsidyReport> {
  const month = opts.month ?? shanghaiMonth(opts.now ?? new Date());
  const [from, to] = monthDays(month);
  const perKind = await Promise.all(
    SUBSIDY_KINDS.map((kind) =>
      sql.query<{
        kind: SubsidyKind;
        countyCode: string;
        countyName: string;
        payeeId: number;
        payeeName: string;
        payeeCreditCode: string | null;
        workers: string;
        yuan: string;
      }>(
        `SELECT l.kind, c.code AS "countyCode", c.name AS "countyName", l."payeeId", l."payeeName", l."payeeCreditCode",
                count(*) AS workers, sum(l."amountYuan") AS yuan
           FROM (${linesSql(kind, scope)}) l
           JOIN "Worker" w ON w.id = l."workerId"
           JOIN "Region" c ON c.id = w."countyId"
          GROUP BY l.kind, c.code, c.name, l."payeeId", l."payeeName", l."payeeCreditCode"
          ORDER BY c.code, l."payeeName", l."payeeId"`,
        [scope.regionId, from, to, 0, ...ruleParams(kind, rules)],
      ),
    ),
  );
  const payees: SubsidyPayeeRow[] = perKind.flatMap((r) =>
    r.rows.map((x) => ({
      kind: x.kind,
      payeeId: x.payeeId,
      payeeName: x.payeeName,
      payeeCreditCode: x.payeeCreditCode,
      countyCode: x.countyCode,
      countyName: x.countyName,
      workers: int(x.workers),
      amountYuan: int(x.yuan),
    })),
  );
  const byCounty = new Map<string, SubsidyCountyRow>();
  for (const p of payees) {
    const c = byCounty.get(p.countyCode) ?? {
      countyCode: p.countyCode,
      countyName: p.countyName,
      referrals: 0,
      referralYuan: 0,
      absorptions: 0,
      absorptionYuan: 0,
      totalYuan: 0,
    };
    if (p.kind === 'REFERRAL') {
      c.referrals += p.workers;
      c.referralYuan += p.amountYuan;
    } else {
      c.absorptions += p.workers;
      c.absorptionYuan += p.amountYuan;
    }
    c.totalYuan += p.amountYuan;
    byCounty.set(p.countyCode, c);
  }
  const counties = [...byCounty.values()].sort((a, b) => a.countyCode.localeCompare(b.countyCode));
  const sum = (k: 'referrals' | 'referralYuan' | 'absorptions' | 'absorptionYuan' | 'totalYuan') =>
    counties.reduce((n, c) => n + c[k], 0);
  return {
    report: 'subsidies',
    scope,
    month,
    rules,
    total: {
      referrals: sum('referrals'),
      referralYuan: sum('referralYuan'),
      absorptions: sum('absorptions'),
      absorptionYuan: sum('absorptionYuan'),
      totalYuan: sum('totalYuan'),
    },
    counties,
    payees: payees.sort((a, b) => a.countyCode.localeCompare(b.countyCode) || a.kind.localeCompare(b.kind)),
  };
}

export const SUBSIDY_COUNTY_COLUMNS: readonly Column<SubsidyCountyRow>[] = [
  { key: 'countyCode', zh: '县代码', en: 'County code' },
  { key: 'countyName', zh: '县', en: 'County' },
  { key: 'referrals', zh: '职业介绍补贴人数', en: 'Referral subsidies (workers)' },
  { key: 'referralYuan', zh: '职业介绍补贴(元)', en: 'Referral subsidies (yuan)' },
  { key: 'absorptions', zh: '吸纳就业补贴人数', en: 'Absorption subsidies (workers)' },
  { key: 'absorptionYuan', zh: '吸纳就业补贴(元)', en: 'Absorption subsidies (yuan)' },
  { key: 'totalYuan', zh: '合计(元)', en: 'Total (yuan)' },
];

export const SUBSIDY_PAYEE_COLUMNS: readonly Column<SubsidyPayeeRow>[] = [
  { key: 'countyCode', zh: '县代码', en: 'County code' },
  { key: 'kind', zh: '补贴类别', en: 'Subsidy', value: (r) => SUBSIDY_KIND_ZH[r.kind] },
  { key: 'payeeName', zh: '补贴对象', en: 'Paid to' },
  { key: 'payeeCreditCode', zh: '统一社会信用代码', en: 'Credit code' },
  { key: 'workers', zh: '人数', en: 'Workers' },
  { key: 'amountYuan', zh: '金额(元)', en: 'Amount (yuan)' },
];

export const SUBSIDY_LINE_COLUMNS: readonly Column<SubsidyLine>[] = [
  { key: 'month', zh: '月份', en: 'Month' },
  { key: 'countyCode', zh: '县代码', en: 'County code' },
  { key: 'kind', zh: '补贴类别', en: 'Subsidy', value: (r) => SUBSIDY_KIND_ZH[r.kind] },
  { key: 'payeeName', zh: '补贴对象', en: 'Paid to' },
  { key: 'payeeCreditCode', zh: '统一社会信用代码', en: 'Credit code' },
  { key: 'amountYuan', zh: '金额(元)', en: 'Amount (yuan)' },
  { key: 'workerName', zh: '姓名', en: 'Worker' },
  { key: 'idMasked', zh: '身份证号(后4位)', en: 'ID number (masked)', value: (r) => maskId(r.idLast4) },
  { key: 'householdCode', zh: '户编号', en: 'Household code' },
  { key: 'villageName', zh: '村', en: 'Village' },
  { key: 'referralId', zh: '职业介绍记录号', en: 'Referral record' },
  { key: 'referredAt', zh: '介绍时间', en: 'Referred at' },
  { key: 'referredBy', zh: '录入人', en: 'Recorded by' },
  { key: 'eventId', zh: '就业记录号', en: 'Employment record' },
  { key: 'employedOn', zh: '就业日期', en: 'Employed on' },
  { key: 'status', zh: '就业状态', en: 'Status', value: (r) => STATUS_ZH[r.status] },
  { key: 'employerName', zh: '就业单位', en: 'Employer' },
  { key: 'verified', zh: '已核实', en: 'Verified by staff' },
];

/** The summary's sheets: per county, per payee, and every line with its evidence. */
export function subsidySheets(sql: Sql, report: SubsidyReport): AnySheet[] {
  const totalRow: SubsidyCountyRow = { countyCode: report.scope.code, countyName: `${report.scope.name}(合计)`, ...report.total };
  return [
    { name: `补贴汇总 ${report.month}`, columns: SUBSIDY_COUNTY_COLUMNS, rows: [...report.counties, totalRow] },
    { name: '按补贴对象', columns: SUBSIDY_PAYEE_COLUMNS, rows: report.payees },
    { name: '补贴明细', columns: SUBSIDY_LINE_COLUMNS, rows: subsidyLines(sql, report.scope, report.rules, report.month) },
  ];
}
