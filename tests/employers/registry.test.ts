/**
 * Key employers through the staff API and the CLI: added with a checked credit code into a
 * township of the caller's county, listed, changed, removed; audited; another county's employer
 * reads as missing; viewers read only; hostile input is a 4xx naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outreachCli, type TestService } from '../helpers/service.js';
import { startStaffService } from '../staff/helpers.js';
import { addEmployer, CHENGGUAN, call, creditCode, DANFENG, DANFENG_TOWNSHIP, HANYIN, JIANCHI, tokenFor } from './helpers.js';

let svc: TestService;
let hanyin: string;
let danfeng: string;
let viewer: string;
const prisma = () => svc.running.container.db.prisma;

beforeAll(async () => {
  ({ svc } = await startStaffService());
  hanyin = await tokenFor(svc, HANYIN, 'OPERATOR', 'hanyin-op');
  danfeng = await tokenFor(svc, DANFENG, 'OPERATOR', 'danfeng-op');
  viewer = await tokenFor(svc, HANYIN, 'VIEWER', 'hanyin-view');
}, 60_000);
afterAll(async () => {
  await svc?.stop();
});

describe('key employers', () => {
  it('adds, lists, changes and removes an employer of the county, audited without the mobile', async () => {
    const e = await addEmployer(svc, hanyin, 1, { creditCode: ` ${creditCode(1).toLowerCase()} `, phone: '138-9250-0001' });
    expect(e).toMatchObject({
      creditCode: creditCode(1),
      phone: '+8613892500001',
      township: { code: CHENGGUAN, name: '城关镇' },
    });

    const list = await call(svc, 'GET', `/api/v1/employers?regionCode=${CHENGGUAN}`, { token: hanyin });
    expect(list.body.items.map((x: { id: number }) => x.id)).toContain(e.id);
    const byCode = await call(svc, 'GET', `/api/v1/employers?search=${creditCode(1).slice(0, 12)}`, { token: hanyin });
    expect(byCode.body.items).toHaveLength(1);

    const changed = await call(svc, 'PATCH', `/api/v1/employers/${e.id}`, {
      token: hanyin,
      json: { townshipCode: JIANCHI, type: 'EXPORT_FIRM', contactName: null },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ type: 'EXPORT_FIRM', contactName: null, township: { code: JIANCHI } });

    const removed = await call(svc, 'DELETE', `/api/v1/employers/${e.id}`, { token: hanyin });
    expect(removed.body.removedAt).not.toBeNull();
    expect((await call(svc, 'DELETE', `/api/v1/employers/${e.id}`, { token: hanyin })).status).toBe(409);
    const active = await call(svc, 'GET', '/api/v1/employers', { token: hanyin });
    expect(active.body.items.map((x: { id: number }) => x.id)).not.toContain(e.id);
    const gone = await call(svc, 'GET', '/api/v1/employers?removed=true', { token: hanyin });
    expect(gone.body.items.map((x: { id: number }) => x.id)).toContain(e.id);

    const audit = await prisma().auditLog.findMany({
      where: { entity: 'Employer', entityId: String(e.id) },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['employer.create', 'employer.update', 'employer.remove']);
    expect(JSON.stringify(audit.map((a) => a.details))).not.toContain('13892500001');
    expect(audit[0]!.details).toMatchObject({ via: 'API' });
  });

  it('refuses a wrong check character, a duplicate code, a township outside the county, and viewers', async () => {
    const wrong = creditCode(2).slice(0, 17) + (creditCode(2).endsWith('0') ? '1' : '0');
    const bad = await call(svc, 'POST', '/api/v1/employers', {
      token: hanyin,
      json: { name: '某厂', creditCode: wrong, type: 'OTHER', townshipCode: CHENGGUAN },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/creditCode.*check character/);
    await addEmployer(svc, hanyin, 2);
    const dup = await call(svc, 'POST', '/api/v1/employers', {
      token: hanyin,
      json: { name: '另一厂', creditCode: creditCode(2), type: 'OTHER', townshipCode: JIANCHI },
    });
    expect(dup.status).toBe(409);
    const outside = await call(svc, 'POST', '/api/v1/employers', {
      token: hanyin,
      json: { name: '丹凤厂', creditCode: creditCode(3), type: 'OTHER', townshipCode: DANFENG_TOWNSHIP },
    });
    expect(outside.status).toBe(403);
    const county = await call(svc, 'POST', '/api/v1/employers', {
      token: hanyin,
      json: { name: '县里', creditCode: creditCode(3), type: 'OTHER', townshipCode: '610921000' },
    });
    expect(county.status).toBe(400);
    const view = await call(svc, 'POST', '/api/v1/employers', {
      token: viewer,
      json: { name: '某厂', creditCode: creditCode(4), type: 'OTHER', townshipCode: CHENGGUAN },
    });
    expect(view.status).toBe(403);
  });

  it('hides an employer from another county (404), and its list', async () => {
    const e = await addEmployer(svc, hanyin, 5);
    expect((await call(svc, 'GET', `/api/v1/employers/${e.id}`, { token: danfeng })).status).toBe(404);
    expect((await call(svc, 'PATCH', `/api/v1/employers/${e.id}`, { token: danfeng, json: { name: 'x' } })).status).toBe(404);
    expect((await call(svc, 'DELETE', `/api/v1/employers/${e.id}`, { token: danfeng })).status).toBe(404);
    const list = await call(svc, 'GET', '/api/v1/employers', { token: danfeng });
    expect(list.body.items).toEqual([]);
    expect((await call(svc, 'GET', `/api/v1/employers?regionCode=${HANYIN}`, { token: danfeng })).status).toBe(403);
    expect((await call(svc, 'GET', `/api/v1/employers/${e.id}`, { token: viewer })).status).toBe(200);
  });

  it('answers hostile input with a 4xx naming the field', async () => {
    const base = { name: '某厂', creditCode: creditCode(6), type: 'OTHER', townshipCode: CHENGGUAN };
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/api/v1/employers', { ...base, name: 'x'.repeat(100_000) }],
      ['POST', '/api/v1/employers', { ...base, name: '厂\u0000' }],
      ['POST', '/api/v1/employers', { ...base, creditCode: 'A'.repeat(5000) }],
      ['POST', '/api/v1/employers', { ...base, phone: '12345' }],
      ['POST', '/api/v1/employers', { ...base, type: 'FACTORY' }],
      ['POST', '/api/v1/employers', { ...base, townshipCode: '9'.repeat(40) }],
      ['POST', '/api/v1/employers', { ...base, extra: 1 }],
      ['GET', '/api/v1/employers/99999999999', undefined],
      ['GET', '/api/v1/employers/-1', undefined],
      ['GET', '/api/v1/employers?limit=100000000000', undefined],
      ['GET', `/api/v1/employers?search=${'厂'.repeat(500)}`, undefined],
      ['PATCH', '/api/v1/employers/2147483648', { name: 'x' }],
    ];
    for (const [method, path, json] of cases) {
      const r = await call(svc, method, path, { token: hanyin, json });
      expect(r.status, `${method} ${path.slice(0, 80)} → ${JSON.stringify(r.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
  });

  it('outreach employer add|list|update|remove goes through the API with the CLI as its channel', async () => {
    const run = (args: string[]) => outreachCli(svc, ['employer', ...args], { token: hanyin });
    const added = await run([
      'add',
      '--name',
      '蒲溪镇扶贫车间',
      '--code',
      creditCode(7),
      '--type',
      'POVERTY_WORKSHOP',
      '--township',
      CHENGGUAN,
      '--contact',
      '李主任',
      '--phone',
      '13892500007',
    ]);
    const id = /#(\d+) 蒲溪镇扶贫车间/.exec(added)?.[1];
    expect(id, added).toBeDefined();
    expect(await run(['list', '--type', 'POVERTY_WORKSHOP'])).toContain(`#${id} 蒲溪镇扶贫车间 ${creditCode(7)}`);
    expect(await run(['update', id!, '--township', JIANCHI])).toContain('涧池镇');
    expect(await run(['remove', id!])).toContain('(removed)');
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { action: 'employer.create', entityId: id } });
    expect(audit.details).toMatchObject({ via: 'CLI' });
    const refused = await run(['add', '--name', 'x', '--code', 'bad', '--township', CHENGGUAN]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((refused as { stderr: string }).stderr).toContain('400');
  }, 180_000);
});
