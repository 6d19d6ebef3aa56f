/**
 * The survey's report and its follow-up: the reporting rate per county and township with who has
 * not reported (late after the due date), each employer's months, a headcount-drop alert above the
 * configured share (a staff task, once), and the laid-off poor-household workers the employer
 * names: a check-in by SMS and a task for the one the ledger knows, a task to find the one it does
 * not, once however many revisions name them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextMonth, previousMonth, surveyMonthAt } from '../../src/employers/survey-calendar.js';
import { submitReport } from '../../src/employers/survey-reports.js';
import { CHINA_UTC_OFFSET_MS } from '../../src/ledger/china-time.js';
import { runRoutine } from '../../src/programs/routines.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import type { TestService } from '../helpers/service.js';
import { startStaffService, ZHANG } from '../staff/helpers.js';
import { addEmployer, CHENGGUAN, call, DANFENG, HANYIN, JIANCHI, tokenFor } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let op: string;
const c = () => svc.running.container;
const MONTH = previousMonth(surveyMonthAt(new Date()));
const inWindow = (() => {
  const [y, m] = nextMonth(MONTH).split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 10, 9) - CHINA_UTC_OFFSET_MS);
})();
const FIGURES = {
  headcount: 100,
  povertyWorkers: 30,
  hires: 0,
  hiresPoor: 0,
  separationsLayoff: 0,
  separationsResigned: 0,
  separationsContract: 0,
  separationsSeasonal: 0,
  separationsPoor: 0,
  vacancies: 0,
  production: 'NORMAL' as const,
  explanation: null,
  layoffs: [] as Array<{ name: string; phone?: string | null; idLast4?: string | null }>,
};

beforeAll(async () => {
  ({ svc, sim } = await startStaffService({ EMPLOYER_HEADCOUNT_DROP_ALERT: '0.25' }));
  op = await tokenFor(svc, HANYIN, 'OPERATOR', 'hanyin-op');
}, 60_000);
afterAll(async () => {
  await svc?.stop();
});

describe('the survey report and its follow-up', () => {
  it('gives the reporting rate per county and township and who is late, and each employer’s months', async () => {
    const e1 = await addEmployer(svc, op, 301, { townshipCode: CHENGGUAN });
    const e2 = await addEmployer(svc, op, 302, { townshipCode: CHENGGUAN });
    const e3 = await addEmployer(svc, op, 303, { townshipCode: JIANCHI });
    await c().db.prisma.employer.updateMany({ data: { createdAt: new Date('2020-01-01T00:00:00Z') } });
    await c().db.prisma.employerHeadcount.create({
      data: { employerId: e1.id, month: previousMonth(MONTH), headcount: 90, povertyWorkers: 20 },
    });
    await submitReport(c().db.pool, {
      employerId: e1.id,
      month: MONTH,
      figures: { ...FIGURES, explanation: '新招' },
      source: 'EMPLOYER_LINK',
      now: inWindow,
    });
    const r = await call(svc, 'GET', `/api/v1/employers/survey?month=${MONTH}`, { token: op });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const rows = Object.fromEntries(
      r.body.rows.map((x: { name: string; reported: number; employers: number }) => [x.name, [x.reported, x.employers]]),
    );
    expect(rows).toMatchObject({ 汉阴县: [1, 3], 城关镇: [1, 2], 涧池镇: [0, 1] });
    expect(r.body.unreported.map((u: { id: number; late: boolean }) => [u.id, u.late])).toEqual([
      [e2.id, true],
      [e3.id, true],
    ]);
    const other = await tokenFor(svc, DANFENG, 'OPERATOR', 'danfeng-op');
    expect((await call(svc, 'GET', `/api/v1/employers/survey?regionCode=${HANYIN}`, { token: other })).status).toBe(403);
    const series = await call(svc, 'GET', `/api/v1/employers/${e1.id}/series`, { token: op });
    expect(series.body.items).toEqual([
      { month: previousMonth(MONTH), headcount: 90, povertyWorkers: 20, revision: 1 },
      { month: MONTH, headcount: 100, povertyWorkers: 30, revision: 1 },
    ]);
  });

  it('alerts once when the headcount falls by more than the share, and follows up the workers it names', async () => {
    const e = await addEmployer(svc, op, 304, { townshipCode: CHENGGUAN, name: '汉阴县外贸服装厂' });
    await c().db.prisma.employerHeadcount.create({
      data: { employerId: e.id, month: previousMonth(MONTH), headcount: 100, povertyWorkers: 40 },
    });
    const layoffs = [
      { name: ZHANG.name, phone: ZHANG.phone },
      { name: '不在台账', idLast4: '1234' },
    ];
    const fell = {
      ...FIGURES,
      headcount: 70,
      povertyWorkers: 25,
      separationsLayoff: 30,
      separationsPoor: 15,
      production: 'REDUCED' as const,
      layoffs,
    };
    // 30% down, above the 25% configured: a task for the township (the county sees it).
    const first = await submitReport(c().db.pool, {
      employerId: e.id,
      month: MONTH,
      figures: fell,
      source: 'EMPLOYER_LINK',
      dropAlertShare: 0.25,
      now: inWindow,
    });
    expect(first.alertTaskId).not.toBeNull();
    expect(first).toMatchObject({ layoffsNamed: 2, layoffsMatched: 1 });
    const again = await submitReport(c().db.pool, {
      employerId: e.id,
      month: MONTH,
      figures: fell,
      source: 'EMPLOYER_LINK',
      dropAlertShare: 0.25,
      now: inWindow,
    });
    expect(again.alertTaskId).toBeNull();
    const task = await c().db.prisma.staffTask.findUniqueOrThrow({
      where: { id: first.alertTaskId! },
      include: { region: true },
    });
    expect(task).toMatchObject({ kind: 'employer_headcount_drop', status: 'OPEN' });
    expect(task.region.code).toBe(CHENGGUAN);
    expect(task.title).toContain('减少 30%');
    const report = await call(svc, 'GET', `/api/v1/employers/survey?month=${MONTH}`, { token: op });
    expect(report.body.alerts).toEqual([
      expect.objectContaining({ employerId: e.id, previous: 100, headcount: 70, fallPercent: 30 }),
    ]);
    // 20% down: below the share, no alert.
    const e2 = await addEmployer(svc, op, 305);
    await c().db.prisma.employerHeadcount.create({
      data: { employerId: e2.id, month: previousMonth(MONTH), headcount: 100, povertyWorkers: 40 },
    });
    const small = await submitReport(c().db.pool, {
      employerId: e2.id,
      month: MONTH,
      figures: { ...FIGURES, headcount: 80, separationsResigned: 20 },
      source: 'EMPLOYER_LINK',
      dropAlertShare: 0.25,
      now: inWindow,
    });
    expect(small.alertTaskId).toBeNull();

    // The follow-up: the known worker gets the check-in's question by SMS and a task; the unknown name a task to find them.
    const before = sim.messages({ to: ZHANG.phone }).length;
    expect(await runRoutine(c(), 'employer-layoff-follow-up')).toMatchObject({ checkIns: 1, tasks: 2, repeated: 2 });
    expect(await runRoutine(c(), 'employer-layoff-follow-up')).toMatchObject({ checkIns: 0, tasks: 0, repeated: 0 });
    await expect.poll(() => sim.messages({ to: ZHANG.phone }).length, { timeout: 15_000 }).toBe(before + 1);
    const zhang = await c().db.prisma.worker.findFirstOrThrow({ where: { phone: ZHANG.phone } });
    const tasks = await c().db.prisma.staffTask.findMany({ where: { kind: 'employer_layoff' }, orderBy: { id: 'asc' } });
    expect(tasks.map((t) => t.workerId)).toEqual([zhang.id, null]);
    expect(tasks[1]!.title).toContain('台账中未找到');
    const session = await c().db.prisma.conversationSession.findFirst({ where: { workerId: zhang.id }, orderBy: { id: 'desc' } });
    expect(session?.flow).toBe('check_in');
  });
});
