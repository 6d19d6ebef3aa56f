/**
 * Staff corrections to a worker's record (§3: the ledger must match reality): contact details,
 * language, whether they need calls, labour capacity, willingness to work away, skills, the county's
 * confirmation that they count as a worker; a status staff learned themselves (provenance STAFF);
 * staff verification of a reported status; family contacts who may confirm for the worker.
 * Every change is scoped to the caller's region (404 outside) and audited in its transaction.
 */
import { sqlIn } from '../db/sql.js';
import { conflict, forbidden, invalid, notFound, refused } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Channel, EmploymentStatus, FamilyRelation, LaborCapacity } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { type Staff, scopeFilter } from '../staff/scope.js';
import { appendEmploymentEvent } from './employment.js';
import { refreshHouseholdCounts } from './household-counts.js';
import { normaliseMobile } from './phone.js';
import { employerInScope } from './subsidy-parties.js';
import { maskPhone } from './worker-directory.js';

function requireWriter(staff: Staff): void {
  if (staff.role === 'VIEWER') throw forbidden('role VIEWER may not change the ledger; needs ADMIN or OPERATOR');
}

/** The worker if it lies in the caller's scope (404 otherwise), with what the changes need. */
async function workerInScope(tx: Prisma.TransactionClient | PrismaClient, staff: Staff, id: number) {
  const f = scopeFilter(staff);
  const w = await tx.worker.findFirst({
    where: { id, [f.column]: f.value },
    select: {
      id: true,
      householdId: true,
      villageId: true,
      phone: true,
      language: true,
      needsVoice: true,
      laborCapacity: true,
      willingToWorkAway: true,
      skills: true,
      countyConfirmed: true,
      isReturnee: true,
    },
  });
  if (!w) throw notFound(`no worker ${id}`);
  return w;
}

/** A mainland mobile number as typed by staff, in E.164; 400 naming the field when it is not one. */
function mobile(raw: string, field: string): string {
  const phone = normaliseMobile(raw);
  if (!phone) throw invalid(field, 'is not a valid mainland mobile number');
  return phone;
}

export interface WorkerPatch {
  /** A mainland mobile number in any common writing; null removes it. */
  phone?: string | null;
  language?: 'zh-CN' | 'en';
  needsVoice?: boolean;
  laborCapacity?: LaborCapacity;
  willingToWorkAway?: boolean | null;
  skills?: string[];
  /** County staff (or above) confirm the person counts as a worker (§3). */
  countyConfirmed?: boolean;
  isReturnee?: boolean;
}

/** Applies the changes; household counts follow a change of labour capacity. Returns what changed. */
export async function updateWorker(
  prisma: PrismaClient,
  staff: Staff,
  id: number,
  patch: WorkerPatch,
  via: Channel,
  now = new Date(),
): Promise<string[]> {
  requireWriter(staff);
  if (patch.countyConfirmed !== undefined && (staff.regionLevel === 'TOWNSHIP' || staff.regionLevel === 'VILLAGE'))
    throw forbidden('county staff confirm who counts as a worker (§3): body/countyConfirmed needs a county scope or above');
  const phone = patch.phone === undefined || patch.phone === null ? patch.phone : mobile(patch.phone, 'body/phone');
  const skills = patch.skills && [...new Set(patch.skills.map((s) => s.trim()).filter(Boolean))];
  return prisma.$transaction(async (tx) => {
    const before = await workerInScope(tx, staff, id);
    const data: Prisma.WorkerUpdateInput = {};
    const details: Record<string, unknown> = { via };
    const set = <K extends keyof WorkerPatch & keyof typeof before>(key: K, value: (typeof before)[K] | undefined) => {
      if (value === undefined || JSON.stringify(value) === JSON.stringify(before[key])) return;
      (data as Record<string, unknown>)[key] = value;
      details[key] =
        key === 'phone'
          ? { from: maskPhone(before.phone), to: maskPhone(value as string | null) }
          : { from: before[key], to: value };
    };
    set('phone', phone);
    set('language', patch.language);
    set('needsVoice', patch.needsVoice);
    set('laborCapacity', patch.laborCapacity);
    set('willingToWorkAway', patch.willingToWorkAway);
    set('skills', skills);
    set('countyConfirmed', patch.countyConfirmed);
    set('isReturnee', patch.isReturnee);
    const changed = Object.keys(data);
    if (changed.length === 0) return [];
    await tx.worker.update({ where: { id }, data: { ...data, updatedAt: now } });
    if ('laborCapacity' in data) await refreshHouseholdCounts(sqlIn(tx), [before.householdId], now);
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'worker.update',
      entity: 'Worker',
      entityId: id,
      regionId: before.villageId,
      details,
    });
    return changed;
  });
}

