/**
 * Services (帮扶记录, §13): a job lead delivered, a training offer, a staff call or visit, a
 * referral to an employer. They count toward the quotas (every willing worker ≥ 1, every
 * zero-employment household ≥ 3) and toward the three offers a "temporarily unwilling" record
 * needs (Annex 1). Staff record calls, visits, referrals and training offers themselves.
 */
import { forbidden, invalid, notFound } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Channel, ServiceKind } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { type Staff, scopeFilter } from '../staff/scope.js';
import { agencyInScope, employerInScope } from './subsidy-parties.js';

/** What staff record by hand. */
export const STAFF_SERVICE_KINDS = [
  'STAFF_CALL',
  'STAFF_VISIT',
  'JOB_REFERRAL',
  'TRAINING_OFFER',
] as const satisfies readonly ServiceKind[];
export type StaffServiceKind = (typeof STAFF_SERVICE_KINDS)[number];

export interface NewStaffService {
  workerId: number;
  kind: StaffServiceKind;
  /** When it took place (default now); not in the future. */
  occurredAt?: Date;
  note?: string | null;
  /** The job lead referred to or offered, if any (inside the caller's scope or above it). */
  jobLeadId?: number | null;
  /** JOB_REFERRAL: the service agency that made the referral (referral subsidy, §14). */
  agencyId?: number | null;
  /** JOB_REFERRAL: the Employer record the worker was referred to. */
  employerId?: number | null;
  /** Who did it, when not the caller (a staff user of the caller's scope). */
  staffUserId?: number;
  /** How it was recorded: API or CLI. */
  via: Channel;
}

/**
 * Records a service staff gave a worker of their scope (404 outside it), audited. Counts toward
 * the quota reports at once. Returns the ServiceContact id.
 */
export async function recordServiceContact(
  tx: Prisma.TransactionClient,
  staff: Staff,
  s: NewStaffService,
  now = new Date(),
): Promise<bigint> {
  if (staff.role === 'VIEWER') throw forbidden('role VIEWER may not record services; needs ADMIN or OPERATOR');
  const scope = scopeFilter(staff);
  const worker = await tx.worker.findFirst({
    where: { id: s.workerId, [scope.column]: scope.value },
    select: { id: true, householdId: true, villageId: true },
  });
  if (!worker) throw notFound(`no worker ${s.workerId}`);
  const occurredAt = s.occurredAt ?? now;
  if (occurredAt.getTime() > now.getTime() + 60_000) throw invalid('body/occurredAt', 'is in the future');
  let staffUserId = staff.userId;
  if (s.staffUserId !== undefined && s.staffUserId !== staff.userId) {
    const u = await tx.staffUser.findUnique({ where: { id: s.staffUserId }, select: { region: { select: { code: true } } } });
    if (!u?.region.code.startsWith(staff.regionCode)) throw invalid('body/staffUserId', 'names no staff user of your scope');
    staffUserId = s.staffUserId;
  }
  if (s.jobLeadId != null) {
    const lead = await tx.jobLead.findUnique({ where: { id: s.jobLeadId }, select: { region: { select: { code: true } } } });
    // A lead of the caller's region or of a region above it (a city's or the province's leads).
    if (!lead || !(lead.region.code.startsWith(staff.regionCode) || staff.regionCode.startsWith(lead.region.code)))
      throw invalid('body/jobLeadId', 'names no job lead of your scope');
  }
  if ((s.agencyId != null || s.employerId != null) && s.kind !== 'JOB_REFERRAL')
    throw invalid(s.agencyId != null ? 'body/agencyId' : 'body/employerId', 'goes with kind JOB_REFERRAL only');
  if (s.agencyId != null) await agencyInScope(tx, staff, s.agencyId, 'body/agencyId');
  if (s.employerId != null) await employerInScope(tx, staff, s.employerId, 'body/employerId');
  const contact = await tx.serviceContact.create({
    data: {
      kind: s.kind,
      workerId: worker.id,
      householdId: worker.householdId,
      occurredAt,
      channel: s.via,
      staffUserId,
      jobLeadId: s.jobLeadId ?? null,
      agencyId: s.agencyId ?? null,
      employerId: s.employerId ?? null,
      note: s.note?.trim() || null,
    },
    select: { id: true },
  });
  await recordAudit(tx, {
    staffUserId: staff.userId,
    action: 'service_contact.create',
    entity: 'ServiceContact',
    entityId: contact.id,
    regionId: worker.villageId,
    details: { workerId: worker.id, kind: s.kind, occurredAt: occurredAt.toISOString(), staffUserId, via: s.via },
  });
  return contact.id;
}
