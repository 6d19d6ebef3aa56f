/**
 * Training (§15, §16): the monthly demand list published once per county and month as files and
 * pushed to the county's institutions; trainees followed up 30 days after a course with a
 * check-in; employment rates per course and institution with the 50% rule flagged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEmploymentEvent } from '../../src/ledger/employment.js';
import { followUpTrainees, publishTrainingLists, trainingRates } from '../../src/programs/training.js';
import type { TelegramSimulator } from '../../src/simulators/telegram/index.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import { settled, type TestService } from '../helpers/service.js';
import { serviceDeps, startProgramsService } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let tg: TelegramSimulator;
const db = () => svc.running.container.db;
const publishDeps = () => ({ ...serviceDeps(svc), dataDir: svc.running.container.config.DATA_DIR });

beforeAll(async () => {
  ({ svc, sim, tg } = await startProgramsService());
});
afterAll(async () => {
  await svc?.stop();
});

/** Today + n days in China, YYYY-MM-DD. */
function chinaDay(n: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + n * 86_400_000));
}

async function course(countyId: number, endOffset: number, name = '绥德县职业培训学校') {
  const inst = await db().prisma.trainingInstitution.create({ data: { name, regionId: countyId } });
  const c = await db().prisma.trainingCourse.create({
    data: {
      institutionId: inst.id,
      trade: 'electrician',
      title: '低压电工班',
      startDate: new Date(`${chinaDay(endOffset - 20)}T00:00:00Z`),
      endDate: new Date(`${chinaDay(endOffset)}T00:00:00Z`),
    },
  });
  return { inst, course: c };
}

describe('training-demand list', () => {
  it('is published once per county and month, as CSV and XLSX, and pushed to the county’s institutions', async () => {
    const { worker: a, county } = await seedWorker(db(), { name: '吴一', phone: '+8613800170001' });
    const { worker: b } = await seedWorker(db(), { name: '郑二', phone: '+8613800170002' });
    for (const [w, trade] of [
      [a, 'electrician'],
      [b, 'electrician'],
      [b, 'welder'],
    ] as const) {
      await db().prisma.trainingRequest.create({ data: { workerId: w.id, trade, listMonth: '2026-10', channel: 'SMS' } });
    }
    await db().prisma.trainingRequest.create({ data: { workerId: a.id, trade: 'cook', listMonth: '2026-09', channel: 'SMS' } });
    const chat = 700901;
    tg.registerChat(chat);
    await db().prisma.trainingInstitution.create({
      data: { name: '绥德县技工学校', regionId: county.id, phone: '+8613700170001' },
    });
    await db().prisma.trainingInstitution.create({
      data: { name: '榆林家政培训中心', regionId: county.id, telegramChatId: BigInt(chat) },
    });
    const other = await db().prisma.region.create({ data: { code: '610828000000', name: '佳县', level: 'COUNTY' } });
    await db().prisma.trainingInstitution.create({ data: { name: '佳县培训学校', regionId: other.id, phone: '+8613700170009' } });

    // Two publishers at once (the schedule on two processes): one publication.
    const [r1, r2] = await Promise.all([
      publishTrainingLists(publishDeps(), { month: '2026-10', countyId: county.id }),
      publishTrainingLists(publishDeps(), { month: '2026-10', countyId: county.id }),
    ]);
    expect([...r1, ...r2].map((r) => r.published).sort()).toEqual([false, true]);
    const pub = r1[0]!.publication;
    expect(pub).toMatchObject({ countyId: county.id, month: '2026-10', rows: 2, people: 3, pushed: 2 });
    expect(await db().prisma.trainingListPublication.count({ where: { countyId: county.id } })).toBe(1);

    const dataDir = svc.running.container.config.DATA_DIR;
    expect(pub.files).toEqual(['training-lists/610826-2026-10.csv', 'training-lists/610826-2026-10.xlsx']);
    for (const f of pub.files) expect(existsSync(join(dataDir, f))).toBe(true);
    const csv = readFileSync(join(dataDir, pub.files[0]!), 'utf8');
    expect(csv).toContain('工种,工种代码,人数,人员,联系电话');
    // (a cell starting with + is written with an apostrophe, so a spreadsheet does not run it as a formula)
    expect(csv).toContain("电工,electrician,2,吴一、郑二,'+8613800170001、+8613800170002");
    expect(csv).toContain('焊工,welder,1,郑二');
    expect(csv).not.toContain('中式烹调');

    await expect
      .poll(() => sim.messages({ to: '+8613700170001', direction: 'outbound-api' }).length, { timeout: 10_000 })
      .toBe(1);
    expect(sim.messages({ to: '+8613700170001', direction: 'outbound-api' })[0]!.body).toBe(
      '【培训需求清单】绥德县2026年10月：电工2人，焊工1人，共3人。详细名单请联系县人社部门。',
    );
    await expect.poll(() => tg.sentMessages(chat).length, { timeout: 10_000 }).toBe(1);
    expect(tg.sentMessages(chat)[0]!.text).toContain('电工2人');
    expect(sim.messages({ to: '+8613700170009', direction: 'outbound-api' })).toHaveLength(0);

    // The routine on 1 November (08:30 in China) publishes October: already done, nothing is sent again.
    const again = await publishTrainingLists(publishDeps(), { now: new Date('2026-11-01T00:30:00Z'), countyId: county.id });
    expect(again.map((r) => [r.published, r.publication.month])).toEqual([[false, '2026-10']]);
    await settled(svc);
    expect(sim.messages({ to: '+8613700170001', direction: 'outbound-api' })).toHaveLength(1);
  });
});