export interface StaffEvent {
  status: EmploymentStatus;
  /** YYYY-MM-DD: when the change happened. */
  effectiveDate: string;
  employer?: string | null;
  place?: string | null;
  industry?: string | null;
  monthlyWage?: number | null;
  insured?: boolean | null;
  reason?: string | null;
  /** The job lead that placed the worker (referral subsidy, §14). */
  jobLeadId?: number | null;
  /** A STATUS confirmation of this worker that backs what staff record (CONFIRMED or APPROVED). */
  confirmationId?: number | null;
  /** The Employer record the worker joined, inside the caller's scope (the §14 subsidies are computed from it). */
  employerId?: number | null;
}

/**
 * A status staff learned themselves (a call, a visit, the employer): an EmploymentEvent with
 * provenance STAFF and the staff user, through the ledger's event path, so the current status and
 * household counts follow. "Temporarily unwilling" has its own record with its dossier (Annex 1).
 */
export async function recordStaffEvent(
  prisma: PrismaClient,
  staff: Staff,
  workerId: number,
  e: StaffEvent,
  via: Channel,
  now = new Date(),
): Promise<bigint> {
  requireWriter(staff);
  if (e.status === 'TEMPORARILY_UNWILLING')
    throw refused(
      'needs_dossier',
      'body/status: TEMPORARILY_UNWILLING is recorded with its evidence through POST /api/v1/programs/unwilling (Annex 1)',
    );
  if (e.status === 'UNKNOWN') throw invalid('body/status', 'must be a known status');
  const day = Date.parse(`${e.effectiveDate}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(e.effectiveDate) ||
    Number.isNaN(day) ||
    new Date(day).toISOString().slice(0, 10) !== e.effectiveDate
  )
    throw invalid('body/effectiveDate', 'must be a date YYYY-MM-DD');
  if (day > now.getTime() + 86_400_000) throw invalid('body/effectiveDate', 'is in the future');
  if (day < Date.UTC(2000, 0, 1)) throw invalid('body/effectiveDate', 'is before 2000');
  return prisma.$transaction(async (tx) => {
    const worker = await workerInScope(tx, staff, workerId);
    if (e.confirmationId != null) {
      const c = await tx.confirmation.findUnique({
        where: { id: e.confirmationId },
        select: { workerId: true, kind: true, status: true },
      });
      if (!c || c.workerId !== workerId) throw invalid('body/confirmationId', `names no confirmation of worker ${workerId}`);
      if (c.kind !== 'STATUS' || (c.status !== 'CONFIRMED' && c.status !== 'APPROVED'))
        throw invalid('body/confirmationId', `must be a CONFIRMED or APPROVED status confirmation (it is ${c.kind} ${c.status})`);
    }
    if (e.jobLeadId != null && !(await tx.jobLead.findUnique({ where: { id: e.jobLeadId }, select: { id: true } })))
      throw invalid('body/jobLeadId', 'names no job lead');
    const employer = e.employerId != null ? await employerInScope(tx, staff, e.employerId, 'body/employerId') : null;
    const eventId = await appendEmploymentEvent(
      sqlIn(tx),
      { workerId, ...e, employer: e.employer ?? employer?.name ?? null },
      { source: 'STAFF', channel: via, reportedById: staff.userId },
      now,
    );
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'employment_event.create',
      entity: 'EmploymentEvent',
      entityId: eventId,
      regionId: worker.villageId,
      details: {
        workerId,
        status: e.status,
        effectiveDate: e.effectiveDate,
        confirmationId: e.confirmationId ?? null,
        employerId: e.employerId ?? null,
        via,
      },
    });
    return eventId;
  });
}

/** Staff verified a reported status (a call back, a visit): the event records who and when, once. */
export async function verifyEvent(
  prisma: PrismaClient,
  staff: Staff,
  workerId: number,
  eventId: bigint,
  via: Channel,
  now = new Date(),
): Promise<void> {
  requireWriter(staff);
  await prisma.$transaction(async (tx) => {
    const worker = await workerInScope(tx, staff, workerId);
    const event = await tx.employmentEvent.findFirst({ where: { id: eventId, workerId }, select: { verifiedAt: true } });
    if (!event) throw notFound(`no event ${eventId} of worker ${workerId}`);
    if (event.verifiedAt)
      throw conflict('already_verified', `event ${eventId} was verified at ${event.verifiedAt.toISOString()}`);
    await tx.employmentEvent.update({ where: { id: eventId }, data: { verifiedById: staff.userId, verifiedAt: now } });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'employment_event.verify',
      entity: 'EmploymentEvent',
      entityId: eventId,
      regionId: worker.villageId,
      details: { workerId, via },
    });
  });
}

// ───────────── Family contacts (家人代签) ─────────────

export interface FamilyContactInput {
  name: string;
  relation: FamilyRelation;
  phone: string;
  language?: 'zh-CN' | 'en';
  /** Staff checked that the number belongs to this family member: their answers need no code. */
  verified?: boolean;
}

export interface FamilyContactView {
  id: number;
  name: string;
  relation: FamilyRelation;
  phone: string | null;
  language: string;
  verified: boolean;
  verifiedAt: Date | null;
}

const CONTACT_SELECT = {
  id: true,
  name: true,
  relation: true,
  phone: true,
  language: true,
  verified: true,
  verifiedAt: true,
} as const;

const contactView = (c: Prisma.FamilyContactGetPayload<{ select: typeof CONTACT_SELECT }>): FamilyContactView => ({
  ...c,
  phone: maskPhone(c.phone),
});

/** Registers a family member who may confirm for the worker (a removed one with that number comes back). */
export async function addFamilyContact(
  prisma: PrismaClient,
  staff: Staff,
  workerId: number,
  c: FamilyContactInput,
  via: Channel,
  now = new Date(),
): Promise<FamilyContactView> {
  requireWriter(staff);
  const phone = mobile(c.phone, 'body/phone');
  return prisma.$transaction(async (tx) => {
    const worker = await workerInScope(tx, staff, workerId);
    if (worker.phone === phone) throw invalid('body/phone', "is the worker's own number: a family contact needs another");
    const existing = await tx.familyContact.findUnique({
      where: { workerId_phone: { workerId, phone } },
      select: { id: true, removedAt: true },
    });
    if (existing && !existing.removedAt)
      throw conflict('duplicate', `the worker already has family contact ${existing.id} with this number`);
    const verification = c.verified
      ? { verified: true, verifiedAt: now, verifiedById: staff.userId }
      : { verified: false, verifiedAt: null, verifiedById: null };
    const data = {
      name: c.name.trim(),
      relation: c.relation,
      language: c.language ?? 'zh-CN',
      ...verification,
      removedAt: null,
      updatedAt: now,
    };
    const saved = existing
      ? await tx.familyContact.update({ where: { id: existing.id }, data, select: CONTACT_SELECT })
      : await tx.familyContact.create({ data: { ...data, workerId, phone }, select: CONTACT_SELECT });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'family_contact.create',
      entity: 'FamilyContact',
      entityId: saved.id,
      regionId: worker.villageId,
      details: {
        workerId,
        relation: c.relation,
        phone: maskPhone(phone),
        verified: saved.verified,
        restored: Boolean(existing),
        via,
      },
    });
    return contactView(saved);
  });
}

/** Changes a family contact; a new number must be verified again. */
export async function updateFamilyContact(
  prisma: PrismaClient,
  staff: Staff,
  workerId: number,
  contactId: number,
  patch: Partial<FamilyContactInput>,
  via: Channel,
  now = new Date(),
): Promise<FamilyContactView> {
  requireWriter(staff);
  const phone = patch.phone === undefined ? undefined : mobile(patch.phone, 'body/phone');
  return prisma.$transaction(async (tx) => {
    const worker = await workerInScope(tx, staff, workerId);
    const before = await tx.familyContact.findFirst({
      where: { id: contactId, workerId, removedAt: null },
      select: CONTACT_SELECT,
    });
    if (!before) throw notFound(`no family contact ${contactId} of worker ${workerId}`);
    const newNumber = phone !== undefined && phone !== before.phone;
    if (newNumber && phone === worker.phone)
      throw invalid('body/phone', "is the worker's own number: a family contact needs another");
    if (
      newNumber &&
      (await tx.familyContact.findUnique({ where: { workerId_phone: { workerId, phone: phone! } }, select: { id: true } }))
    )
      throw conflict('duplicate', 'the worker already has a family contact with this number');
    const verified = patch.verified ?? (newNumber ? false : before.verified);
    const saved = await tx.familyContact.update({
      where: { id: contactId },
      data: {
        name: patch.name?.trim(),
        relation: patch.relation,
        language: patch.language,
        phone,
        verified,
        ...(verified !== before.verified || (verified && newNumber)
          ? { verifiedAt: verified ? now : null, verifiedById: verified ? staff.userId : null }
          : {}),
        updatedAt: now,
      },
      select: CONTACT_SELECT,
    });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'family_contact.update',
      entity: 'FamilyContact',
      entityId: contactId,
      regionId: worker.villageId,
      details: {
        workerId,
        ...(patch.name !== undefined ? { name: saved.name } : {}),
        ...(patch.relation !== undefined ? { relation: saved.relation } : {}),
        ...(newNumber ? { phone: { from: maskPhone(before.phone), to: maskPhone(phone!) } } : {}),
        ...(verified !== before.verified ? { verified } : {}),
        via,
      },
    });
    return contactView(saved);
  });
}

/**
 * Removes a family contact: it no longer answers for the worker. The row stays for the evidence of
 * confirmations it gave; an open request to it is interrupted.
 */
export async function removeFamilyContact(
  prisma: PrismaClient,
  staff: Staff,
  workerId: number,
  contactId: number,
  via: Channel,
  now = new Date(),
): Promise<void> {
  requireWriter(staff);
  await prisma.$transaction(async (tx) => {
    const worker = await workerInScope(tx, staff, workerId);
    const removed = await tx.familyContact.updateMany({
      where: { id: contactId, workerId, removedAt: null },
      data: { removedAt: now, updatedAt: now },
    });
    if (removed.count === 0) throw notFound(`no family contact ${contactId} of worker ${workerId}`);
    // A request waiting on this contact can no longer be answered by it.
    const open = await tx.confirmation.findMany({
      where: { familyContactId: contactId, status: 'REQUESTED' },
      select: { id: true, sessionId: true },
    });
    if (open.length) {
      await tx.confirmation.updateMany({ where: { id: { in: open.map((c) => c.id) } }, data: { status: 'INTERRUPTED' } });
      const sessions = open.flatMap((c) => (c.sessionId === null ? [] : [c.sessionId]));
      await tx.conversationSession.updateMany({
        where: { id: { in: sessions }, status: 'ACTIVE' },
        data: { status: 'COMPLETED', activeKey: null, updatedAt: now },
      });
    }
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'family_contact.remove',
      entity: 'FamilyContact',
      entityId: contactId,
      regionId: worker.villageId,
      details: { workerId, confirmationsInterrupted: open.map((c) => c.id), via },
    });
  });
}
