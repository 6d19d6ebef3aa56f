/**
 * Who a campaign reaches: a validated filter turned into one SQL condition over
 * "Worker" w JOIN "Household" h. The same condition serves the count preview and the freeze, so
 * the preview is exactly what a launch would freeze (less anyone who opts out in between).
 */
import { z } from 'zod';
import type { Sql } from '../db/sql.js';
import { invalid } from '../errors.js';
import { EmploymentStatus, HouseholdCategory, type RegionLevel } from '../generated/prisma/enums.js';
import { subtreeFilter } from '../staff/scope.js';

export const audienceSchema = z
  .object({
    /** Region codes (county, township, village…); default: the campaign's own region. */
    regions: z
      .array(z.string().regex(/^\d{2,12}$/, 'expected a region code of 2-12 digits'))
      .max(500)
      .optional(),
    categories: z.array(z.enum(HouseholdCategory)).optional(),
    statuses: z.array(z.enum(EmploymentStatus)).optional(),
    /** Status not reported or confirmed for 7 days (§3). */
    stale: z.boolean().optional(),
    willingToWorkAway: z.boolean().optional(),
    /** Workers with any of these skills. */
    skills: z.array(z.string().min(1)).max(50).optional(),
    /** Workers who asked for training in any of these trades (any trade when the list is empty). */
    trainingTrades: z.array(z.string()).max(50).optional(),
    /** Resettlement site codes (Annex 4). */
    sites: z.array(z.string().min(1)).max(200).optional(),
    languages: z.array(z.string().min(2)).max(10).optional(),
    /** Only members of zero-employment households. */
    zeroEmployment: z.boolean().optional(),
    /** Trainees whose course ended 30 or more days ago and who were not followed up yet (§16). */
    trainingFollowUpDue: z.boolean().optional(),
  })
  .strict();

export type Audience = z.infer<typeof audienceSchema>;

export interface RegionRef {
  id: number;
  code: string;
  level: RegionLevel;
}

export async function regionsByCode(sql: Sql, codes: string[]): Promise<RegionRef[]> {
  const r = await sql.query<RegionRef>(`SELECT id, code, level FROM "Region" WHERE code = ANY($1::text[])`, [codes]);
  const missing = codes.filter((c) => !r.rows.some((x) => x.code === c));
  if (missing.length) throw invalid('audience/regions', `names no region in the ledger (${missing.join(', ')})`);
  return r.rows;
}

export interface AudienceSql {
  /** Condition over w (Worker) and h (Household); parameters numbered from `firstParam`. */
  where: string;
  params: unknown[];
}

/**
 * Builds the condition. `scope` is the campaign's region: every audience region must lie inside
 * it (a county campaign cannot reach into another county). Opt-outs are not part of it: the
 * freeze and the preview exclude them the same way (see OPTED_OUT).
 */
export async function audienceSql(
  sql: Sql,
  scope: RegionRef,
  a: Audience,
  firstParam = 1,
  now = new Date(),
): Promise<AudienceSql> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${firstParam + params.length - 1}`;
  };
  const conds: string[] = [];
  const scopeF = subtreeFilter(scope);
  conds.push(`w."${scopeF.column}" = ${p(scopeF.value)}`);
  if (a.regions?.length) {
    const regions = await regionsByCode(sql, a.regions);
    const outside = regions.filter((r) => !r.code.startsWith(scope.code));
    if (outside.length) {
      throw invalid('audience/regions', `: region ${outside.map((r) => r.code).join(', ')} is outside ${scope.code}`);
    }
    conds.push(`(${regions.map((r) => `w."${subtreeFilter(r).column}" = ${p(r.id)}`).join(' OR ')})`);
  }
  if (a.categories?.length) conds.push(`h.category = ANY(${p(a.categories)}::"HouseholdCategory"[])`);
  if (a.statuses?.length) conds.push(`w."currentStatus" = ANY(${p(a.statuses)}::"EmploymentStatus"[])`);
  if (a.stale !== undefined) {
    const cutoff = p(new Date(now.getTime() - 7 * 86_400_000).toISOString());
    conds.push(
      a.stale
        ? `(w."statusConfirmedAt" IS NULL OR w."statusConfirmedAt" < ${cutoff}::timestamp(3))`
        : `w."statusConfirmedAt" >= ${cutoff}::timestamp(3)`,
    );
  }
  if (a.willingToWorkAway !== undefined) conds.push(`w."willingToWorkAway" = ${p(a.willingToWorkAway)}`);
  if (a.skills?.length) conds.push(`w.skills && ${p(a.skills)}::text[]`);
  if (a.trainingTrades) {
    conds.push(
      a.trainingTrades.length
        ? `EXISTS (SELECT 1 FROM "TrainingRequest" t WHERE t."workerId" = w.id AND t.trade = ANY(${p(a.trainingTrades)}::text[]))`
        : `EXISTS (SELECT 1 FROM "TrainingRequest" t WHERE t."workerId" = w.id)`,
    );
  }
  if (a.sites?.length) {
    conds.push(`h."siteId" IN (SELECT id FROM "ResettlementSite" WHERE code = ANY(${p(a.sites)}::text[]))`);
  }
  if (a.languages?.length) conds.push(`w.language = ANY(${p(a.languages)}::text[])`);
  if (a.zeroEmployment !== undefined) conds.push(`h."zeroEmployment" = ${p(a.zeroEmployment)}`);
  if (a.trainingFollowUpDue) {
    const cutoff = p(new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10));
    conds.push(
      `EXISTS (SELECT 1 FROM "TrainingEnrollment" e JOIN "TrainingCourse" c ON c.id = e."courseId"
                WHERE e."workerId" = w.id AND e."followUpAt" IS NULL AND c."endDate" <= ${cutoff}::date)`,
    );
  }
  return { where: conds.join(' AND '), params };
}

/**
 * A person is left out of every broadcast while any of their addresses is opted out. Written as
 * IN (subquery) so PostgreSQL hashes the opt-out list once instead of probing it per person.
 */
export const OPTED_OUT = `(COALESCE(w.phone IN (SELECT address FROM "OptOut" WHERE "optedInAt" IS NULL AND channel IN ('SMS', 'VOICE')), false)
  OR COALESCE(w."telegramChatId"::text IN (SELECT address FROM "OptOut" WHERE "optedInAt" IS NULL AND channel = 'TELEGRAM'), false))`;

/**
 * The channel each person is reached on: a call for those who cannot read, else Telegram when
 * linked, else SMS; NULL when there is no way to reach them. A campaign may name one channel.
 */
export function channelFor(only: 'AUTO' | 'SMS' | 'TELEGRAM' | 'VOICE' = 'AUTO'): string {
  if (only === 'SMS') return `CASE WHEN w.phone IS NOT NULL THEN 'SMS' END`;
  if (only === 'VOICE') return `CASE WHEN w.phone IS NOT NULL THEN 'VOICE' END`;
  if (only === 'TELEGRAM') return `CASE WHEN w."telegramChatId" IS NOT NULL THEN 'TELEGRAM' END`;
  return `CASE
  WHEN w."needsVoice" AND w.phone IS NOT NULL THEN 'VOICE'
  WHEN w."telegramChatId" IS NOT NULL THEN 'TELEGRAM'
  WHEN w.phone IS NOT NULL THEN 'SMS'
END`;
}
