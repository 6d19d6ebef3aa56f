/**
 * An employer's monthly report (§6): the figures at the month's end, checked against each other
 * and against last month's headcount, kept as revisions. A second submission for the same month
 * is a correction: a new revision, the earlier ones kept, the highest one counting.
 *
 * Checks (each a discrepancy, never a refusal; one not explained asks for an explanation, 422):
 * - balance: last month's headcount + hires − separations = this month's headcount (when last
 *   month was reported);
 * - poor_headcount, poor_hires, poor_separations: a poor-household figure above its total.
 *
 * A month takes reports until it locks (survey-calendar.ts) unless an ADMIN reopened it; a month
 * not yet over takes none.
 */
import type pg from 'pg';
import { inTransaction, type Sql } from '../db/sql.js';
import { DomainError, forbidden, notFound } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Channel, HeadcountSource } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import type { Staff } from '../staff/scope.js';
import type { ReportFiguresInput } from './fields.js';
import { employerInScope } from './registry.js';
import { hasEnded, isOpen, previousMonth } from './survey-calendar.js';

export type Discrepancy = 'balance' | 'poor_headcount' | 'poor_hires' | 'poor_separations';

export function separations(
  f: Pick<ReportFiguresInput, 'separationsLayoff' | 'separationsResigned' | 'separationsContract' | 'separationsSeasonal'>,
) {
  return f.separationsLayoff + f.separationsResigned + f.separationsContract + f.separationsSeasonal;
}

/** The checks the figures fail; `previous` is last month's headcount (null when not reported). */
export function discrepancies(f: ReportFiguresInput, previous: number | null): Discrepancy[] {
  const out: Discrepancy[] = [];
  if (previous !== null && previous + f.hires - separations(f) !== f.headcount) out.push('balance');
  if (f.povertyWorkers > f.headcount) out.push('poor_headcount');
  if (f.hiresPoor > f.hires) out.push('poor_hires');
  if (f.separationsPoor > separations(f)) out.push('poor_separations');
  return out;
}

/** The figures do not add up and no explanation came with them: the form asks for one. */
export class ExplanationNeeded extends DomainError {
  constructor(
    readonly discrepancies: Discrepancy[],
    readonly previousHeadcount: number | null,
  ) {
    super(422, 'explanation_needed', `the figures do not add up (${discrepancies.join(', ')}): explain why in "explanation"`);
  }
}

/** The month locked (or has not ended): nothing is taken. */
export const monthClosed = (month: string) =>
  new DomainError(409, 'month_locked', `the report of ${month} is closed (due before the 20th of the following month)`);

export interface Submission {
  employerId: number;
  month: string;
  figures: ReportFiguresInput;
  source: HeadcountSource;
  /** A staff entry: who and through what. */
  staff?: { userId: number; channel: Channel } | null;
  /** EMPLOYER_HEADCOUNT_DROP_ALERT: a fall from last month by more than this share opens a staff task. */
  dropAlertShare?: number;
  now?: Date;
}

export interface SubmittedReport {
  id: number;
  revision: number;
  discrepancies: Discrepancy[];
  previousHeadcount: number | null;
  layoffsNamed: number;
  layoffsMatched: number;
  /** The staff task opened because the headcount fell by more than the alert share (once a month). */
  alertTaskId: number | null;
}

/**
 * Opens the month's headcount-drop task for the employer's township (so its county sees it), once
 * per employer and month however many revisions repeat the fall. Returns its id, or null.
 */