describe('30-day follow-up and employment rates', () => {
  it('starts a check-in with trainees 30 days after the course, and fills employedWithinMonth from their events', async () => {
    const { worker: hired, county } = await seedWorker(db(), { phone: '+8613800171001' });
    const { worker: idle } = await seedWorker(db(), { phone: '+8613800171002' });
    const { worker: recent } = await seedWorker(db(), { phone: '+8613800171003' });
    const done = await course(county.id, -31);
    const fresh = await course(county.id, -10);
    const e1 = await db().prisma.trainingEnrollment.create({ data: { courseId: done.course.id, workerId: hired.id } });
    const e2 = await db().prisma.trainingEnrollment.create({ data: { courseId: done.course.id, workerId: idle.id } });
    const e3 = await db().prisma.trainingEnrollment.create({ data: { courseId: fresh.course.id, workerId: recent.id } });
    await appendEmploymentEvent(
      db().pool,
      { workerId: hired.id, status: 'EMPLOYED_LOCAL', employer: '县电力安装公司', effectiveDate: chinaDay(-20) },
      { source: 'WORKER', channel: 'SMS' },
    );

    const r = await followUpTrainees(serviceDeps(svc), { countyId: county.id });
    expect(r.followedUp.map((f) => [f.enrollmentId, f.outcome]).sort()).toEqual([
      [e1.id, 'check_in_started'],
      [e2.id, 'check_in_started'],
    ]);
    await expect
      .poll(() => sim.messages({ to: '+8613800171002', direction: 'outbound-api' }).length, { timeout: 10_000 })
      .toBe(1);
    expect(sim.messages({ to: '+8613800171002', direction: 'outbound-api' })[0]!.body).toContain('每周就业情况确认');
    await expect
      .poll(() => sim.messages({ to: '+8613800171001', direction: 'outbound-api' }).length, { timeout: 10_000 })
      .toBe(1);
    expect(sim.messages({ to: '+8613800171001', direction: 'outbound-api' })[0]!.body).toContain('县电力安装公司');
    expect(sim.messages({ to: '+8613800171003', direction: 'outbound-api' })).toHaveLength(0);

    const rows = await db().prisma.trainingEnrollment.findMany({
      where: { id: { in: [e1.id, e2.id, e3.id] } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((e) => [e.followUpAt !== null, e.employedWithinMonth])).toEqual([
      [true, true],
      [true, false],
      [false, null],
    ]);

    // Once only: the next day's run starts nothing new for them.
    const next = await followUpTrainees(serviceDeps(svc), { countyId: county.id });
    expect(next.followedUp).toEqual([]);
    // A late report of a job found within the month still counts.
    await appendEmploymentEvent(
      db().pool,
      { workerId: idle.id, status: 'SELF_EMPLOYED', effectiveDate: chinaDay(-5) },
      { source: 'STAFF', channel: 'API' },
    );
    const later = await followUpTrainees(serviceDeps(svc), { countyId: county.id });
    expect(later.updated).toBeGreaterThanOrEqual(1);
    expect((await db().prisma.trainingEnrollment.findUniqueOrThrow({ where: { id: e2.id } })).employedWithinMonth).toBe(true);
  });

  it('flags a course and an institution below 50% employed within a month', async () => {
    const { county } = await seedWorker(db());
    const weak = await course(county.id, -40, '弱校');
    const good = await course(county.id, -40, '好校');
    const pending = await course(county.id, -5, '新校');
    const enrol = async (courseId: number, employed: boolean) => {
      const { worker } = await seedWorker(db()); // no phone: followed up without a check-in
      await db().prisma.trainingEnrollment.create({ data: { courseId, workerId: worker.id } });
      if (employed) {
        await appendEmploymentEvent(
          db().pool,
          { workerId: worker.id, status: 'EMPLOYED_IN_PROVINCE', effectiveDate: chinaDay(-30) },
          { source: 'IMPORT', channel: 'IMPORT' },
        );
      }
    };
    for (const employed of [true, false, false, false]) await enrol(weak.course.id, employed);
    for (const employed of [true, false]) await enrol(good.course.id, employed);
    await enrol(pending.course.id, false);
    const r = await followUpTrainees(serviceDeps(svc), { countyId: county.id });
    expect(r.followedUp.filter((f) => f.outcome === 'no_address').length).toBeGreaterThanOrEqual(6);

    const rates = await trainingRates(db().pool, { regionId: county.id });
    const byCourse = new Map(rates.courses.map((c) => [c.courseId, c]));
    expect(byCourse.get(weak.course.id)).toMatchObject({ trainees: 4, employed: 1, rate: 0.25, flagged: true, pending: false });
    expect(byCourse.get(good.course.id)).toMatchObject({ trainees: 2, employed: 1, rate: 0.5, flagged: false });
    expect(byCourse.get(pending.course.id)).toMatchObject({ pending: true, rate: null, flagged: false });
    const byInst = new Map(rates.institutions.map((i) => [i.institutionId, i]));
    expect(byInst.get(weak.inst.id)).toMatchObject({ name: '弱校', rate: 0.25, flagged: true });
    expect(byInst.get(good.inst.id)).toMatchObject({ name: '好校', rate: 0.5, flagged: false });
    expect(byInst.get(pending.inst.id)).toMatchObject({ rate: null, flagged: false });
  });
});
