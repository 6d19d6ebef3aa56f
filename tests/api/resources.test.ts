/** Job leads, workers, validation and the OpenAPI document through the staff API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordJobInterest, recordLeadsShown } from '../../src/ledger/job-leads.js';
import type { TestService } from '../helpers/service.js';
import { call, HANYIN, startApiService, tokenFor } from './helpers.js';

let svc: TestService;
let token: string;
const sql = () => svc.running.container.db.pool;

beforeAll(async () => {
  svc = await startApiService();
  token = await tokenFor(svc, HANYIN, 'OPERATOR');
});
afterAll(async () => {
  await svc?.stop();
});

describe('job leads', () => {
  it('create, update and expire are audited; reads carry interest and service-contact counts', async () => {
    const created = await call(svc, 'POST', '/api/v1/job-leads', {
      token,
      json: {
        regionCode: HANYIN,
        title: '电子装配工',
        employer: '苏州某电子厂',
        place: '江苏省苏州市',
        industry: '制造业',
        wageMin: 4500,
        wageMax: 6000,
        slots: 20,
        skills: ['电工'],
        outOfProvince: true,
        partnerCity: '苏州',
        source: '苏陕协作专场',
        expiresAt: '2099-01-01T00:00:00Z',
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    expect(created.body).toMatchObject({
      partnerCity: '苏州',
      outOfProvince: true,
      wageMax: 6000,
      interests: 0,
      serviceContacts: 0,
    });

    const worker = (
      await sql().query<{ id: number }>(
        'SELECT id FROM "Worker" WHERE "countyId" = (SELECT id FROM "Region" WHERE code = $1) LIMIT 1',
        [HANYIN],
      )
    ).rows[0]!.id;
    await recordLeadsShown(sql(), { workerId: worker, jobLeadIds: [id], channel: 'SMS' });
    await recordJobInterest(sql(), { workerId: worker, jobLeadId: id, channel: 'SMS' });

    const updated = await call(svc, 'PATCH', `/api/v1/job-leads/${id}`, { token, json: { slots: 15, wageMin: 5000 } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ slots: 15, wageMin: 5000, title: '电子装配工', interests: 1, serviceContacts: 1 });

    const expired = await call(svc, 'POST', `/api/v1/job-leads/${id}/expire`, { token });
    expect(expired.body.status).toBe('EXPIRED');

    const audit = await sql().query(
      `SELECT a.action, a."entityId", a.details, u.username FROM "AuditLog" a JOIN "StaffUser" u ON u.id = a."staffUserId"
        WHERE a.entity = 'JobLead' AND a."entityId" = $1 ORDER BY a.id`,
      [String(id)],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['job_lead.create', 'job_lead.update', 'job_lead.expire']);
    expect(audit.rows.every((r) => r.username === `operator-${HANYIN}`)).toBe(true);
    expect(audit.rows[1].details).toEqual({ changes: { slots: 15, wageMin: 5000 } });
  });

  it('a lead past its expiresAt reads EXPIRED and lists under that status', async () => {
    const created = await call(svc, 'POST', '/api/v1/job-leads', {
      token,
      json: {
        regionCode: '610921100201',
        title: '保洁员',
        employer: '城关镇',
        place: '五一村',
        expiresAt: '2099-01-01T00:00:00Z',
      },
    });
    expect(created.body.status).toBe('OPEN');
    const id = created.body.id as number;
    await sql().query(`UPDATE "JobLead" SET "expiresAt" = now() - interval '1 hour' WHERE id = $1`, [id]);
    expect((await call(svc, 'GET', `/api/v1/job-leads/${id}`, { token })).body.status).toBe('EXPIRED');
    const open = await call(svc, 'GET', '/api/v1/job-leads?status=OPEN', { token });
    expect(open.body.items.map((l: { id: number }) => l.id)).not.toContain(id);
    const expired = await call(svc, 'GET', '/api/v1/job-leads?status=EXPIRED&regionCode=610921100201', { token });
    expect(expired.body.items.map((l: { id: number }) => l.id)).toEqual([id]);
  });

  it('lists page by cursor', async () => {
    for (const title of ['a', 'b', 'c']) {
      await call(svc, 'POST', '/api/v1/job-leads', {
        token,
        json: { regionCode: '610921101203', title, employer: 'e', place: 'p' },
      });
    }
    const first = await call(svc, 'GET', '/api/v1/job-leads?regionCode=610921101203&limit=2', { token });
    expect(first.body.items.map((l: { title: string }) => l.title)).toEqual(['c', 'b']);
    const second = await call(svc, 'GET', `/api/v1/job-leads?regionCode=610921101203&limit=2&cursor=${first.body.nextCursor}`, {
      token,
    });
    expect(second.body.items.map((l: { title: string }) => l.title)).toEqual(['a']);
    expect(second.body.nextCursor).toBeNull();
  });
});

describe('validation', () => {
  it('answers 400 naming the field', async () => {
    const missing = await call(svc, 'POST', '/api/v1/job-leads', {
      token,
      json: { regionCode: HANYIN, employer: 'e', place: 'p' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('validation_error');
    expect(missing.body.message).toMatch(/body\/title/);

    const wages = await call(svc, 'POST', '/api/v1/job-leads', {
      token,
      json: { regionCode: HANYIN, title: 't', employer: 'e', place: 'p', wageMin: 5000, wageMax: 3000 },
    });
    expect(wages.status).toBe(400);
    expect(wages.body.message).toMatch(/wageMax/);

    const unknownField = await call(svc, 'POST', '/api/v1/job-leads', {
      token,
      json: { regionCode: HANYIN, title: 't', employer: 'e', place: 'p', salary: 1 },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.message).toMatch(/salary/);

    const limit = await call(svc, 'GET', '/api/v1/workers?limit=500', { token });
    expect(limit.status).toBe(400);
    expect(limit.body.message).toMatch(/querystring\/limit/);

    const phone = await call(svc, 'GET', '/api/v1/workers?phone=12345', { token });
    expect(phone.status).toBe(400);
    expect(phone.body.message).toMatch(/phone/);

    const id = await call(svc, 'GET', '/api/v1/workers/abc', { token });
    expect(id.status).toBe(400);
    expect(id.body.message).toMatch(/params\/id/);

    const region = await call(svc, 'POST', '/api/v1/job-leads', {
      token,
      json: { regionCode: 'x1', title: 't', employer: 'e', place: 'p' },
    });
    expect(region.status).toBe(400);
    expect(region.body.message).toMatch(/body\/regionCode/);
  });
});

describe('workers', () => {
  it('searches by name, ID last 4, phone written any way, status and staleness', async () => {
    const byName = await call(svc, 'GET', `/api/v1/workers?name=${encodeURIComponent('张德明')}`, { token });
    expect(byName.body.items).toHaveLength(1);
    const zhang = byName.body.items[0];
    expect(zhang).toMatchObject({ name: '张德明', idLast4: '0115', phone: '+86*******1234', currentStatus: 'EMPLOYED_LOCAL' });
    expect(zhang).not.toHaveProperty('idHash');

    const byId = await call(svc, 'GET', '/api/v1/workers?idLast4=0115', { token });
    expect(byId.body.items.map((w: { id: number }) => w.id)).toEqual([zhang.id]);
    const byPhone = await call(svc, 'GET', `/api/v1/workers?phone=${encodeURIComponent('+86 138-9150-1234')}`, {
      token,
    });
    expect(byPhone.body.items.map((w: { id: number }) => w.id)).toEqual([zhang.id]);
    const byStatus = await call(svc, 'GET', '/api/v1/workers?status=PUBLIC_WELFARE_POST', { token });
    expect(byStatus.body.items.every((w: { currentStatus: string }) => w.currentStatus === 'PUBLIC_WELFARE_POST')).toBe(true);
    expect(byStatus.body.items.length).toBeGreaterThan(0);

    // The sample is dated months ago... confirm one worker now: only the others are stale.
    await sql().query(`UPDATE "Worker" SET "statusConfirmedAt" = now() WHERE id = $1`, [zhang.id]);
    const stale = await call(svc, 'GET', '/api/v1/workers?stale=true&limit=200', { token });
    const all = await call(svc, 'GET', '/api/v1/workers?limit=200', { token });
    expect(stale.body.items.map((w: { id: number }) => w.id)).not.toContain(zhang.id);
    expect(stale.body.items.length).toBe(all.body.items.length - 1);

    const page = await call(svc, 'GET', '/api/v1/workers?limit=5', { token });
    const next = await call(svc, 'GET', `/api/v1/workers?limit=5&cursor=${page.body.nextCursor}`, { token });
    expect(next.body.items[0].id).toBeGreaterThan(page.body.items[4].id);
  });

  it('reads one worker with household, events and their provenance, contacts masked, never the ID hash', async () => {
    const w = (await sql().query<{ id: number }>(`SELECT id FROM "Worker" WHERE "idLast4" = '0115'`)).rows[0]!;
    const res = await call(svc, 'GET', `/api/v1/workers/${w.id}`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: '张德明',
      phone: '+86*******1234',
      currentStatus: 'EMPLOYED_LOCAL',
      household: { code: '6109211002010001', category: 'NOT_YET_OUT' },
      village: { code: '610921100201', name: '五一村' },
      currentEvent: { status: 'EMPLOYED_LOCAL', source: 'IMPORT', channel: 'IMPORT', effectiveDate: '2025-11-02' },
    });
    expect(res.body.currentEvent.importId).toEqual(expect.any(Number));
    expect(res.body.events.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toMatch(/idHash|13891501234/);
    const withFamily = (await sql().query<{ workerId: number }>('SELECT "workerId" FROM "FamilyContact" LIMIT 1')).rows[0]!;
    const f = await call(svc, 'GET', `/api/v1/workers/${withFamily.workerId}`, { token: await tokenFor(svc, '61', 'VIEWER') });
    expect(f.body.familyContacts.length).toBeGreaterThan(0);
    expect(f.body.familyContacts[0].phone).toMatch(/^\+86\*{7}\d{4}$/);
  });
});

describe('OpenAPI', () => {
  it('serves /docs and /docs/json listing every API route with its schemas', async () => {
    const ui = await fetch(`${svc.url}/docs`, { redirect: 'follow' });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
    const doc = await call(svc, 'GET', '/docs/json');
    expect(doc.status).toBe(200);
    const paths = doc.body.paths as Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    for (const p of [
      '/api/v1/me',
      '/api/v1/job-leads',
      '/api/v1/job-leads/{id}',
      '/api/v1/job-leads/{id}/expire',
      '/api/v1/workers',
      '/api/v1/workers/{id}',
      '/api/v1/imports',
      '/api/v1/imports/{id}',
    ]) {
      expect(paths[p], p).toBeDefined();
      for (const op of Object.values(paths[p]!)) {
        expect(op.security).toEqual([{ bearerAuth: [] }]);
        expect(op.responses['401']).toBeDefined();
      }
    }
    expect(Object.keys(paths).some((p) => p.startsWith('/webhooks'))).toBe(false);
    const post = paths['/api/v1/job-leads']!.post as unknown as {
      requestBody: { content: Record<string, { schema: { required?: string[] } }> };
    };
    expect(post.requestBody.content['application/json']!.schema.required).toEqual(
      expect.arrayContaining(['title', 'employer', 'place']),
    );
    const upload = paths['/api/v1/imports']!.post as unknown as { requestBody: { content: Record<string, unknown> } };
    expect(Object.keys(upload.requestBody.content)).toContain('text/csv');
    expect(doc.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