async function openDropAlert(
  sql: Sql,
  a: { employerId: number; name: string; regionId: number; month: string; previous: number; headcount: number },
): Promise<number | null> {
  const fall = Math.round((100 * (a.previous - a.headcount)) / a.previous);
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "StaffTask" (kind, "regionId", title, details)
     SELECT 'employer_headcount_drop', $1, $2, $3::jsonb
      WHERE NOT EXISTS (SELECT 1 FROM "StaffTask" WHERE kind = 'employer_headcount_drop' AND "regionId" = $1
                          AND details->>'employerId' = $4 AND details->>'month' = $5)
     RETURNING id`,
    [
      a.regionId,
      `重点企业减员：${a.name} ${a.month} 在岗 ${a.headcount} 人，比上月 ${a.previous} 人减少 ${fall}%，请跟进被裁减的贫困劳动力`,
      JSON.stringify({
        employerId: String(a.employerId),
        month: a.month,
        previous: a.previous,
        headcount: a.headcount,
        fallPercent: fall,
      }),
      String(a.employerId),
      a.month,
    ],
  );
  return r.rows[0]?.id ?? null;
}

/** The latest revision's headcount of the month, or null. */
export async function latestHeadcount(sql: Sql, employerId: number, month: string): Promise<number | null> {
  const r = await sql.query<{ headcount: number }>(
    `SELECT headcount FROM "EmployerHeadcount" WHERE "employerId" = $1 AND month = $2 ORDER BY revision DESC LIMIT 1`,
    [employerId, month],
  );
  return r.rows[0]?.headcount ?? null;
}

/** When the employer's county reopened the month, if it did. */
export async function reopenedUntil(sql: Sql, employerId: number, month: string): Promise<Date | null> {
  const r = await sql.query<{ until: Date }>(
    `SELECT m."reopenedUntil" AS until
       FROM "Employer" e JOIN "Region" t ON t.id = e."regionId"
       JOIN "Region" c ON c.level = 'COUNTY' AND t.code LIKE c.code || '%'
       JOIN "EmployerSurveyMonth" m ON m."regionId" = c.id AND m.month = $2
      WHERE e.id = $1`,
    [employerId, month],
  );
  return r.rows[0]?.until ?? null;
}

/**
 * Matches a named worker to the ledger inside the employer's county: by the mobile, else by the
 * name and the ID's last 4; only a single match counts.
 */
async function matchWorker(sql: Sql, countyId: number, l: ReportFiguresInput['layoffs'][number]): Promise<number | null> {
  const r = await sql.query<{ id: number }>(
    `SELECT id FROM "Worker"
      WHERE "countyId" = $1 AND (($2::text IS NOT NULL AND phone = $2 AND name = $4) OR ($3::text IS NOT NULL AND "idLast4" = $3 AND name = $4))
      LIMIT 2`,
    [countyId, l.phone ?? null, l.idLast4 ?? null, l.name],
  );
  return r.rows.length === 1 ? r.rows[0]!.id : null;
}

/** Records a report as the next revision of its month (see the module's checks and locks). */
export async function submitReport(pool: pg.Pool, s: Submission): Promise<SubmittedReport> {
  const now = s.now ?? new Date();
  return inTransaction(pool, async (sql) => {
    // One revision at a time per employer: the row lock orders concurrent submissions.
    const e = await sql.query<{ id: number; name: string; regionId: number; countyId: number | null }>(
      `SELECT e.id, e.name, e."regionId",
              (SELECT c.id FROM "Region" c WHERE c.level = 'COUNTY' AND t.code LIKE c.code || '%' LIMIT 1) AS "countyId"
         FROM "Employer" e JOIN "Region" t ON t.id = e."regionId"
        WHERE e.id = $1 AND e."isKey" AND e."removedAt" IS NULL FOR UPDATE OF e`,
      [s.employerId],
    );
    const employer = e.rows[0];
    if (!employer) throw notFound(`no employer ${s.employerId}`);
    if (!hasEnded(s.month, now) || !isOpen(s.month, now, await reopenedUntil(sql, s.employerId, s.month)))
      throw monthClosed(s.month);
    const previous = await latestHeadcount(sql, s.employerId, previousMonth(s.month));
    const found = discrepancies(s.figures, previous);
    const f = s.figures;
    if (found.length > 0 && !f.explanation) throw new ExplanationNeeded(found, previous);
    const r = await sql.query<{ id: number; revision: number }>(
      `INSERT INTO "EmployerHeadcount" ("employerId", month, revision, headcount, "povertyWorkers", hires, "hiresPoor",
              "separationsLayoff", "separationsResigned", "separationsContract", "separationsSeasonal", "separationsPoor",
              vacancies, "wageMin", "wageMax", production, discrepancies, explanation, source, channel, "enteredById", "reportedAt")
       SELECT $1, $2, COALESCE(MAX(revision), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::"ProductionStatus",
              $16::text[], $17, $18::"HeadcountSource", $19::"Channel", $20, $21::timestamp(3)
         FROM "EmployerHeadcount" WHERE "employerId" = $1 AND month = $2
       RETURNING id, revision`,
      [
        s.employerId,
        s.month,
        f.headcount,
        f.povertyWorkers,
        f.hires,
        f.hiresPoor,
        f.separationsLayoff,
        f.separationsResigned,
        f.separationsContract,
        f.separationsSeasonal,
        f.separationsPoor,
        f.vacancies,
        f.wageMin ?? null,
        f.wageMax ?? null,
        f.production,
        found,
        f.explanation ?? null,
        s.source,
        s.staff?.channel ?? null,
        s.staff?.userId ?? null,
        now.toISOString(),
      ],
    );
    const report = r.rows[0]!;
    let matched = 0;
    for (const l of f.layoffs) {
      const workerId = employer.countyId ? await matchWorker(sql, employer.countyId, l) : null;
      if (workerId) matched++;
      await sql.query(
        `INSERT INTO "EmployerLayoff" ("employerId", "headcountId", month, name, phone, "idLast4", "workerId", "createdAt")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamp(3))`,
        [s.employerId, report.id, s.month, l.name, l.phone ?? null, l.idLast4 ?? null, workerId, now.toISOString()],
      );
    }
    const fell =
      s.dropAlertShare !== undefined &&
      previous !== null &&
      previous > 0 &&
      (previous - f.headcount) / previous > s.dropAlertShare;
    const alertTaskId = fell
      ? await openDropAlert(sql, { ...employer, employerId: employer.id, month: s.month, previous, headcount: f.headcount })
      : null;
    if (s.staff) {
      await recordAudit(sql, {
        staffUserId: s.staff.userId,
        action: 'employer.report',
        entity: 'Employer',
        entityId: s.employerId,
        regionId: employer.regionId,
        details: { month: s.month, revision: report.revision, via: s.staff.channel, source: s.source, discrepancies: found },
      });
    }
    return {
      id: report.id,
      revision: report.revision,
      discrepancies: found,
      previousHeadcount: previous,
      layoffsNamed: f.layoffs.length,
      layoffsMatched: matched,
      alertTaskId,
    };
  });
}

/** A report staff took by phone (console, API, CLI): recorded with who entered it and through what, audited. */
export async function enterReport(
  db: { pool: pg.Pool; prisma: PrismaClient },
  staff: Staff,
  r: { employerId: number; month: string; figures: ReportFiguresInput; channel: Channel; dropAlertShare?: number; now?: Date },
): Promise<SubmittedReport> {
  if (staff.role === 'VIEWER') throw forbidden('viewers cannot enter reports');
  await employerInScope(db.prisma, staff, r.employerId);
  return submitReport(db.pool, {
    employerId: r.employerId,
    month: r.month,
    figures: r.figures,
    source: 'STAFF_PHONE',
    staff: { userId: staff.userId, channel: r.channel },
    dropAlertShare: r.dropAlertShare,
    now: r.now,
  });
}

const REVISION_SELECT = {
  id: true,
  month: true,
  revision: true,
  headcount: true,
  povertyWorkers: true,
  hires: true,
  hiresPoor: true,
  separationsLayoff: true,
  separationsResigned: true,
  separationsContract: true,
  separationsSeasonal: true,
  separationsPoor: true,
  vacancies: true,
  wageMin: true,
  wageMax: true,
  production: true,
  discrepancies: true,
  explanation: true,
  source: true,
  channel: true,
  reportedAt: true,
  enteredBy: { select: { id: true, username: true, name: true } },
  layoffs: { select: { name: true, workerId: true, followUp: true }, orderBy: { id: 'asc' } },
} as const satisfies Prisma.EmployerHeadcountSelect;

export type ReportRevision = Prisma.EmployerHeadcountGetPayload<{ select: typeof REVISION_SELECT }>;

/** An employer's reports, every revision, newest month first and the latest revision first in it. */
export async function reportRevisions(
  prisma: PrismaClient,
  employerId: number,
  q: { month?: string; limit: number },
): Promise<ReportRevision[]> {
  return prisma.employerHeadcount.findMany({
    where: { employerId, month: q.month },
    orderBy: [{ month: 'desc' }, { revision: 'desc' }],
    take: q.limit,
    select: REVISION_SELECT,
  });
}
