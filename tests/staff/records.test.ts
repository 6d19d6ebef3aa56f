/**
 * Staff corrections over HTTP: a worker's record, staff-entered statuses, verification, family
 * contacts, services, the conversation log, and the inbox of unknown senders. Each write is scoped,
 * refused to a VIEWER, audited, and bad input is a 4xx naming the field.
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
let county: string;
let township: string;
let viewer: string;
let danfeng: string;
const db = () => svc.running.container.db;

beforeAll(async () => {
  ({ svc, sim } = await startStaffService());
  county = await tokenFor(svc, HANYIN, 'OPERATOR', 'op-county');
  township = await tokenFor(svc, '610921100', 'OPERATOR', 'op-township');
  viewer = await tokenFor(svc, HANYIN, 'VIEWER', 'viewer-county');
  danfeng = await tokenFor(svc, DANFENG, 'OPERATOR', 'op-danfeng');
});
afterAll(async () => {
  await svc?.stop();
});

describe('a worker’s record', () => {
  it('PATCH corrects fields, normalises the phone, follows labour into the household counts, and is audited', async () => {
    const id = await workerIdByPhone(svc, '+8613891504567');
    const before = await db().prisma.worker.findUniqueOrThrow({ where: { id }, include: { household: true } });
    const r = await call(svc, 'PATCH', `/api/v1/workers/${id}`, {
      token: county,
      json: {
        phone: '138-9150-4568',
        laborCapacity: 'NONE',
        skills: ['种植', ' 养殖 ', '种植'],
        willingToWorkAway: null,
        countyConfirmed: true,
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // 王建国 was 普通劳动力, not willing to go away, confirmed by the county already.
    expect(r.body.changed.sort()).toEqual(['laborCapacity', 'phone', 'skills', 'willingToWorkAway']);
    expect(r.body).toMatchObject({ phone: '+86*******4568', laborCapacity: 'NONE', skills: ['种植', '养殖'] });
    const after = await db().prisma.worker.findUniqueOrThrow({ where: { id }, include: { household: true } });
    expect(after.phone).toBe('+8613891504568');
    expect(before.laborCapacity).toBe('FULL');
    expect(after.household.laborCount).toBe(before.household.laborCount - 1);
    const audit = await db().prisma.auditLog.findFirstOrThrow({ where: { action: 'worker.update', entityId: String(id) } });
    expect(JSON.stringify(audit.details)).not.toContain('13891504568');
    expect(audit.details).toMatchObject({ phone: { to: '+86*******4568' }, laborCapacity: { to: 'NONE' } });
    // Put the number back for the other tests.
    await call(svc, 'PATCH', `/api/v1/workers/${id}`, {
      token: county,
      json: { phone: '13891504567', laborCapacity: before.laborCapacity },
    });
  });

  it('refuses a bad phone (400 naming it), a township confirming workers (403), a VIEWER (403), another county (404)', async () => {
    const id = await workerIdByPhone(svc, ZHANG.phone);
    const bad = await call(svc, 'PATCH', `/api/v1/workers/${id}`, { token: county, json: { phone: '12345' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('body/phone');
    expect(
      (await call(svc, 'PATCH', `/api/v1/workers/${id}`, { token: township, json: { countyConfirmed: false } })).status,
    ).toBe(403);
    expect((await call(svc, 'PATCH', `/api/v1/workers/${id}`, { token: township, json: { needsVoice: true } })).status).toBe(200);
    expect((await call(svc, 'PATCH', `/api/v1/workers/${id}`, { token: viewer, json: { needsVoice: false } })).status).toBe(403);
    expect((await call(svc, 'PATCH', `/api/v1/workers/${id}`, { token: danfeng, json: { needsVoice: false } })).status).toBe(404);
    expect((await call(svc, 'PATCH', `/api/v1/workers/${id}`, { token: county, json: { nickname: 'x' } })).status).toBe(400);
    await call(svc, 'PATCH', `/api/v1/workers/${id}`, { token: county, json: { needsVoice: false } });
  });

  it('a staff-entered status carries its provenance, becomes current, and can be verified once', async () => {
    const id = await workerIdByPhone(svc, '+8613891504567');
    const r = await call(svc, 'POST', `/api/v1/workers/${id}/events`, {
      token: township,
      json: {
        status: 'EMPLOYED_LOCAL',
        effectiveDate: '2026-11-20',
        employer: '汉阴县新社区工厂',
        place: '汉阴县',
        monthlyWage: 2600,
        insured: true,
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.worker.currentStatus).toBe('EMPLOYED_LOCAL');
    expect(r.body.worker.currentEvent).toMatchObject({
      id: r.body.eventId,
      source: 'STAFF',
      channel: 'API',
      reportedBy: 'op-township',
      insured: true,
      monthlyWage: 2600,
      verifiedBy: null,
    });
    const verified = await call(svc, 'POST', `/api/v1/workers/${id}/events/${r.body.eventId}/verify`, { token: county });
    expect(verified.status).toBe(200);
    expect(verified.body.currentEvent).toMatchObject({ verifiedBy: 'op-county' });
    expect((await call(svc, 'POST', `/api/v1/workers/${id}/events/${r.body.eventId}/verify`, { token: county })).status).toBe(
      409,
    );

    const unwilling = await call(svc, 'POST', `/api/v1/workers/${id}/events`, {
      token: county,
      json: { status: 'TEMPORARILY_UNWILLING', effectiveDate: '2026-11-20' },
    });
    expect(unwilling.status).toBe(422);
    expect(unwilling.body.message).toContain('/api/v1/programs/unwilling');
    for (const effectiveDate of ['2999-01-01', '2026-02-30', '1999-12-31']) {
      const r2 = await call(svc, 'POST', `/api/v1/workers/${id}/events`, {
        token: county,
        json: { status: 'UNEMPLOYED', effectiveDate },
      });
      expect(r2.status, effectiveDate).toBe(400);
      expect(r2.body.message).toContain('effectiveDate');
    }
  });

  it('family contacts: add (duplicate 409, own number 400), change (a new number is unverified), remove (no longer known)', async () => {
    const id = await workerIdByPhone(svc, ZHANG.phone);
    const phone = '+8613700139701';
    const added = await call(svc, 'POST', `/api/v1/workers/${id}/family-contacts`, {
      token: county,
      json: { name: '张小芳', relation: 'CHILD', phone: '13700139701', verified: true },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ verified: true, phone: '+86*******9701' });
    expect(
      (
        await call(svc, 'POST', `/api/v1/workers/${id}/family-contacts`, {
          token: county,
          json: { name: 'x', relation: 'OTHER', phone },
        })
      ).status,
    ).toBe(409);
    const own = await call(svc, 'POST', `/api/v1/workers/${id}/family-contacts`, {
      token: county,
      json: { name: 'x', relation: 'OTHER', phone: ZHANG.phone },
    });
    expect(own.status).toBe(400);

    const moved = await call(svc, 'PATCH', `/api/v1/workers/${id}/family-contacts/${added.body.id}`, {
      token: county,
      json: { phone: '13700139702' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ verified: false, phone: '+86*******9702' });
    // Another county cannot touch it.
    expect((await call(svc, 'DELETE', `/api/v1/workers/${id}/family-contacts/${added.body.id}`, { token: danfeng })).status).toBe(
      404,
    );

    // The registered family number is recognised, until the contact is removed.
    expect(await sms(sim, '+8613700139702', '帮助')).not.toContain('尚未');
    expect((await call(svc, 'DELETE', `/api/v1/workers/${id}/family-contacts/${added.body.id}`, { token: county })).status).toBe(
      204,
    );
    expect((await call(svc, 'DELETE', `/api/v1/workers/${id}/family-contacts/${added.body.id}`, { token: county })).status).toBe(
      404,
    );
    const file = (await call(svc, 'GET', `/api/v1/workers/${id}`, { token: county })).body;
    expect(file.familyContacts.map((f: { id: number }) => f.id)).not.toContain(added.body.id);
    await textAndWait(svc, sim, '+8613700139702', '你好');
    const last = await db().prisma.inboundMessage.findFirstOrThrow({
      where: { fromAddress: '+8613700139702' },
      orderBy: { id: 'desc' },
    });
    expect(last.familyContactId).toBeNull();
  });

  it('services staff record count toward the quota at once; a VIEWER cannot record one; a time in the future is refused', async () => {
    const id = await workerIdByPhone(svc, '+8613891502345');
    const before = (await call(svc, 'GET', '/api/v1/reports/quota-shortfalls?limit=1000', { token: county })).body.items.length;
    const r = await call(svc, 'POST', `/api/v1/workers/${id}/service-contacts`, {
      token: county,
      json: { kind: 'STAFF_VISIT', occurredAt: '2026-11-29T10:00:00+08:00', note: '入户走访' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.worker.serviceContacts[0]).toMatchObject({ kind: 'STAFF_VISIT', staffUser: 'op-county', note: '入户走访' });
    const after = (await call(svc, 'GET', '/api/v1/reports/quota-shortfalls?limit=1000', { token: county })).body.items.length;
    expect(after).toBeLessThanOrEqual(before);
    expect(
      (await call(svc, 'POST', `/api/v1/workers/${id}/service-contacts`, { token: viewer, json: { kind: 'STAFF_CALL' } })).status,
    ).toBe(403);
    const future = await call(svc, 'POST', `/api/v1/workers/${id}/service-contacts`, {
      token: county,
      json: { kind: 'STAFF_CALL', occurredAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(future.status).toBe(400);
    expect(future.body.message).toContain('occurredAt');
    expect(
      (await call(svc, 'POST', `/api/v1/workers/${id}/service-contacts`, { token: county, json: { kind: 'POLICY_NOTICE' } }))
        .status,
    ).toBe(400);
  });

  it('the conversation log pages newest first without losing or repeating a line', async () => {
    const id = await workerIdByPhone(svc, ZHANG.phone);
    for (const text of ['状态', '4', '帮助']) await sms(sim, ZHANG.phone, text);
    const all = await items(svc, county, `/api/v1/workers/${id}/messages?limit=200`);
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(String(all[0]!.at) >= String(all[1]!.at)).toBe(true);
    expect(all.some((m) => m.direction === 'in' && m.text === '状态')).toBe(true);
    expect(all.find((m) => m.direction === 'out')).toMatchObject({ kind: 'REPLY' });
    const paged: Array<{ direction: string; id: string }> = [];
    let cursor: string | null = null;
    do {
      const r = await call(svc, 'GET', `/api/v1/workers/${id}/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: county,
      });
      expect(r.status).toBe(200);
      paged.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    // Delivery statuses may move meanwhile: compare which lines came, in which order.
    const key = (m: { id: unknown; [k: string]: unknown }) => `${m.direction}${m.id}`;
    expect(paged.map(key)).toEqual(all.map(key));
    expect((await call(svc, 'GET', `/api/v1/workers/${id}/messages?cursor=abc`, { token: county })).status).toBe(400);
    expect((await call(svc, 'GET', `/api/v1/workers/${id}/messages`, { token: danfeng })).status).toBe(404);
  });
});

describe('the inbox', () => {
  it('lists unknown senders masked; registering one to a worker attaches their messages and greets them', async () => {
    const stranger = '+8613600139801';
    await textAndWait(svc, sim, stranger, '我是王建国的儿子王磊，想登记');
    await textAndWait(svc, sim, stranger, '我在西安打工');
    const inbox = await items(svc, viewer, '/api/v1/inbox');
    const entry = inbox.find((e) => e.from === '+86*******9801')!;
    expect(entry).toMatchObject({ channel: 'SMS', messages: 2, texts: ['我在西安打工', '我是王建国的儿子王磊，想登记'] });
    expect(JSON.stringify(inbox)).not.toContain('13600139801');

    // A worker of the county, a new number: register it as the worker's own.
    const workerId = await workerIdByPhone(svc, '+8613891502345');
    await db().prisma.worker.update({ where: { id: workerId }, data: { phone: null } });
    expect(
      (await call(svc, 'POST', `/api/v1/inbox/${entry.id}/register`, { token: viewer, json: { as: 'worker', workerId } })).status,
    ).toBe(403);
    expect(
      (await call(svc, 'POST', `/api/v1/inbox/${entry.id}/register`, { token: danfeng, json: { as: 'worker', workerId } }))
        .status,
    ).toBe(404);
    const before = sim.messages({ to: stranger, direction: 'outbound-api' }).length;
    const r = await call(svc, 'POST', `/api/v1/inbox/${entry.id}/register`, { token: county, json: { as: 'worker', workerId } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ workerId, familyContactId: null, messages: 2, greeted: true });
    await expect
      .poll(() => sim.messages({ to: stranger, direction: 'outbound-api' }).length, { timeout: 10_000 })
      .toBe(before + 1);
    expect(sim.messages({ to: stranger, direction: 'outbound-api' }).at(-1)!.body).toContain('已登记');
    const log = await items(svc, county, `/api/v1/workers/${workerId}/messages`);
    expect(log.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual(
      expect.arrayContaining(['我在西安打工', '我是王建国的儿子王磊，想登记']),
    );
    expect((await items(svc, county, '/api/v1/inbox')).some((e) => e.from === '+86*******9801')).toBe(false);
    expect(
      (await call(svc, 'POST', `/api/v1/inbox/${entry.id}/register`, { token: county, json: { as: 'worker', workerId } })).status,
    ).toBe(409);
  });

  it('registers a number as a family contact, and refuses to overwrite a worker’s number unless asked', async () => {
    const relative = '+8613600139802';
    await textAndWait(svc, sim, relative, '我是张伟的母亲');
    const entry = (await items(svc, county, '/api/v1/inbox')).find((e) => e.from === '+86*******9802')!;
    const zhangWei = await workerIdByPhone(svc, '+8613991543456');
    const asWorker = await call(svc, 'POST', `/api/v1/inbox/${entry.id}/register`, {
      token: county,
      json: { as: 'worker', workerId: zhangWei },
    });
    expect(asWorker.status).toBe(409);
    expect(asWorker.body.error).toBe('has_phone');
    const r = await call(svc, 'POST', `/api/v1/inbox/${entry.id}/register`, {
      token: county,
      json: { as: 'family', workerId: zhangWei, name: '刘桂花', relation: 'PARENT' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ messages: 1, greeted: false });
    const contact = await db().prisma.familyContact.findUniqueOrThrow({ where: { id: r.body.familyContactId } });
    expect(contact).toMatchObject({ workerId: zhangWei, phone: relative, relation: 'PARENT', verified: false });
    const bad = await call(svc, 'POST', `/api/v1/inbox/${entry.id}/register`, {
      token: county,
      json: { as: 'family', workerId: zhangWei },
    });
    expect(bad.status).toBe(400);
  });
});
