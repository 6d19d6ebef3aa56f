/**
 * The task list over HTTP: filters (mine, unassigned, kind, region, due), the follow-up plan's
 * deadlines marked overdue, assignment only to staff who see the task, and closing a household's
 * task with the member who was called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import type { TestService } from '../helpers/service.js';
import { call, DANFENG, HANYIN, items, sms, startStaffService, tokenFor, workerIdByPhone, ZHANG } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let county: string;
const db = () => svc.running.container.db;

/** A zero-employment follow-up task like the plan's last step makes, due `dueInDays` from now. */
async function followUpTask(householdCode: string, dueInDays: number) {
  const h = await db().prisma.household.findUniqueOrThrow({ where: { code: householdCode } });
  return db().prisma.staffTask.create({
    data: {
      kind: 'zero_employment_follow_up',
      regionId: h.villageId,
      householdId: h.id,
      title: `零就业户 ${householdCode} 跟进`,
      dueAt: new Date(Date.now() + dueInDays * 86_400_000),
    },
  });
}

beforeAll(async () => {
  ({ svc, sim } = await startStaffService());
  county = await tokenFor(svc, HANYIN, 'OPERATOR', 'op-county');
});
afterAll(async () => {
  await svc?.stop();
});

describe('tasks', () => {
  it('filters by assignment, kind, region and deadline; overdue ones are marked', async () => {
    await sms(sim, ZHANG.phone, '转人工');
    const late = await followUpTask('6109211002010002', -2);
    const soon = await followUpTask('6109211002010003', 3);
    const open = await items(svc, county, '/api/v1/tasks?status=OPEN');
    expect(open.find((t) => t.id === late.id)).toMatchObject({
      overdue: true,
      household: { code: '6109211002010002' },
      worker: null,
    });
    expect(open.find((t) => t.id === soon.id)).toMatchObject({ overdue: false });
    expect((await items(svc, county, '/api/v1/tasks?due=overdue')).map((t) => t.id)).toEqual([late.id]);
    expect((await items(svc, county, '/api/v1/tasks?due=week')).map((t) => t.id).sort()).toEqual([late.id, soon.id].sort());
    expect((await items(svc, county, '/api/v1/tasks?kind=human_help')).every((t) => t.kind === 'human_help')).toBe(true);
    expect((await items(svc, county, '/api/v1/tasks?regionCode=610921101')).length).toBe(0);
    expect((await call(svc, 'GET', `/api/v1/tasks?regionCode=${DANFENG}`, { token: county })).status).toBe(403);
    expect((await items(svc, county, '/api/v1/tasks?assigned=me')).length).toBe(0);

    const page = await call(svc, 'GET', '/api/v1/tasks?limit=1', { token: county });
    expect(page.body.items).toHaveLength(1);
    const next = await call(svc, 'GET', `/api/v1/tasks?limit=1&cursor=${page.body.nextCursor}`, { token: county });
    expect(next.body.items[0].id).toBeLessThan(page.body.items[0].id);
  });

  it('assigns only to active staff who see the task’s region; a VIEWER may not assign; unassign gives it back', async () => {
    const task = await followUpTask('6109211002010002', 5);
    const township = '610921100';
    const other = '610921101';
    await tokenFor(svc, township, 'OPERATOR', 'op-chengguan');
    await tokenFor(svc, other, 'OPERATOR', 'op-other-town');
    const ok = await call(svc, 'POST', `/api/v1/tasks/${task.id}/assign`, { token: county, json: { assignee: 'op-chengguan' } });
    expect(ok.status).toBe(200);
    expect(ok.body.assignee.username).toBe('op-chengguan');
    const blind = await call(svc, 'POST', `/api/v1/tasks/${task.id}/assign`, {
      token: county,
      json: { assignee: 'op-other-town' },
    });
    expect(blind.status).toBe(400);
    expect(blind.body.message).toContain('cannot see tasks of region 610921100201');
    const nobody = await call(svc, 'POST', `/api/v1/tasks/${task.id}/assign`, {
      token: county,
      json: { assignee: 'no-such-user' },
    });
    expect(nobody.status).toBe(400);
    const both = await call(svc, 'POST', `/api/v1/tasks/${task.id}/assign`, {
      token: county,
      json: { assignee: 'me', assigneeId: 1 },
    });
    expect(both.status).toBe(400);
    const viewer = await tokenFor(svc, HANYIN, 'VIEWER');
    expect((await call(svc, 'POST', `/api/v1/tasks/${task.id}/assign`, { token: viewer, json: { assignee: 'me' } })).status).toBe(
      403,
    );
    const back = await call(svc, 'POST', `/api/v1/tasks/${task.id}/assign`, { token: county, json: { assigneeId: null } });
    expect(back.body.assignee).toBeNull();
  });

  it('a household’s task closed after a call names the member called, who gets the service', async () => {
    const task = await followUpTask('6109211002010002', 5);
    const member = await workerIdByPhone(svc, '+8613891504567');
    const noWorker = await call(svc, 'POST', `/api/v1/tasks/${task.id}/close`, {
      token: county,
      json: { outcome: '已电话联系', called: true },
    });
    expect(noWorker.status).toBe(400);
    expect(noWorker.body.message).toContain('body/workerId');
    const stranger = await workerIdByPhone(svc, ZHANG.phone);
    expect(
      (
        await call(svc, 'POST', `/api/v1/tasks/${task.id}/close`, {
          token: county,
          json: { outcome: 'x', called: true, workerId: stranger },
        })
      ).status,
    ).toBe(400);
    const closed = await call(svc, 'POST', `/api/v1/tasks/${task.id}/close`, {
      token: county,
      json: { outcome: '已电话联系户主，推荐公益性岗位', called: true, workerId: member, calledAt: '2026-11-29T09:30:00+08:00' },
    });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const contact = await db().prisma.serviceContact.findUniqueOrThrow({ where: { id: BigInt(closed.body.serviceContactId) } });
    expect(contact).toMatchObject({ kind: 'STAFF_CALL', workerId: member, note: '已电话联系户主，推荐公益性岗位' });
    expect(contact.occurredAt.toISOString()).toBe('2026-11-29T01:30:00.000Z');

    const cancelled = await followUpTask('6109211002010003', 5);
    const c = await call(svc, 'POST', `/api/v1/tasks/${cancelled.id}/close`, {
      token: county,
      json: { outcome: '重复任务', status: 'CANCELLED' },
    });
    expect(c.body).toMatchObject({ status: 'CANCELLED', serviceContactId: null });
    expect(
      (await call(svc, 'POST', `/api/v1/tasks/${cancelled.id}/assign`, { token: county, json: { assignee: 'me' } })).status,
    ).toBe(409);
  });
});
