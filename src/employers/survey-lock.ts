/**
 * Reopening a locked survey month (§6: reports are due before the 20th). After the lock the
 * month takes no reports, from the link or from staff; an ADMIN of the county (or above) may
 * reopen it for the county for a number of days: audited, and the employers that have not
 * reported get a new link valid until the reopening ends.
 */
import { conflict, forbidden, invalid } from '../errors.js';
import type { Channel } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, type Staff } from '../staff/scope.js';
import { hasEnded, isOpen } from './survey-calendar.js';
import { type SurveyDeps, sendSurveyMessages } from './survey-messages.js';

/** Days a reopening lasts unless the ADMIN says otherwise, and at most. */
export const REOPEN_DAYS = 7;
export const REOPEN_MAX_DAYS = 31;

export interface Reopening {
  county: { id: number; code: string; name: string };
  month: string;
  reopenedUntil: Date;
  reopenings: number;
  linksSent: number;
}

/** The county a survey action is about: the staff user's own, or one named inside their scope. */
export async function surveyCounty(deps: Pick<SurveyDeps, 'db'>, staff: Staff, countyCode?: string) {
  const code = countyCode ?? (staff.regionLevel === 'COUNTY' ? staff.regionCode : undefined);
  if (!code) throw invalid('regionCode', 'is required: name the county (your scope is not one county)');
  if (!codeInScope(staff, code)) throw forbidden(`region ${code} is outside your scope`);
  const county = await deps.db.prisma.region.findUnique({
    where: { code },
    select: { id: true, code: true, name: true, level: true },
  });
  if (county?.level !== 'COUNTY') throw invalid('regionCode', `${code} is not a county of the ledger`);
  return { id: county.id, code: county.code, name: county.name };
}

/** An ADMIN reopens a locked month for the county (see the module). */
export async function reopenMonth(
  deps: SurveyDeps,
  staff: Staff,
  r: { month: string; countyCode?: string; days?: number; channel: Channel; now?: Date },
): Promise<Reopening> {
  if (staff.role !== 'ADMIN') throw forbidden('only an ADMIN can reopen a locked month');
  const now = r.now ?? new Date();
  const county = await surveyCounty(deps, staff, r.countyCode);
  const { prisma } = deps.db;
  const existing = await prisma.employerSurveyMonth.findUnique({
    where: { regionId_month: { regionId: county.id, month: r.month } },
  });
  if (!hasEnded(r.month, now) || isOpen(r.month, now, existing?.reopenedUntil))
    throw conflict('not_locked', `the survey of ${r.month} is not locked: reports are taken until the 20th of the month after`);
  const days = r.days ?? REOPEN_DAYS;
  const until = new Date(now.getTime() + days * 86_400_000);
  const row = await prisma.$transaction(async (tx) => {
    const m = await tx.employerSurveyMonth.upsert({
      where: { regionId_month: { regionId: county.id, month: r.month } },
      create: { regionId: county.id, month: r.month, reopenedUntil: until, reopenedById: staff.userId, reopenedAt: now },
      update: { reopenedUntil: until, reopenedById: staff.userId, reopenedAt: now, reopenings: { increment: 1 } },
    });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'employer_survey.reopen',
      entity: 'EmployerSurveyMonth',
      entityId: m.id,
      regionId: county.id,
      details: { month: r.month, until: until.toISOString(), days, via: r.channel },
    });
    return m;
  });
  const sent = await sendSurveyMessages(deps, {
    month: r.month,
    purpose: `reopen-${row.reopenings}`,
    unreportedOnly: true,
    expiresAt: until,
    countyId: county.id,
    now,
  });
  return { county, month: r.month, reopenedUntil: until, reopenings: row.reopenings, linksSent: sent.sent };
}
