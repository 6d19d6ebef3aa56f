/**
 * Freshness of the ledger (§3: refreshed at least weekly): a worker is stale when their status
 * was never confirmed or was last confirmed more than 7 days ago (statusConfirmedAt). Counted
 * for every worker in the ledger, by village unless the caller groups otherwise.
 */
import type { Sql } from '../db/sql.js';
import { STALE_AFTER_DAYS } from '../ledger/program-rules.js';
import { int, percent } from './common.js';
import type { Column } from './export.js';
import {
  type GroupBy,
  groupLevel,
  type RegionLevel,
  type ResolvedScope,
  regionColumn,
  resolveScope,
  type Scope,
} from './scope.js';

export interface FreshnessRow {
  regionId: number;
  code: string;
  name: string;
  workers: number;
  stale: number;
  neverConfirmed: number;
  stalePercent: number | null;
}

export interface FreshnessReport {
  report: 'freshness';
  scope: ResolvedScope;
  groupLevel: RegionLevel;
  staleAfterDays: number;
  /** Confirmed before this instant means stale. */
  staleBefore: Date;
  total: FreshnessRow;
  groups: FreshnessRow[];
}

export function staleBefore(now: Date): Date {
  return new Date(now.getTime() - STALE_AFTER_DAYS * 86_400_000);
}

export async function freshness(
  sql: Sql,
  scopeIn: Scope | string,
  opts: { by?: GroupBy | RegionLevel; now?: Date } = {},
): Promise<FreshnessReport> {
  const scope = await resolveScope(sql, scopeIn);
  const level = opts.by ? groupLevel(scope, opts.by) : 'VILLAGE';
  const g = regionColumn(level);
  const s = regionColumn(scope.level);
  const before = staleBefore(opts.now ?? new Date());
  const r = await sql.query<{
    g: number | null;
    code: string | null;
    name: string | null;
    workers: string;
    stale: string;
    never: string;
  }>(
    `SELECT x.g, reg.code, reg.name, x.workers, x.stale, x.never
       FROM (SELECT w."${g}" AS g,
                    count(*) AS workers,
                    count(*) FILTER (WHERE w."statusConfirmedAt" IS NULL OR w."statusConfirmedAt" < $2) AS stale,
                    count(*) FILTER (WHERE w."statusConfirmedAt" IS NULL) AS never
               FROM "Worker" w
              WHERE w."${s}" = $1
              GROUP BY GROUPING SETS ((w."${g}"), ())) x
       LEFT JOIN "Region" reg ON reg.id = x.g
      ORDER BY reg.code NULLS LAST`,
    [scope.regionId, before.toISOString()],
  );
  const build = (x: (typeof r.rows)[number] | undefined, regionId: number, code: string, name: string): FreshnessRow => ({
    regionId,
    code,
    name,
    workers: int(x?.workers),
    stale: int(x?.stale),
    neverConfirmed: int(x?.never),
    stalePercent: percent(int(x?.stale), int(x?.workers)),
  });
  return {
    report: 'freshness',
    scope,
    groupLevel: level,
    staleAfterDays: STALE_AFTER_DAYS,
    staleBefore: before,
    total: build(
      r.rows.find((x) => x.g === null),
      scope.regionId,
      scope.code,
      scope.name,
    ),
    groups: r.rows.filter((x) => x.g !== null).map((x) => build(x, x.g as number, x.code ?? '', x.name ?? '')),
  };
}

export const FRESHNESS_COLUMNS: readonly Column<FreshnessRow>[] = [
  { key: 'code', zh: '区划代码', en: 'Region code' },
  { key: 'name', zh: '地区', en: 'Region' },
  { key: 'workers', zh: '劳动力人数', en: 'Workers' },
  { key: 'stale', zh: '超过7天未更新', en: 'Stale (over 7 days)' },
  { key: 'neverConfirmed', zh: '从未确认', en: 'Never confirmed' },
  { key: 'stalePercent', zh: '未更新比例(%)', en: 'Stale (%)' },
];
