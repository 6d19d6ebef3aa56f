/**
 * The staff loops end to end on the simulators, over real HTTP: what a worker or family member
 * says reaches a person, staff act on it, and what they do lands in the ledger and its reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import type { TestService } from '../helpers/service.js';
import {
  call,
  DANFENG,
  HANYIN,
  items,
  sms,
  startStaffService,
  textAndWait,
  tokenFor,
  workerIdByPhone,
  ZHANG,
} from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let operator: string;
let admin: string;
let danfeng: string;
const db = () => svc.running.container.db;
const lastTo = async (phone: string, count: number) => {
  await expect.poll(() => sim.messages({ to: phone, direction: 'outbound-api' }).length, { timeout: 10_000 }).toBe(count);
  return sim.messages({ to: phone, direction: 'outbound-api' })[count - 1]!.body;
};

beforeAll(async () => {
  ({ svc, sim } = await startStaffService());
  operator = await tokenFor(svc, HANYIN, 'OPERATOR', 'op-hanyin');
  admin = await tokenFor(svc, HANYIN, 'ADMIN', 'admin-hanyin');
  danfeng = await tokenFor(svc, DANFENG, 'ADMIN', 'admin-danfeng');
});
afterAll(async () => {
  await svc?.stop();
});

describe('a worker asks for a person', () => {
  it('转人工 → a task for their village → assigned, called, closed → a staff call counted in the quota report', async () => {
    const workerId = await workerIdByPhone(svc, ZHANG.phone);
    const village = '610921100201';
    const quota = async () => (await call(svc, 'GET', `/api/v1/reports/quota?region=${village}`, { token: operator })).body.total;
    const before = await quota();

    expect(await sms(sim, ZHANG.phone, '转人工')).toContain('转人工');
    const open = await items(svc, operator, '/api/v1/tasks?status=OPEN&assigned=none');
    const task = open.find((t) => (t.worker as { id: number } | null)?.id === workerId)!;
    expect(task).toMatchObject({ kind: 'human_help', status: 'OPEN', region: { code: village }, assignee: null, overdue: false });
    expect((task.worker as { phone: string }).phone).toMatch(/^\+86\*+1234$/);

    // The village's own staff see it; another county does not.
    const villageToken = await tokenFor(svc, village, 'OPERATOR', 'op-wuyi');
    expect((await items(svc, villageToken, '/api/v1/tasks?status=OPEN')).map((t) => t.id)).toContain(task.id);
    expect((await call(svc, 'GET', `/api/v1/tasks/${task.id}`, { token: danfeng })).status).toBe(404);
    expect(
      (await call(svc, 'POST', `/api/v1/tasks/${task.id}/assign`, { token: danfeng, json: { assignee: 'me' } })).status,
    ).toBe(404);

    const assigned = await call(svc, 'POST', `/api/v1/tasks/${task.id}/assign`, { token: operator, json: { assignee: 'me' } });
    expect(assigned.status).toBe(200);
    expect(assigned.body.assignee.username).toBe('op-hanyin');
    expect((await items(svc, operator, '/api/v1/tasks?assigned=me')).map((t) => t.id)).toContain(task.id);

    const closed = await call(svc, 'POST', `/api/v1/tasks/${task.id}/close`, {
      token: operator,
      json: { outcome: '电话联系本人，已推荐县内岗位', called: true },
    });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'DONE',
      outcome: '电话联系本人，已推荐县内岗位',
      closedBy: { username: 'op-hanyin' },
    });
    expect(closed.body.serviceContactId).toMatch(/^\d+$/);
    expect(
      (await call(svc, 'POST', `/api/v1/tasks/${task.id}/close`, { token: operator, json: { outcome: '再次' } })).status,
    ).toBe(409);

    const file = (await call(svc, 'GET', `/api/v1/workers/${workerId}`, { token: operator })).body;
    expect(file.serviceContacts[0]).toMatchObject({
      kind: 'STAFF_CALL',
      staffUser: 'op-hanyin',
      note: '电话联系本人，已推荐县内岗位',
      channel: 'API',
    });
    const after = await quota();
    // 张德明 is employed and willing: he had no service before this call.
    expect(after.workersMet).toBe(before.workersMet + 1);

    const audit = await items(svc, admin, `/api/v1/audit?entity=StaffTask&entityId=${task.id}`);
    expect(audit.map((a) => a.action)).toEqual(['task.close', 'task.assign']);
    expect(audit[0]!.staffUser).toMatchObject({ username: 'op-hanyin' });
  });
});

describe('family and remote confirmations (Annex 1)', () => {
  it('a family member confirms by SMS, staff approve, and the temporarily-unwilling record is accepted', async () => {
    const workerId = await workerIdByPhone(svc, '+8613891504567'); // 王建国, 未就业
    const familyPhone = '+8613700139501';
    const contact = await call(svc, 'POST', `/api/v1/workers/${workerId}/family-contacts`, {
      token: operator,
      json: { name: '王小红', relation: 'CHILD', phone: '137 0013 9501', verified: true },
    });
    expect(contact.status).toBe(201);
    expect(contact.body).toMatchObject({ name: '王小红', relation: 'CHILD', verified: true, phone: '+86*******9501' });

    const asked = await call(svc, 'POST', '/api/v1/confirmations', {
      token: operator,
      json: { workerId, kind: 'TEMPORARILY_UNWILLING', statement: '王建国在家照顾老人，暂时不外出务工' },
    });
    expect(asked.status).toBe(201);
    const id = asked.body.id as number;
    expect(asked.body).toMatchObject({
      status: 'REQUESTED',
      confirmerType: 'FAMILY',
      familyContact: { id: contact.body.id },
      requestedBy: { username: 'op-hanyin' },
    });
    expect(await lastTo(familyPhone, 1)).toContain('请为您的家人王建国确认');

    // A stranger answering changes nothing.
    await textAndWait(svc, sim, '+8613700139599', '1');
    expect((await call(svc, 'GET', `/api/v1/confirmations/${id}`, { token: operator })).body.status).toBe('REQUESTED');

    expect(await sms(sim, familyPhone, '1')).toContain('主要原因');
    expect(await sms(sim, familyPhone, '父亲卧病在床需要照顾')).toContain('已记录您的确认');
    const answered = (await call(svc, 'GET', `/api/v1/confirmations/${id}`, { token: operator })).body;
    expect(answered).toMatchObject({
      status: 'CONFIRMED',
      reason: '父亲卧病在床需要照顾',
      verificationMethod: 'REGISTERED_FAMILY_NUMBER',
      confirmerPhone: '+86*******9501',
      channel: 'SMS',
    });
    expect(answered.messages.map((m: { direction: string; text: string }) => [m.direction, m.text.slice(0, 6)])).toEqual([
      ['out', '您好，这里是'],
      ['in', '1'],
      ['out', '请说明王建国'],
      ['in', '父亲卧病在床'],
      ['out', '已记录您的确'],
    ]);
    expect((await items(svc, operator, '/api/v1/confirmations?status=CONFIRMED')).map((c) => c.id)).toContain(id);
    expect((await call(svc, 'GET', `/api/v1/confirmations/${id}`, { token: danfeng })).status).toBe(404);

    // Without three offers or assistance records the record is refused, naming what is missing.
    const early = await call(svc, 'POST', '/api/v1/programs/unwilling', {
      token: operator,
      json: { workerId, reason: '照顾老人', confirmationId: id },
    });
    expect(early.status).toBe(422);
    expect(early.body.missing.map((m: { item: string }) => m.item)).toEqual(['service_contacts']);

    const approved = await call(svc, 'POST', `/api/v1/confirmations/${id}/review`, {
      token: operator,
      json: { decision: 'approve', note: '电话回访核实' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'APPROVED',
      reviewNote: '电话回访核实',
      reviewedBy: { username: 'op-hanyin' },
    });
    expect(
      (await call(svc, 'POST', `/api/v1/confirmations/${id}/review`, { token: operator, json: { decision: 'reject' } })).status,
    ).toBe(409);

    for (const kind of ['STAFF_VISIT', 'JOB_REFERRAL', 'TRAINING_OFFER']) {
      const s = await call(svc, 'POST', `/api/v1/workers/${workerId}/service-contacts`, {
        token: operator,
        json: { kind, note: kind },
      });
      expect(s.status).toBe(201);
    }
    const record = await call(svc, 'POST', '/api/v1/programs/unwilling', {
      token: operator,
      json: { workerId, reason: '照顾卧病的父亲', confirmationId: id },
    });
    expect(record.status, JSON.stringify(record.body)).toBe(201);
    expect(record.body.serviceContacts).toBe(3);
    const file = (await call(svc, 'GET', `/api/v1/workers/${workerId}`, { token: operator })).body;
    expect(file.currentStatus).toBe('TEMPORARILY_UNWILLING');
    expect(file.currentEvent).toMatchObject({ source: 'STAFF', confirmationId: id, reportedBy: 'op-hanyin' });
    expect((await call(svc, 'GET', `/api/v1/confirmations/${id}`, { token: operator })).body.backs).toHaveLength(1);
  });

  it('the worker confirms remotely from their own number (本人远程确认)', async () => {
    const workerId = await workerIdByPhone(svc, ZHANG.phone);
    const before = sim.messages({ to: ZHANG.phone, direction: 'outbound-api' }).length;
    const asked = await call(svc, 'POST', '/api/v1/confirmations', {
      token: operator,
      json: { workerId, kind: 'STATUS', confirmer: 'WORKER', statement: '目前在汉阴县新社区工厂工作' },
    });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ confirmerType: 'WORKER', familyContact: null });
    expect(await lastTo(ZHANG.phone, before + 1)).toContain('请您本人确认：“目前在汉阴县新社区工厂工作”');
    expect(await sms(sim, ZHANG.phone, '1')).toContain('请简单说明您目前的情况');
    expect(await sms(sim, ZHANG.phone, '无')).toContain('已记录您的确认');
    expect((await call(svc, 'GET', `/api/v1/confirmations/${asked.body.id}`, { token: operator })).body).toMatchObject({
      status: 'CONFIRMED',
      confirmerType: 'WORKER',
      verificationMethod: 'REGISTERED_WORKER_NUMBER',
    });
  });

  it('a number that opted out is not asked, and nothing is written', async () => {
    const workerId = await workerIdByPhone(svc, '+8613891502345'); // 李秀兰
    const familyPhone = '+8613700139502';
    await call(svc, 'POST', `/api/v1/workers/${workerId}/family-contacts`, {
      token: operator,
      json: { name: '张小军', relation: 'CHILD', phone: familyPhone },
    });
    await textAndWait(svc, sim, familyPhone, '退订');
    const count = await db().prisma.confirmation.count();
    const r = await call(svc, 'POST', '/api/v1/confirmations', {
      token: operator,
      json: { workerId, kind: 'STATUS', statement: '在城关镇做保洁' },
    });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe('opted_out');
    expect(await db().prisma.confirmation.count()).toBe(count);
    // A worker with no family contact: 422 naming the field; a VIEWER may not ask.
    const viewer = await tokenFor(svc, HANYIN, 'VIEWER');
    expect(
      (await call(svc, 'POST', '/api/v1/confirmations', { token: viewer, json: { workerId, kind: 'STATUS', statement: '在家' } }))
        .status,
    ).toBe(403);
  });

  it('by a recorded call: the recording plays back through the service, never from the provider’s URL', async () => {
    const workerId = await workerIdByPhone(svc, '+8613891504567');
    const familyPhone = '+8613700139501'; // 王小红, registered above
    const asked = await call(svc, 'POST', '/api/v1/confirmations', {
      token: operator,
      json: { workerId, kind: 'STATUS', statement: '王建国在家照顾老人', channel: 'VOICE' },
    });
    expect(asked.status).toBe(201);
    await expect.poll(() => sim.calls().filter((c) => c.to === familyPhone).length, { timeout: 10_000 }).toBe(1);
    const placed = sim.calls().find((c) => c.to === familyPhone)!;
    const played = await sim.answerCall(placed.sid, [{ digits: '1' }, { record: { seconds: 3 } }]);
    expect(played.says.join('')).toContain('已记录您的确认');
    const [recording] = sim.recordings(placed.sid);

    const file = await call(svc, 'GET', `/api/v1/confirmations/${asked.body.id}`, { token: operator });
    expect(file.body).toMatchObject({
      status: 'CONFIRMED',
      channel: 'VOICE',
      callSid: placed.sid,
      recordings: [{ sid: recording!.sid }],
    });
    expect(JSON.stringify(file.body)).not.toContain(sim.url);
    const audio = await fetch(`${svc.url}/api/v1/confirmations/${asked.body.id}/recordings/${recording!.sid}`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/x-wav');
    const bytes = Buffer.from(await audio.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(bytes.length).toBe(44 + 3 * 8000 * 2);
    // Another county, a sid not in the evidence, and no token: nothing plays.
    const other = await fetch(`${svc.url}/api/v1/confirmations/${asked.body.id}/recordings/${recording!.sid}`, {
      headers: { authorization: `Bearer ${danfeng}` },
    });
    expect(other.status).toBe(404);
    expect(
      (await call(svc, 'GET', `/api/v1/confirmations/${asked.body.id}/recordings/RE${'0'.repeat(32)}`, { token: operator }))
        .status,
    ).toBe(404);
    expect((await fetch(`${svc.url}/api/v1/confirmations/${asked.body.id}/recordings/${recording!.sid}`)).status).toBe(401);
  });

  it('a keyword that interrupts a request leaves it INTERRUPTED; one nobody answers expires and its conversation ends', async () => {
    const workerId = await workerIdByPhone(svc, '+8613891504567');
    const familyPhone = '+8613700139501';
    const first = await call(svc, 'POST', '/api/v1/confirmations', {
      token: operator,
      json: { workerId, kind: 'STATUS', statement: '王建国在家务农' },
    });
    expect(first.status).toBe(201);
    await expect
      .poll(() => sim.messages({ to: familyPhone, direction: 'outbound-api' }).at(-1)?.body ?? '')
      .toContain('王建国在家务农');
    expect(await sms(sim, familyPhone, '帮助')).toBeTruthy();
    const interrupted = (await call(svc, 'GET', `/api/v1/confirmations/${first.body.id}`, { token: operator })).body;
    expect(interrupted).toMatchObject({ status: 'INTERRUPTED', interrupted: { conversation: 'COMPLETED' } });

    const second = await call(svc, 'POST', '/api/v1/confirmations', {
      token: operator,
      json: { workerId, kind: 'STATUS', statement: '王建国在家务农' },
    });
    expect(second.status).toBe(201);
    await db().prisma.confirmation.update({ where: { id: second.body.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call(svc, 'GET', `/api/v1/confirmations/${second.body.id}`, { token: operator })).body.status).toBe('EXPIRED');
    expect(await db().prisma.conversationSession.count({ where: { activeKey: `SMS:${familyPhone}` } })).toBe(0);
    // A late answer starts nothing on the expired request.
    expect(await sms(sim, familyPhone, '1')).not.toContain('已记录您的确认');
    expect((await call(svc, 'GET', `/api/v1/confirmations/${second.body.id}`, { token: operator })).body.status).toBe('EXPIRED');
  });
});
