/** What the reports share: labels, which statuses count as what, masking. */
import type { Sql } from '../db/sql.js';
import type { EmploymentStatus, HouseholdCategory, LaborCapacity } from '../generated/prisma/enums.js';
import { EMPLOYED_STATUSES } from '../ledger/status-rules.js';

export { EMPLOYED_STATUSES };

/** Not employed and looking: 未就业 and 返乡回流 (came home without a job). */
export const UNEMPLOYED_STATUSES: readonly EmploymentStatus[] = ['UNEMPLOYED', 'RETURNED_HOME'];

/**
 * Workers the one-service rule (§13) applies to: labour capacity other than NONE and a status
 * other than 丧失劳动能力 (UNABLE_TO_WORK) and 暂时无就业意愿 (TEMPORARILY_UNWILLING). Employed
 * workers are included (they are willing to work); so are workers whose status is UNKNOWN.
 */
export const NOT_WILLING_STATUSES: readonly EmploymentStatus[] = ['UNABLE_TO_WORK', 'TEMPORARILY_UNWILLING'];

export const STATUS_ZH: Record<EmploymentStatus, string> = {
  EMPLOYED_LOCAL: '县内就业',
  EMPLOYED_IN_PROVINCE: '省内县外',
  EMPLOYED_OUT_OF_PROVINCE: '省外就业',
  EMPLOYED_JIANGSU: '苏陕协作',
  PUBLIC_WELFARE_POST: '公益性岗位',
  SELF_EMPLOYED: '自主创业',
  UNEMPLOYED: '未就业',
  RETURNED_HOME: '返乡',
  UNABLE_TO_WORK: '丧失劳动能力',
  TEMPORARILY_UNWILLING: '暂时无就业意愿',
  UNKNOWN: '未知',
};

export const CATEGORY_ZH: Record<HouseholdCategory, string> = {
  NOT_YET_OUT: '未脱贫户',
  MONITORED: '监测户',
  EDGE: '边缘户',
  RELOCATED: '易地扶贫搬迁户',
  OTHER: '其他',
};

export const CAPACITY_ZH: Record<LaborCapacity, string> = {
  FULL: '普通劳动力',
  PARTIAL: '弱劳动力',
  NONE: '无劳动力',
};

/** An ID number as reports show it: 14 stars and the last 4 characters (all the ledger keeps). */
export function maskId(last4: string | null | undefined): string {
  return last4 ? `**************${last4}` : '';
}

/** A phone as reports show it: "138****1234" (mainland mobile); anything else keeps only its last 4 digits. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const cn = /^\+86(1\d{2})\d{4}(\d{4})$/.exec(phone);
  if (cn) return `${cn[1]}****${cn[2]}`;
  return `****${phone.slice(-4)}`;
}

/** Whole days from `since` to `now` (0 for less than a day). */
export function daysBetween(since: Date | null, now: Date): number | null {
  if (!since) return null;
  return Math.max(0, Math.floor((now.getTime() - since.getTime()) / 86_400_000));
}

/** n / d as a percentage with one decimal (null when d is 0). */
export function percent(n: number, d: number): number | null {
  return d === 0 ? null : Math.round((n / d) * 1000) / 10;
}

/** pg returns count(*) as a string (bigint) and numeric as a string. */
export function int(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

export function numOrNull(v: unknown, digits = 0): number | null {
  if (v === null || v === undefined) return null;
  const f = 10 ** digits;
  return Math.round(Number(v) * f) / f;
}

/**
 * A grouped report's rows: the scope's total (`build` with key null) and one row per group id, in
 * region-code order, the groups' codes and names read in one query.
 */
export async function totalAndGroups<R extends { code: string }>(
  sql: Sql,
  scope: { regionId: number; code: string; name: string },
  ids: readonly number[],
  build: (key: number | null, regionId: number, code: string, name: string) => R,
): Promise<{ total: R; groups: R[] }> {
  const names = new Map<number, { code: string; name: string }>();
  if (ids.length) {
    const q = await sql.query<{ id: number; code: string; name: string }>(
      'SELECT id, code, name FROM "Region" WHERE id = ANY($1::int[])',
      [ids],
    );
    for (const x of q.rows) names.set(x.id, x);
  }
  return {
    total: build(null, scope.regionId, scope.code, scope.name),
    groups: ids
      .map((id) => build(id, id, names.get(id)?.code ?? '', names.get(id)?.name ?? ''))
      .sort((a, b) => a.code.localeCompare(b.code)),
  };
}
