/**
 * Who the §14 subsidies are paid to: human-resources service agencies (人力资源服务机构, with the
 * public labour-export stations and village labour companies) that refer workers, and employers
 * that take them on. Agencies are registered by county staff; a referral or an employment event
 * names one by id. An agency or employer may be named from its own region's scope or from below it
 * (a county's staff may name an agency the city registered), never from another county.
 */
import { forbidden, invalid, notFound } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, type Staff } from '../staff/scope.js';

type Tx = Prisma.TransactionClient | PrismaClient;

/** A region is usable by the caller: inside their scope, or one of the regions above it. */
function usable(staff: Staff, code: string): boolean {
  return codeInScope(staff, code) || codeInScope({ regionCode: code }, staff.regionCode);
}

/** The employer `id` if the caller may name it; else a 400 naming `field`. */
export async function employerInScope(tx: Tx, staff: Staff, id: number, field: string): Promise<{ id: number; name: string }> {
  const e = await tx.employer.findUnique({ where: { id }, select: { id: true, name: true, region: { select: { code: true } } } });
  if (!e || !usable(staff, e.region.code)) throw invalid(field, 'names no employer of your scope');
  return { id: e.id, name: e.name };
}

/** The agency `id` if the caller may name it; else a 400 naming `field`. */
export async function agencyInScope(tx: Tx, staff: Staff, id: number, field: string): Promise<{ id: number; name: string }> {
  const a = await tx.serviceAgency.findUnique({
    where: { id },
    select: { id: true, name: true, region: { select: { code: true } } },
  });
  if (!a || !usable(staff, a.region.code)) throw invalid(field, 'names no service agency of your scope');
  return { id: a.id, name: a.name };
}

export interface AgencyView {
  id: number;
  name: string;
  creditCode: string | null;
  regionCode: string;
  regionName: string;
  createdAt: Date;
}

const VIEW = { id: true, name: true, creditCode: true, createdAt: true, region: { select: { code: true, name: true } } } as const;

function view(a: {
  id: number;
  name: string;
  creditCode: string | null;
  createdAt: Date;
  region: { code: string; name: string };
}) {
  return {
    id: a.id,
    name: a.name,
    creditCode: a.creditCode,
    regionCode: a.region.code,
    regionName: a.region.name,
    createdAt: a.createdAt,
  };
}

/** Regions whose agencies and employers the caller may name: their scope and the regions above it. */
function usableRegions(staff: Staff) {
  const above = [2, 4, 6, 9].filter((n) => n < staff.regionCode.length).map((n) => staff.regionCode.slice(0, n));
  return { OR: [{ code: { startsWith: staff.regionCode } }, { code: { in: above } }] };
}

/** Employers the caller may name on a referral or a placement (not removed), by name: id and name. */
export async function listNamedEmployers(prisma: Tx, staff: Staff): Promise<Array<{ id: number; name: string }>> {
  return prisma.employer.findMany({
    where: { region: usableRegions(staff), removedAt: null },
    select: { id: true, name: true },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: 1000,
  });
}

/** Agencies the caller may name (their scope and the regions above it), by name. */
export async function listAgencies(prisma: Tx, staff: Staff): Promise<AgencyView[]> {
  const rows = await prisma.serviceAgency.findMany({
    where: { region: usableRegions(staff) },
    select: VIEW,
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: 1000,
  });
  return rows.map(view);
}

/**
 * Registers an agency in a region of the caller's scope (default: the caller's own region),
 * audited. A credit code already registered answers 409 through the unique key.
 */
export async function createAgency(
  prisma: PrismaClient,
  staff: Staff,
  a: { name: string; creditCode?: string | null; regionCode?: string },
): Promise<AgencyView> {
  if (staff.role === 'VIEWER') throw forbidden('role VIEWER may not register agencies; needs ADMIN or OPERATOR');
  const code = a.regionCode ?? staff.regionCode;
  if (!codeInScope(staff, code)) throw notFound(`no region ${code}`);
  const region = await prisma.region.findUnique({ where: { code }, select: { id: true } });
  if (!region) throw notFound(`no region ${code}`);
  return prisma.$transaction(async (tx) => {
    if (a.creditCode && (await tx.serviceAgency.findUnique({ where: { creditCode: a.creditCode }, select: { id: true } })))
      throw invalid('body/creditCode', 'is already registered');
    const created = await tx.serviceAgency.create({
      data: { name: a.name.trim(), creditCode: a.creditCode || null, regionId: region.id },
      select: VIEW,
    });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'service_agency.create',
      entity: 'ServiceAgency',
      entityId: created.id,
      regionId: region.id,
      details: { name: created.name, creditCode: created.creditCode },
    });
    return view(created);
  });
}
