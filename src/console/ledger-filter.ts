/**
 * The ledger list's filter: read from the query string, turned into a Prisma `where` over Worker
 * (paged on the server) and into a campaign audience, so "message all N matching" reaches exactly
 * the people the list shows.
 */
import { z } from 'zod';
import type { Audience } from '../campaigns/audience.js';
import { forbidden, invalid } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { EmploymentStatus, HouseholdCategory } from '../generated/prisma/enums.js';
import { STALE_AFTER_MS } from '../ledger/program-rules.js';
import { EMPLOYED_STATUSES } from '../ledger/status-rules.js';
import { codeInScope, REGION_CODE_PATTERN, type Staff, subtreeFilter } from '../staff/scope.js';
import { parseForm } from './forms.js';

const yes = z
  .enum(['true', 'false', ''])
  .optional()
  .transform((v) => (v === 'true' ? true : v === 'false' ? false : undefined));

export const LedgerQuery = z.object({
  q: z.string().trim().max(40).optional(),
  region: z.string().trim().regex(REGION_CODE_PATTERN, 'expected a region code of 2-12 digits').optional().or(z.literal('')),
  category: z.enum(HouseholdCategory).optional().or(z.literal('')),
  /** A status, or EMPLOYED for any employed status. */
  status: z.enum(EmploymentStatus).or(z.literal('EMPLOYED')).optional().or(z.literal('')),
  stale: yes,
  zero: yes,
  returnee: yes,
  away: yes,
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

export type LedgerFilter = z.output<typeof LedgerQuery>;

export function readLedgerFilter(query: unknown): LedgerFilter {
  return parseForm(LedgerQuery, query);
}

/** The Worker `where` for a filter inside the staff member's scope (403 for a region outside it). */
export async function workerWhere(
  prisma: PrismaClient,
  staff: Staff,
  f: LedgerFilter,
  now = new Date(),
): Promise<Prisma.WorkerWhereInput> {
  let subtree = subtreeFilter({ id: staff.regionId, level: staff.regionLevel });
  if (f.region) {
    if (!codeInScope(staff, f.region))
      throw forbidden(`region ${f.region} is outside your scope (${staff.regionCode} and below)`);
    const region = await prisma.region.findUnique({ where: { code: f.region }, select: { id: true, level: true } });
    if (!region) throw invalid('region', `names no region in the ledger (${f.region})`);
    subtree = subtreeFilter(region);
  }
  const staleBefore = new Date(now.getTime() - STALE_AFTER_MS);
  const household: Prisma.HouseholdWhereInput = {};
  if (f.category) household.category = f.category as HouseholdCategory;
  if (f.zero !== undefined) household.zeroEmployment = f.zero;
  const and: Prisma.WorkerWhereInput[] = [{ [subtree.column]: subtree.value }];
  // Digits (or an X) are the ID number's last 4 or a household code; anything else is part of a name.
  // Keeping the two apart spares a name search a join to Household for every row of a county.
  if (f.q && /^[\dXx]+$/.test(f.q)) and.push(f.q.length <= 4 ? { idLast4: f.q.toUpperCase() } : { household: { code: f.q } });
  else if (f.q) and.push({ name: { contains: f.q } });
  if (f.status === 'EMPLOYED') and.push({ currentStatus: { in: [...EMPLOYED_STATUSES] } });
  else if (f.status) and.push({ currentStatus: f.status as EmploymentStatus });
  if (f.stale === true) and.push({ OR: [{ statusConfirmedAt: null }, { statusConfirmedAt: { lt: staleBefore } }] });
  if (f.stale === false) and.push({ statusConfirmedAt: { gte: staleBefore } });
  if (f.returnee !== undefined) and.push({ isReturnee: f.returnee });
  if (f.away !== undefined) and.push({ willingToWorkAway: f.away });
  if (Object.keys(household).length) and.push({ household });
  return { AND: and };
}

/**
 * The same filter as a campaign audience; null when the filter has parts an audience cannot say
 * (a name search, returnees, "not stale"), so the page can tell staff instead of widening it.
 */
export function audienceOf(f: LedgerFilter): Audience | null {
  if (f.q || f.returnee !== undefined || f.stale === false || f.away === false) return null;
  const a: Audience = {};
  if (f.region) a.regions = [f.region];
  if (f.category) a.categories = [f.category as HouseholdCategory];
  if (f.status === 'EMPLOYED') a.statuses = [...EMPLOYED_STATUSES];
  else if (f.status) a.statuses = [f.status as EmploymentStatus];
  if (f.stale) a.stale = true;
  if (f.zero !== undefined) a.zeroEmployment = f.zero || undefined;
  if (f.zero === false) return null;
  if (f.away) a.willingToWorkAway = true;
  return a;
}
