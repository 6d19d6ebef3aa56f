/**
 * Zero-employment households (Annex 1): a spell opens when the last employed member loses the job
 * and closes when someone reports a job; the follow-up plan goes LEADS_SMS → CALL → FAMILY →
 * STAFF_TASK → DONE through the simulators, once per step however often the routine runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEmploymentEvent } from '../../src/ledger/employment.js';
import { recordOptOut } from '../../src/ledger/opt-outs.js';
import { ROUTINES } from '../../src/programs/routines.js';
import { runZeroEmploymentSteps, zeroEmploymentPlanState } from '../../src/programs/zero-employment-plan.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedFamily, smsScript } from '../flows/helpers.js';
import { seedWorker } from '../helpers/ledger.js';
import { settled, type TestService } from '../helpers/service.js';
import { addHouseholdWorker, planDeps, startProgramsService } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
const db = () => svc.running.container.db;
const DAY = 86_400_000;

beforeAll(async () => {
  ({ svc, sim } = await startProgramsService());
});
afterAll(async () => {
  await svc?.stop();
});

const employ = (workerId: number, date = '2026-01-05') =>
  appendEmploymentEvent(
    db().pool,
    { workerId, status: 'EMPLOYED_LOCAL', employer: '县城建材厂', effectiveDate: date },
    { source: 'IMPORT', channel: 'IMPORT' },
  );
const lose = (workerId: number, date = '2026-02-01') =>
  appendEmploymentEvent(db().pool, { workerId, status: 'UNEMPLOYED', effectiveDate: date }, { source: 'STAFF', channel: 'API' });

const spells = (householdId: number) =>
  db().prisma.zeroEmploymentSpell.findMany({ where: { householdId }, orderBy: { id: 'asc' } });

describe('zero-employment spells', () => {
  it('open when the last employed member loses the job, close when someone reports a job; the plan stops', async () => {
    const phone = '+8613800150001';
    const { worker: a, household } = await seedWorker(db(), { phone });
    const b = await addHouseholdWorker(db(), household.id, { phone: '+8613800150002' });
    await employ(a.id);
    await employ(b.id);
    await lose(a.id);
    expect(await spells(household.id)).toHaveLength(0); // b still works

    await lose(b.id);
    const h = await db().prisma.household.findUniqueOrThrow({ where: { id: household.id } });
    expect(h.zeroEmployment).toBe(true);
    const [spell] = await spells(household.id);
    expect(spell).toMatchObject({
      stage: 'LEADS_SMS',
      clearedAt: null,
      enteredAt: h.zeroEmploymentSince,
      villageId: household.villageId,
      townshipId: household.townshipId,
      countyId: household.countyId,
      provinceId: household.provinceId,
    });
    expect(spell!.nextStepAt!.getTime()).toBeLessThanOrEqual(Date.now());

    // A staff task from a finished plan is closed with the spell.
    const task = await db().prisma.staffTask.create({
      data: { kind: 'zero_employment_follow_up', regionId: household.countyId, householdId: household.id, title: 't' },
    });
    await db().prisma.zeroEmploymentSpell.update({ where: { id: spell!.id }, data: { staffTaskId: task.id } });

    // Worker a reports a new job by SMS (the status-report conversation).
    const replies = await smsScript(sim, phone, ['状态', '1', '榆林某物流公司', '2', '榆林市', '2', '3', '今天', '1']);
    expect(replies.at(-1)).toContain('已记录');
    const after = await spells(household.id);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ stage: 'STOPPED', nextStepAt: null });
    expect(after[0]!.clearedAt).not.toBeNull();
    expect(await db().prisma.staffTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: 'CANCELLED' });

    // No further messages for this household, whenever the routine runs.
    const before = sim.messages({ to: phone, direction: 'outbound-api' }).length;
    const run = await runZeroEmploymentSteps(planDeps(svc), {
      now: new Date(Date.now() + 30 * DAY),
      countyId: household.countyId,
    });
    expect(run.steps.filter((s) => s.householdId === household.id)).toEqual([]);
    await settled(svc);
    expect(sim.messages({ to: phone, direction: 'outbound-api' }).length).toBe(before);

    // Losing the job again opens a new spell; the old one stays as history.
    await lose(a.id, '2026-12-01');
    const again = await spells(household.id);
    expect(again.map((s) => s.stage)).toEqual(['STOPPED', 'LEADS_SMS']);
    const state = await zeroEmploymentPlanState(db().pool, household.id);
    expect(state?.spells.map((s) => s.id)).toEqual([again[1]!.id, again[0]!.id]);
  });

  it('the plan steps in order: leads by SMS, a call, the family, a staff task with a deadline; once per step', async () => {
    const phone = '+8613800150101';
    const familyPhone = '+8613900150101';
    const { worker, household, county } = await seedWorker(db(), { phone, name: '赵六' });
    const elderly = await addHouseholdWorker(db(), household.id, { phone: '+8613800150102', birthYear: 1940 });
    await seedFamily(db(), worker.id, familyPhone, true);
    await db().prisma.jobLead.create({
      data: { regionId: county.id, title: '包装工', employer: '绥德县食品厂', place: '绥德县', wageMin: 3000, wageMax: 3500 },
    });
    await employ(worker.id);
    await lose(worker.id);
    const [spell] = await spells(household.id);
    expect(spell?.stage).toBe('LEADS_SMS');

    const t0 = new Date(Date.now() + 1000);
    const deps = planDeps(svc);
    // Two runs at once take the step once.
    const [r1, r2] = await Promise.all([
      runZeroEmploymentSteps(deps, { now: t0, countyId: county.id }),
      runZeroEmploymentSteps(deps, { now: t0, countyId: county.id }),
    ]);
    const mine = [...r1.steps, ...r2.steps].filter((s) => s.spellId === spell!.id);
    expect(mine.map((s) => s.stage)).toEqual(['LEADS_SMS']);
    await expect.poll(() => sim.messages({ to: phone, direction: 'outbound-api' }).length, { timeout: 10_000 }).toBe(1);
    const leadsSms = sim.messages({ to: phone, direction: 'outbound-api' })[0]!.body;
    expect(leadsSms).toContain('包装工，绥德县食品厂，绥德县，月薪3000-3500元');
    expect(leadsSms).toContain('找工作');
    // The 86-year-old member is not of working age: no message.
    expect(sim.messages({ to: '+8613800150102', direction: 'outbound-api' })).toHaveLength(0);
    expect(elderly.id).toBeGreaterThan(0);

    // Once the SMS is out, the leads in it count as service contacts (帮扶记录); not before.
    expect(await db().prisma.serviceContact.count({ where: { workerId: worker.id } })).toBe(0);
    await expect
      .poll(
        async () => (await db().prisma.outboundMessage.findFirst({ where: { workerId: worker.id, channel: 'SMS' } }))?.status,
        {
          timeout: 10_000,
        },
      )
      .toMatch(/SENT|DELIVERED/);
    // Not due yet: no step a day later, but the contact is recorded.
    const early = await runZeroEmploymentSteps(deps, { now: new Date(t0.getTime() + DAY), countyId: county.id });
    expect(early.steps.filter((s) => s.spellId === spell!.id)).toEqual([]);
    expect(early.contactsRecorded).toBeGreaterThanOrEqual(1); // other households of the county may have had leads too
    const contacts = await db().prisma.serviceContact.findMany({ where: { workerId: worker.id } });
    expect(contacts.map((c) => [c.kind, c.channel, c.householdId])).toEqual([['JOB_LEAD', 'SMS', household.id]]);
    expect(contacts[0]!.outboundMessageId).not.toBeNull();

    const t1 = new Date(t0.getTime() + 3 * DAY);
    const r3 = await runZeroEmploymentSteps(deps, { now: t1, countyId: county.id });
    expect(await db().prisma.serviceContact.count({ where: { workerId: worker.id } })).toBe(1);
    expect(r3.steps.filter((s) => s.spellId === spell!.id).map((s) => s.stage)).toEqual(['CALL']);
    await expect.poll(() => sim.calls().filter((c) => c.to === phone).length, { timeout: 10_000 }).toBe(1);
    const call = await sim.answerCall(sim.calls().find((c) => c.to === phone)!.sid, []);
    expect(call.says.join('')).toContain('您家现在没有人就业');
    // Running again takes no step twice and records nothing twice.
    const again = await runZeroEmploymentSteps(deps, { now: t1, countyId: county.id });
    expect(again.steps.filter((s) => s.spellId === spell!.id)).toEqual([]);
    expect(await db().prisma.serviceContact.count({ where: { workerId: worker.id } })).toBe(1);

    const t2 = new Date(t1.getTime() + 3 * DAY);
    const r4 = await runZeroEmploymentSteps(deps, { now: t2, countyId: county.id });
    expect(r4.steps.filter((s) => s.spellId === spell!.id).map((s) => s.stage)).toEqual(['FAMILY']);
    await expect.poll(() => sim.messages({ to: familyPhone, direction: 'outbound-api' }).length, { timeout: 10_000 }).toBe(1);
    expect(sim.messages({ to: familyPhone, direction: 'outbound-api' })[0]!.body).toContain('赵六家现在没有人就业');

    const t3 = new Date(t2.getTime() + 3 * DAY);
    const r5 = await runZeroEmploymentSteps(deps, { now: t3, countyId: county.id });
    expect(r5.steps.filter((s) => s.spellId === spell!.id).map((s) => s.stage)).toEqual(['STAFF_TASK']);
    const done = await db().prisma.zeroEmploymentSpell.findUniqueOrThrow({ where: { id: spell!.id } });
    expect(done).toMatchObject({ stage: 'DONE', nextStepAt: null });
    const task = await db().prisma.staffTask.findUniqueOrThrow({ where: { id: done.staffTaskId! } });
    expect(task).toMatchObject({
      kind: 'zero_employment_follow_up',
      regionId: household.villageId,
      householdId: household.id,
      status: 'OPEN',
    });
    expect(task.dueAt?.getTime()).toBe(t3.getTime() + 7 * DAY);
    const history = done.history as Array<{ stage?: string; event?: string }>;
    expect(history.map((e) => e.stage ?? e.event)).toEqual(['entered', 'LEADS_SMS', 'CALL', 'FAMILY', 'STAFF_TASK']);

    const later = await runZeroEmploymentSteps(deps, { now: new Date(t3.getTime() + 30 * DAY), countyId: county.id });
    expect(later.steps.filter((s) => s.spellId === spell!.id)).toEqual([]);
  });

  it('respects opt-outs: a step with nobody to reach is recorded and the plan moves on', async () => {
    const phone = '+8613800150201';
    const { worker, household, county } = await seedWorker(db(), { phone });
    await recordOptOut(db().pool, { channel: 'SMS', address: phone, workerId: worker.id, source: 'keyword' });
    await employ(worker.id);
    await lose(worker.id);
    const [spell] = await spells(household.id);
    const r = await runZeroEmploymentSteps(planDeps(svc), { now: new Date(Date.now() + 1000), countyId: county.id });
    const mine = r.steps.filter((s) => s.spellId === spell!.id);
    // LEADS_SMS skipped (opted out of SMS), then at once the call (voice is not opted out), then it waits.
    expect(mine.map((s) => s.stage)).toEqual(['LEADS_SMS', 'CALL']);
    expect(mine[0]!.skipped).toEqual([{ workerId: worker.id, reason: 'opted_out' }]);
    expect(await db().prisma.outboundMessage.count({ where: { workerId: worker.id, channel: 'SMS' } })).toBe(0);
    expect(await db().prisma.outboundMessage.count({ where: { workerId: worker.id, channel: 'VOICE' } })).toBe(1);
  });

  it('the routines are scheduled in China time', async () => {
    const schedulers = await svc.running.container.queues.programs.getJobSchedulers();
    const byName = Object.fromEntries(schedulers.map((s) => [s.name, s]));
    for (const [routine, { pattern }] of Object.entries(ROUTINES)) {
      expect(byName[routine]).toMatchObject({ pattern, tz: 'Asia/Shanghai' });
    }
    expect(ROUTINES['training-list-publish'].pattern).toBe('0 8 1 * *');
  });
});
