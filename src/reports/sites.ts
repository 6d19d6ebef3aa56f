/**
 * Relocated households by resettlement site (易地扶贫搬迁, Annex 4): every relocated household with
 * labour should have at least one person employed. Per site (ResettlementSite, through
 * Household.siteId), from the household counts the ledger's status rule maintains:
 *
 * - households: the site's households in the scope;
 * - with labour: laborCount > 0 (workers with labour capacity other than 无劳动力);
 * - with someone employed: with labour and employedCount > 0;
 * - share: with someone employed ÷ with labour, one decimal (null when none has labour);
 * - without employment: with labour and employedCount = 0 — the households to act on, listed with
 *   since when (zeroEmploymentSince), days, and services received since then.
 *
 * A site is reported in a scope when households of it live there; a township sees only its own
 * households of a site that spans several.
 */
import type { Sql } from '../db/sql.js';
import { SERVICE_KINDS } from '../ledger/program-rules.js';
import { daysBetween, int, percent } from './common.js';
import { type AnySheet, type Column, keysetBatches } from './export.js';
import { type ResolvedScope, regionColumn, type Scope } from './scope.js';

export interface SiteRow {
  siteId: number;
  code: string;
  name: string;
  regionCode: string;
  regionName: string;
  households: number;
  withLabor: number;
  withEmployed: number;
  /** withEmployed ÷ withLabor in percent, one decimal; null when no household has labour. */
  employedPercent: number | null;
  withoutEmployed: number;
}

export interface SitesReport {
  report: 'resettlement-sites';
  scope: ResolvedScope;
  total: Omit<SiteRow, 'siteId' | 'code' | 'name' | 'regionCode' | 'regionName'>;
  sites: SiteRow[];
}

/** A household of a site with labour and nobody employed. */
export interface SiteHouseholdRow {
  householdId: number;
  householdCode: string;
  headName: string | null;
  siteCode: string;
  siteName: string;
  villageCode: string;
  villageName: string;
  laborCount: number;
  since: Date | null;
  daysOnList: number | null;
  services: number;
}

interface SiteSqlRow {
  siteId: number;
  code: string;
  name: string;
  regionCode: string;
  regionName: string;
  households: string;
  withLabor: string;
  withEmployed: string;
}

/** As the statement returns it: days on the list are computed here, the count comes as a string. */
type HouseholdSqlRow = Omit<SiteHouseholdRow, 'daysOnList' | 'services'> & { services: string };

export async function resettlementSites(sql: Sql, scope: ResolvedScope): Promise<SitesReport> {
  const s = regionColumn(scope.level);
  const r = await sql.query<SiteSqlRow>(
    `SELECT st.id AS "siteId", st.code, st.name, g.code AS "regionCode", g.name AS "regionName",
            x.households, x."withLabor", x."withEmployed"
       FROM (SELECT h."siteId",
                    count(*) AS households,
                    count(*) FILTER (WHERE h."laborCount" > 0) AS "withLabor",
                    count(*) FILTER (WHERE h."laborCount" > 0 AND h."employedCount" > 0) AS "withEmployed"
               FROM "Household" h
              WHERE h."${s}" = $1 AND h."siteId" IS NOT NULL
              GROUP BY h."siteId") x
       JOIN "ResettlementSite" st ON st.id = x."siteId"
       JOIN "Region" g ON g.id = st."regionId"
      ORDER BY st.code`,
    [scope.regionId],
  );
  const sites = r.rows.map(siteRow);
  const sum = (k: 'households' | 'withLabor' | 'withEmployed') => sites.reduce((n, x) => n + x[k], 0);
  const households = sum('households');
  const withLabor = sum('withLabor');
  const withEmployed = sum('withEmployed');
  return {
    report: 'resettlement-sites',
    scope,
    total: {
      households,
      withLabor,
      withEmployed,
      employedPercent: percent(withEmployed, withLabor),
      withoutEmployed: withLabor - withEmployed,
    },
    sites,
  };
}

function siteRow(x: SiteSqlRow): SiteRow {
  const withLabor = int(x.withLabor);
  const withEmployed = int(x.withEmployed);
  return {
    siteId: x.siteId,
    code: x.code,
    name: x.name,
    regionCode: x.regionCode,
    regionName: x.regionName,
    households: int(x.households),
    withLabor,
    withEmployed,
    employedPercent: percent(withEmployed, withLabor),
    withoutEmployed: withLabor - withEmployed,
  };
}

