/** Roles and region scopes: what a county, a province and a viewer may read and change. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '../helpers/service.js';
import { call, DANFENG, HANYIN, startApiService, tokenFor } from './helpers.js';

let svc: TestService;
let province: string;
let hanyin: string;
let hanyinViewer: string;
let danfengWorker: number;
let hanyinWorker: number;

const lead = (regionCode: string) => ({ regionCode, title: '缝纫工', employer: '安康新社区工厂', place: '汉阴县城关镇' });

beforeAll(async () => {
  svc = await startApiService();
  province = await tokenFor(svc, '61', 'ADMIN');
  hanyin = await tokenFor(svc, HANYIN, 'OPERATOR');
  hanyinViewer = await tokenFor(svc, HANYIN, 'VIEWER');
  const { pool } = svc.running.container.db;
  const w = await pool.query<{ id: number; county: string }>(
    `SELECT w.id, c.code AS county FROM "Worker" w JOIN "Region" c ON c.id = w."countyId" ORDER BY w.id`,
  );
  danfengWorker = w.rows.find((r) => r.county === DANFENG)!.id;
  hanyinWorker = w.rows.find((r) => r.county === HANYIN)!.id;
});
afterAll(async () => {
  await svc?.stop();
});

describe('region scope', () => {
  it('a county token reads its own workers but another county’s worker is 404; the province token reads both', async () => {
    expect((await call(svc, 'GET', `/api/v1/workers/${hanyinWorker}`, { token: hanyin })).status).toBe(200);
    const other = await call(svc, 'GET', `/api/v1/workers/${danfengWorker}`, { token: hanyin });
    expect(other.status).toBe(404);
    expect(other.body.error).toBe('not_found');
    expect((await call(svc, 'GET', `/api/v1/workers/${danfengWorker}`, { token: province })).status).toBe(200);
    expect((await call(svc, 'GET', `/api/v1/workers/${hanyinWorker}`, { token: province })).status).toBe(200);
  });

  it('worker search stays inside the scope; a region filter outside it is 403', async () => {
    const mine = await call(svc, 'GET', '/api/v1/workers?limit=200', { token: hanyin });
    expect(mine.status).toBe(200);
    expect(mine.body.items.length).toBe(20);
    expect(mine.body.items.every((w: { villageCode: string }) => w.villageCode.startsWith(HANYIN))).toBe(true);
    const all = await call(svc, 'GET', '/api/v1/workers?limit=200', { token: province });
    expect(all.body.items.length).toBe(33);
    const outside = await call(svc, 'GET', `/api/v1/workers?regionCode=${DANFENG}`, { token: hanyin });
    expect(outside.status).toBe(403);
    expect(outside.body.error).toBe('forbidden');
    const inside = await call(svc, 'GET', `/api/v1/workers?regionCode=${DANFENG}`, { token: province });
    expect(inside.body.items.length).toBe(13);
  });

  it('a county token cannot create a lead in another county (403); the province token can', async () => {
    const refused = await call(svc, 'POST', '/api/v1/job-leads', { token: hanyin, json: lead(DANFENG) });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain(DANFENG);
    const byProvince = await call(svc, 'POST', '/api/v1/job-leads', { token: province, json: lead(DANFENG) });
    expect(byProvince.status).toBe(201);
    expect(byProvince.body).toMatchObject({ regionCode: DANFENG, status: 'OPEN' });
    // The county does not see (nor change) the other county's lead.
    expect((await call(svc, 'GET', `/api/v1/job-leads/${byProvince.body.id}`, { token: hanyin })).status).toBe(404);
    const patch = await call(svc, 'PATCH', `/api/v1/job-leads/${byProvince.body.id}`, { token: hanyin, json: { slots: 3 } });
    expect(patch.status).toBe(404);
    expect((await call(svc, 'POST', `/api/v1/job-leads/${byProvince.body.id}/expire`, { token: hanyin })).status).toBe(404);
    // Nor can it move its own lead there.
    const own = await call(svc, 'POST', '/api/v1/job-leads', { token: hanyin, json: lead(HANYIN) });
    expect(own.status).toBe(201);
    const move = await call(svc, 'PATCH', `/api/v1/job-leads/${own.body.id}`, { token: hanyin, json: { regionCode: DANFENG } });
    expect(move.status).toBe(403);
  });

  it('a VIEWER reads but cannot create, change or expire leads, nor upload imports (403)', async () => {
    expect((await call(svc, 'GET', '/api/v1/job-leads', { token: hanyinViewer })).status).toBe(200);
    const create = await call(svc, 'POST', '/api/v1/job-leads', { token: hanyinViewer, json: lead(HANYIN) });
    expect(create.status).toBe(403);
    expect(create.body.error).toBe('forbidden');
    const own = await call(svc, 'POST', '/api/v1/job-leads', { token: hanyin, json: lead(HANYIN) });
    expect(
      (await call(svc, 'PATCH', `/api/v1/job-leads/${own.body.id}`, { token: hanyinViewer, json: { slots: 2 } })).status,
    ).toBe(403);
    expect((await call(svc, 'POST', `/api/v1/job-leads/${own.body.id}/expire`, { token: hanyinViewer })).status).toBe(403);
    const upload = await call(svc, 'POST', '/api/v1/imports', {
      token: hanyinViewer,
      body: 'a,b\n1,2\n',
      contentType: 'text/csv',
    });
    expect(upload.status).toBe(403);
    const { pool } = svc.running.container.db;
    expect((await pool.query(`SELECT 1 FROM "AuditLog" WHERE action = 'import.upload'`)).rowCount).toBe(0);
  });
});
