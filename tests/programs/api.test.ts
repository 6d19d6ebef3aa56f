/**
 * The program routes over HTTP: scoped to the caller's region (another county's worker is 404, its
 * region 403), writes need ADMIN or OPERATOR and are audited, refusals name what is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DANFENG, HANYIN, startApiService, tokenFor } from '../api/helpers.js';
import type { TestService } from '../helpers/service.js';

let svc: TestService;
let hanyin: string;
let viewer: string;
let hanyinWorker: { id: number; householdId: number };
let danfengWorker: { id: number; householdId: number };

beforeAll(async () => {
  svc = await startApiService();
  hanyin = await tokenFor(svc, HANYIN, 'OPERATOR', 'programs-op');
  viewer = await tokenFor(svc, HANYIN, 'VIEWER', 'programs-viewer');
  const w = await svc.running.container.db.pool.query<{ id: number; householdId: number; county: string }>(
    `SELECT w.id, w."householdId", c.code AS county FROM "Worker" w JOIN "Region" c ON c.id = w."countyId"
      WHERE w."laborCapacity" <> 'NONE' ORDER BY w.id`,
  );
  hanyinWorker = w.rows.find((r) => r.county === HANYIN)!;
  danfengWorker = w.rows.find((r) => r.county === DANFENG)!;
});
afterAll(async () => {
  await svc?.stop();
});

describe('program routes', () => {
  it('posts: assign, refuse beyond 6 months, extend, roster; another county is out of reach; audited', async () => {
    const body = {
      workerId: hanyinWorker.id,
      postName: '保洁员',
      startDate: '2026-03-01',
      endDate: '2026-08-31',
      monthlySubsidy: 620,
    };
    const long = await call(svc, 'POST', '/api/v1/programs/posts', { token: hanyin, json: { ...body, endDate: '2026-09-30' } });
    expect(long.status).toBe(422);
    expect(long.body.error).toBe('beyond_6_months');
    const post = await call(svc, 'POST', '/api/v1/programs/posts', { token: hanyin, json: body });
    expect(post.status).toBe(201);
    expect(post.body).toMatchObject({ workerId: hanyinWorker.id, endDate: '2026-08-31', extensionApprovedById: null });
    const twice = await call(svc, 'POST', '/api/v1/programs/posts', { token: hanyin, json: { ...body, postName: '护林员' } });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toBe('overlap');

    const ext = await call(svc, 'POST', `/api/v1/programs/posts/${post.body.id}/extend`, {
      token: hanyin,
      json: { endDate: '2027-02-28' },
    });
    expect(ext.status).toBe(200);
    expect(ext.body.extensionApprovedById).not.toBeNull();

    const roster = await call(svc, 'GET', '/api/v1/programs/posts/roster?month=2026-03', { token: viewer });
    expect(roster.status).toBe(200);
    expect(roster.body.items).toEqual([expect.objectContaining({ workerId: hanyinWorker.id, days: 31, subsidy: 620 })]);
    expect(
      (await call(svc, 'GET', `/api/v1/programs/posts/roster?month=2026-03&regionCode=${DANFENG}`, { token: hanyin })).status,
    ).toBe(403);
    const other = await call(svc, 'POST', '/api/v1/programs/posts', {
      token: hanyin,
      json: { ...body, workerId: danfengWorker.id },
    });
    expect(other.status).toBe(404);
    expect((await call(svc, 'POST', '/api/v1/programs/posts', { token: viewer, json: body })).status).toBe(403);

    const audit = await svc.running.container.db.pool.query<{ action: string }>(
      `SELECT action FROM "AuditLog" WHERE entity = 'PublicWelfarePost' AND "entityId" = $1 ORDER BY id`,
      [String(post.body.id)],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['post.assign', 'post.extend']);
  });

  it('unwilling: 422 naming each missing item; the dossier as JSON and CSV; the plan state of a household', async () => {
    const refused = await call(svc, 'POST', '/api/v1/programs/unwilling', {
      token: hanyin,
      json: { workerId: hanyinWorker.id, reason: '' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.missing.map((m: { item: string }) => m.item)).toEqual(['service_contacts', 'reason', 'confirmation']);
    expect(refused.body.message).toContain('at least 3');
    expect(
      (
        await call(svc, 'POST', '/api/v1/programs/unwilling', {
          token: hanyin,
          json: { workerId: danfengWorker.id, reason: 'x' },
        })
      ).status,
    ).toBe(404);

    const json = await call(svc, 'GET', `/api/v1/programs/unwilling/${hanyinWorker.id}/dossier`, { token: viewer });
    expect(json.status).toBe(200);
    expect(json.body.worker.id).toBe(hanyinWorker.id);
    expect(json.body.events).toEqual([]);
    const csv = await call(svc, 'GET', `/api/v1/programs/unwilling/${hanyinWorker.id}/dossier?format=csv`, { token: viewer });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.body).toContain('worker');

    const plan = await call(svc, 'GET', `/api/v1/programs/zero-employment/households/${hanyinWorker.householdId}`, {
      token: viewer,
    });
    expect(plan.status).toBe(200);
    expect(plan.body.householdId).toBe(hanyinWorker.householdId);
    expect(
      (await call(svc, 'GET', `/api/v1/programs/zero-employment/households/${danfengWorker.householdId}`, { token: viewer }))
        .status,
    ).toBe(404);
  });

  it('training: lists and rates read in scope; publishing needs a write role and is once per month', async () => {
    expect((await call(svc, 'GET', '/api/v1/programs/training/rates', { token: viewer })).status).toBe(200);
    expect((await call(svc, 'GET', '/api/v1/programs/training/lists', { token: viewer })).body).toEqual({ items: [] });
    expect(
      (await call(svc, 'POST', '/api/v1/programs/training/lists/publish', { token: viewer, json: { month: '2026-10' } })).status,
    ).toBe(403);
    expect(
      (
        await call(svc, 'POST', '/api/v1/programs/training/lists/publish', {
          token: hanyin,
          json: { month: '2026-10', countyCode: DANFENG },
        })
      ).status,
    ).toBe(403);
    const first = await call(svc, 'POST', '/api/v1/programs/training/lists/publish', {
      token: hanyin,
      json: { month: '2026-10' },
    });
    expect(first.status).toBe(200);
    expect(first.body.published).toBe(true);
    const second = await call(svc, 'POST', '/api/v1/programs/training/lists/publish', {
      token: hanyin,
      json: { month: '2026-10' },
    });
    expect(second.body).toMatchObject({ published: false, publication: { id: first.body.publication.id } });
  });
});