/** One page of the site households without employment, by household id. */
export async function siteHouseholdPage(
  sql: Sql,
  scope: Scope,
  after: number | null,
  limit: number,
  opts: { now?: Date; siteId?: number } = {},
): Promise<SiteHouseholdRow[]> {
  const s = regionColumn(scope.level);
  const now = opts.now ?? new Date();
  const r = await sql.query<HouseholdSqlRow>(
    `SELECT h.id AS "householdId", h.code AS "householdCode", h."headName", st.code AS "siteCode", st.name AS "siteName",
            v.code AS "villageCode", v.name AS "villageName", h."laborCount", h."zeroEmploymentSince" AS since,
            (SELECT count(*) FROM "ServiceContact" sc
              WHERE sc."householdId" = h.id AND sc.kind = ANY($3::"ServiceKind"[])
                AND (h."zeroEmploymentSince" IS NULL OR sc."occurredAt" >= h."zeroEmploymentSince")) AS services
       FROM "Household" h
       JOIN "ResettlementSite" st ON st.id = h."siteId"
       JOIN "Region" v ON v.id = h."villageId"
      WHERE h."${s}" = $1 AND h."siteId" IS NOT NULL AND h."laborCount" > 0 AND h."employedCount" = 0
        AND h.id > $2 AND ($5::int IS NULL OR h."siteId" = $5)
      ORDER BY h.id
      LIMIT $4`,
    [scope.regionId, after ?? 0, SERVICE_KINDS, limit, opts.siteId ?? null],
  );
  return r.rows.map((x) => ({
    householdId: x.householdId,
    householdCode: x.householdCode,
    headName: x.headName,
    siteCode: x.siteCode,
    siteName: x.siteName,
    villageCode: x.villageCode,
    villageName: x.villageName,
    laborCount: x.laborCount,
    since: x.since,
    daysOnList: daysBetween(x.since, now),
    services: int(x.services),
  }));
}

export function siteHouseholdRows(sql: Sql, scope: Scope, opts: { now?: Date } = {}): AsyncGenerator<SiteHouseholdRow> {
  return keysetBatches(
    (after: number | null, limit) => siteHouseholdPage(sql, scope, after, limit, opts),
    (x) => x.householdId,
    2000,
  );
}

export const SITE_COLUMNS: readonly Column<SiteRow>[] = [
  { key: 'code', zh: '安置点编号', en: 'Site code' },
  { key: 'name', zh: '安置点', en: 'Resettlement site' },
  { key: 'regionName', zh: '所在区划', en: 'Region' },
  { key: 'households', zh: '搬迁户数', en: 'Households' },
  { key: 'withLabor', zh: '有劳动力户数', en: 'Households with labour' },
  { key: 'withEmployed', zh: '至少1人就业户数', en: 'With someone employed' },
  { key: 'employedPercent', zh: '户均就业率(%)', en: 'Share with someone employed (%)' },
  { key: 'withoutEmployed', zh: '无人就业户数', en: 'Households with nobody employed' },
];

export const SITE_HOUSEHOLD_COLUMNS: readonly Column<SiteHouseholdRow>[] = [
  { key: 'siteCode', zh: '安置点编号', en: 'Site code' },
  { key: 'siteName', zh: '安置点', en: 'Resettlement site' },
  { key: 'householdCode', zh: '户编号', en: 'Household code' },
  { key: 'headName', zh: '户主姓名', en: 'Head of household' },
  { key: 'villageName', zh: '迁出村', en: 'Village' },
  { key: 'laborCount', zh: '劳动力人数', en: 'Workers with labour' },
  { key: 'since', zh: '无人就业起始日期', en: 'Nobody employed since', date: 'date' },
  { key: 'daysOnList', zh: '天数', en: 'Days' },
  { key: 'services', zh: '已提供服务次数', en: 'Services since' },
];

export function siteSheets(sql: Sql, report: SitesReport, now?: Date): AnySheet[] {
  const total: SiteRow = {
    siteId: 0,
    code: report.scope.code,
    name: `${report.scope.name}(合计)`,
    regionCode: report.scope.code,
    regionName: report.scope.name,
    ...report.total,
  };
  return [
    { name: '安置点就业情况', columns: SITE_COLUMNS, rows: [...report.sites, total] },
    { name: '无人就业户名单', columns: SITE_HOUSEHOLD_COLUMNS, rows: siteHouseholdRows(sql, report.scope, { now }) },
  ];
}
