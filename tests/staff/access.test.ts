/**
 * Staff users, their tokens and the audit log over HTTP: ADMIN only, inside the admin's region;
 * disabling a user revokes every token at once; passwords are stored as scrypt hashes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/staff/passwords.js';
import type { TestService } from '../helpers/service.js';
import { call, DANFENG, HANYIN, items, startStaffService, tokenFor } from './helpers.js';

let svc: TestService;
let admin: string;
let operator: string;
let province: string;
const db = () => svc.running.container.db;

beforeAll(async () => {
  ({ svc } = await startStaffService());
  admin = await tokenFor(svc, HANYIN, 'ADMIN', 'admin-hanyin');
  operator = await tokenFor(svc, HANYIN, 'OPERATOR', 'op-hanyin');
  province = await tokenFor(svc, '61', 'ADMIN', 'admin-shaanxi');
});
afterAll(async () => {
  await svc?.stop();
});

describe('staff users', () => {
  it('an ADMIN creates users in their region with a hashed password; outside it is 403, a taken name 409, an OPERATOR 403', async () => {
    const created = await call(svc, 'POST', '/api/v1/staff-users', {
      token: admin,
      json: {
        username: 'Li.Ming',
        name: '城关镇 李明',
        role: 'OPERATOR',
        regionCode: '610921100',
        password: 'correct horse battery',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      username: 'li.ming',
      role: 'OPERATOR',
      hasPassword: true,
      active: true,
      region: { code: '610921100' },
    });
    const row = await db().prisma.staffUser.findUniqueOrThrow({ where: { username: 'li.ming' } });
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(row.passwordHash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', row.passwordHash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', row.passwordHash)).toBe(false);

    const outside = await call(svc, 'POST', '/api/v1/staff-users', {
      token: admin,
      json: { username: 'x-danfeng', role: 'VIEWER', regionCode: DANFENG },
    });
    expect(outside.status, JSON.stringify(outside.body)).toBe(403);
    expect(
      (
        await call(svc, 'POST', '/api/v1/staff-users', {
          token: admin,
          json: { username: 'li.ming', role: 'VIEWER', regionCode: HANYIN },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await call(svc, 'POST', '/api/v1/staff-users', {
          token: operator,
          json: { username: 'op-made', role: 'VIEWER', regionCode: HANYIN },
        })
      ).status,
    ).toBe(403);
    const short = await call(svc, 'POST', '/api/v1/staff-users', {
      token: admin,
      json: { username: 'x-short', role: 'VIEWER', regionCode: HANYIN, password: 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.body.message).toContain('password');
    const unknown = await call(svc, 'POST', '/api/v1/staff-users', {
      token: admin,
      json: { username: 'x-unknown', role: 'VIEWER', regionCode: '610921999' },
    });
    expect(unknown.status).toBe(400);

    const list = await items(svc, admin, '/api/v1/staff-users');
    expect(list.map((u) => u.username)).toContain('li.ming');
    expect(list.every((u) => (u.region as { code: string }).code.startsWith(HANYIN))).toBe(true);
    expect((await items(svc, province, '/api/v1/staff-users')).length).toBeGreaterThan(list.length - 1);
    const danfengAdmin = await tokenFor(svc, DANFENG, 'ADMIN');
    expect((await call(svc, 'GET', `/api/v1/staff-users/${created.body.id}`, { token: danfengAdmin })).status).toBe(404);
  });

  it('tokens: issued once, listed without the secret, revoked; disabling a user revokes them all (401 after)', async () => {
    const user = (
      await call(svc, 'POST', '/api/v1/staff-users', {
        token: admin,
        json: { username: 'wang.fang', role: 'OPERATOR', regionCode: HANYIN },
      })
    ).body;
    const issued = await call(svc, 'POST', `/api/v1/staff-users/${user.id}/tokens`, {
      token: admin,
      json: { name: '王芳的手机', expiresDays: 30 },
    });
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;
    expect(token).toMatch(/^otk_/);
    const second = (
      await call(svc, 'POST', `/api/v1/staff-users/${user.id}/tokens`, { token: admin, json: { name: '办公室电脑' } })
    ).body.token as string;
    expect((await call(svc, 'GET', '/api/v1/me', { token })).body.username).toBe('wang.fang');
    const listed = await items(svc, admin, `/api/v1/staff-users/${user.id}/tokens`);
    expect(listed).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(token);

    const revoked = await call(svc, 'POST', `/api/v1/staff-users/${user.id}/tokens/${issued.body.id}/revoke`, { token: admin });
    expect(revoked.body.state).toBe('revoked');
    expect((await call(svc, 'GET', '/api/v1/me', { token })).status).toBe(401);
    expect((await call(svc, 'GET', '/api/v1/me', { token: second })).status).toBe(200);

    const disabled = await call(svc, 'PATCH', `/api/v1/staff-users/${user.id}`, { token: admin, json: { active: false } });
    expect(disabled.body).toMatchObject({ active: false, activeTokens: 0 });
    expect((await call(svc, 'GET', '/api/v1/me', { token: second })).status).toBe(401);
    expect((await call(svc, 'POST', `/api/v1/staff-users/${user.id}/tokens`, { token: admin, json: { name: 'x' } })).status).toBe(
      409,
    );
    // An admin cannot lock themself out.
    const me = (await call(svc, 'GET', '/api/v1/me', { token: admin })).body.userId;
    expect((await call(svc, 'PATCH', `/api/v1/staff-users/${me}`, { token: admin, json: { active: false } })).status).toBe(409);
  });
});

describe('the audit log', () => {
  it('reads by scope and filter, newest first, paged; another county sees none of it', async () => {
    const user = (
      await call(svc, 'POST', '/api/v1/staff-users', {
        token: admin,
        json: { username: 'zhao.lei', role: 'VIEWER', regionCode: '610921101' },
      })
    ).body;
    await call(svc, 'PATCH', `/api/v1/staff-users/${user.id}`, { token: admin, json: { role: 'OPERATOR', name: '赵磊' } });
    const entries = await items(svc, admin, `/api/v1/audit?entity=StaffUser&entityId=${user.id}`);
    expect(entries.map((e) => e.action)).toEqual(['staff_user.update', 'staff_user.create']);
    expect(entries[0]).toMatchObject({
      staffUser: { username: 'admin-hanyin' },
      region: { code: '610921101' },
      details: { role: 'OPERATOR', name: '赵磊' },
    });

    const page1 = await call(svc, 'GET', '/api/v1/audit?limit=1', { token: admin });
    expect(page1.body.items).toHaveLength(1);
    const page2 = await call(svc, 'GET', `/api/v1/audit?limit=1&cursor=${page1.body.nextCursor}`, { token: admin });
    expect(BigInt(page2.body.items[0].id)).toBeLessThan(BigInt(page1.body.items[0].id));

    const danfengAdmin = await tokenFor(svc, DANFENG, 'ADMIN', 'admin-danfeng');
    expect((await items(svc, danfengAdmin, `/api/v1/audit?entity=StaffUser&entityId=${user.id}`)).length).toBe(0);
    expect((await call(svc, 'GET', '/api/v1/audit', { token: operator })).status).toBe(403);
    expect(
      (await call(svc, 'GET', '/api/v1/audit?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z', { token: admin })).status,
    ).toBe(400);
    expect((await call(svc, 'GET', '/api/v1/audit?cursor=9223372036854775808', { token: admin })).status).toBe(400);
  });
});
