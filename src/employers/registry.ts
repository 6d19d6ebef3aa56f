/**
 * The county's key employers (重点带贫企业, §6): the employers it monitors monthly. Staff add,
 * change and remove them inside their scope; an employer belongs to a township, and reads as
 * missing (404) to staff of another region. Removing one stops its survey and keeps its reports.
 * Every change is audited in the same transaction (never with the contact's mobile in it).
 */
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Channel, EmployerType } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, type Staff } from '../staff/scope.js';
import type { EMPLOYER_TYPES } from './fields.js';

export type KeyEmployerType = (typeof EMPLOYER_TYPES)[number];

export interface EmployerFields {
  name: string;
  /** Normalised and checked (credit-code.ts) by the caller's schema. */
  creditCode: string;
  type: KeyEmployerType;
  /** The township the employer is in (inside the caller's scope). */
  townshipCode: string;
  contactName: string | null;
  /** The contact's mobile in E.164. */
  phone: string | null;
}

export interface EmployerView {
  id: number;
  name: string;
  creditCode: string | null;
  type: EmployerType | null;
  township: { id: number; code: string; name: string };
  contactName: string | null;
  phone: string | null;
  createdAt: Date;
  updatedAt: Date;
  removedAt: Date | null;
}

const SELECT = {
  id: true,
  name: true,
  creditCode: true,
  type: true,
  contactName: true,
  phone: true,
  createdAt: true,
  updatedAt: true,
  removedAt: true,
  region: { select: { id: true, code: true, name: true } },
} as const satisfies Prisma.EmployerSelect;

type Row = Prisma.EmployerGetPayload<{ select: typeof SELECT }>;

function view(r: Row): EmployerView {
  const { region, ...rest } = r;
  return { ...rest, township: region };
}

/** The township named by code, inside the caller's scope (400 unknown or not a township, 403 outside). */
async function townshipInScope(prisma: PrismaClient | Prisma.TransactionClient, staff: Staff, code: string) {
  const region = await prisma.region.findUnique({ where: { code }, select: { id: true, code: true, level: true } });
  if (!region) throw invalid('townshipCode', `: no region ${code} in the ledger`);
  if (region.level !== 'TOWNSHIP') throw invalid('townshipCode', `: ${code} is not a township`);
  if (!codeInScope(staff, region.code)) throw forbidden(`township ${code} is outside your scope`);
  return region;
}

function writable(staff: Staff): void {
  if (staff.role === 'VIEWER') throw forbidden('viewers cannot change employers');
}

async function unusedCode(prisma: PrismaClient | Prisma.TransactionClient, creditCode: string, exceptId?: number) {
  const other = await prisma.employer.findUnique({ where: { creditCode }, select: { id: true } });
  if (other && other.id !== exceptId)
    throw conflict('duplicate_credit_code', 'an employer with this unified social credit code is already registered');
}

/** An employer of the caller's scope (removed ones too), or 404. */
export async function employerInScope(prisma: PrismaClient, staff: Staff, id: number): Promise<EmployerView> {
  const r = await prisma.employer.findFirst({
    where: { id, isKey: true, region: { code: { startsWith: staff.regionCode } } },
    select: SELECT,
  });
  if (!r) throw notFound(`no employer ${id}`);
  return view(r);
}

export interface EmployerQuery {
  /** A region inside the caller's scope (township or above): employers there. */
  regionCode?: string;
  type?: KeyEmployerType;
  /** Part of the name or the credit code. */
  search?: string;
  removed?: boolean;
  offset?: number;
  limit: number;
}

/** Employers of the caller's scope, by township then name. */
export async function listEmployers(prisma: PrismaClient, staff: Staff, q: EmployerQuery): Promise<EmployerView[]> {
  if (q.regionCode !== undefined && !codeInScope(staff, q.regionCode))
    throw forbidden(`region ${q.regionCode} is outside your scope`);
  const prefix = q.regionCode ?? staff.regionCode;
  const rows = await prisma.employer.findMany({
    where: {
      isKey: true,
      region: { code: { startsWith: prefix } },
      type: q.type,
      removedAt: q.removed ? { not: null } : null,
      ...(q.search ? { OR: [{ name: { contains: q.search } }, { creditCode: { startsWith: q.search.toUpperCase() } }] } : {}),
    },
    orderBy: [{ region: { code: 'asc' } }, { name: 'asc' }, { id: 'asc' }],
    skip: q.offset ?? 0,
    take: q.limit,
    select: SELECT,
  });
  return rows.map(view);
}

/** Adds a key employer to a township of the caller's scope. */
export async function addEmployer(prisma: PrismaClient, staff: Staff, f: EmployerFields, via: Channel): Promise<EmployerView> {
  writable(staff);
  return prisma.$transaction(async (tx) => {
    const township = await townshipInScope(tx, staff, f.townshipCode);
    await unusedCode(tx, f.creditCode);
    const r = await tx.employer.create({
      data: {
        name: f.name,
        creditCode: f.creditCode,
        type: f.type,
        regionId: township.id,
        contactName: f.contactName,
        phone: f.phone,
        isKey: true,
      },
      select: SELECT,
    });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'employer.create',
      entity: 'Employer',
      entityId: r.id,
      regionId: township.id,
      details: { name: f.name, creditCode: f.creditCode, type: f.type, township: township.code, via },
    });
    return view(r);
  });
}

/** Changes an employer of the caller's scope (a new township must be inside it too). */
export async function updateEmployer(
  prisma: PrismaClient,
  staff: Staff,
  id: number,
  patch: Partial<EmployerFields>,
  via: Channel,
): Promise<EmployerView> {
  writable(staff);
  const before = await employerInScope(prisma, staff, id);
  return prisma.$transaction(async (tx) => {
    const township = patch.townshipCode !== undefined ? await townshipInScope(tx, staff, patch.townshipCode) : before.township;
    if (patch.creditCode !== undefined) await unusedCode(tx, patch.creditCode, id);
    const r = await tx.employer.update({
      where: { id },
      data: {
        name: patch.name,
        creditCode: patch.creditCode,
        type: patch.type,
        regionId: township.id,
        contactName: patch.contactName,
        phone: patch.phone,
      },
      select: SELECT,
    });
    const { phone, ...changes } = patch;
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'employer.update',
      entity: 'Employer',
      entityId: id,
      regionId: township.id,
      details: { changes: { ...changes, ...(phone !== undefined ? { phone: 'changed' } : {}) }, via },
    });
    return view(r);
  });
}

/** Stops monitoring an employer (its reports stay); 409 when it was removed already. */
export async function removeEmployer(prisma: PrismaClient, staff: Staff, id: number, via: Channel, now = new Date()) {
  writable(staff);
  const before = await employerInScope(prisma, staff, id);
  if (before.removedAt) throw conflict('removed', `employer ${id} was removed already`);
  return prisma.$transaction(async (tx) => {
    const r = await tx.employer.update({ where: { id }, data: { removedAt: now }, select: SELECT });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'employer.remove',
      entity: 'Employer',
      entityId: id,
      regionId: before.township.id,
      details: { name: before.name, via },
    });
    return view(r);
  });
}
