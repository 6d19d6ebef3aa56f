/** Bearer tokens: who may call the staff API at all. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, revokeToken } from '../../src/staff/tokens.js';
import { ensureStaffUser } from '../../src/staff/users.js';
import type { TestService } from '../helpers/service.js';
import { call, HANYIN, startApiService, tokenFor } from './helpers.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startApiService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('staff API authentication', () => {
  it('answers 401 without a token, with a malformed one and with an unknown one', async () => {
    for (const token of [undefined, 'nonsense', `otk_${'A'.repeat(43)}`]) {
      const res = await call(svc, 'GET', '/api/v1/me', { token });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const basic = await fetch(`${svc.url}/api/v1/me`, { headers: { authorization: 'Basic dXNlcjpwdw==' } });
    expect(basic.status).toBe(401);
  });

  it('GET /me names the user, role and region of a valid token', async () => {
    const token = await tokenFor(svc, HANYIN, 'OPERATOR');
    const res = await call(svc, 'GET', '/api/v1/me', { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      username: `operator-${HANYIN}`,
      role: 'OPERATOR',
      region: { code: HANYIN, name: '汉阴县', level: 'COUNTY' },
    });
  });

  it('a revoked token answers 401 from then on', async () => {
    const token = await tokenFor(svc, HANYIN, 'VIEWER');
    expect((await call(svc, 'GET', '/api/v1/me', { token })).status).toBe(200);
    const revoked = await revokeToken(svc.running.container.db.pool, token.slice(0, 12));
    expect(revoked.ok).toBe(true);
    const res = await call(svc, 'GET', '/api/v1/me', { token });
    expect(res.status).toBe(401);
  });

  it('an expired token answers 401, and so does a deactivated user’s', async () => {
    const { pool } = svc.running.container.db;
    const { user } = await ensureStaffUser(pool, { regionCode: HANYIN, role: 'VIEWER', username: 'expiring' });
    const expired = await issueToken(pool, { staffUserId: user.id, name: 'old', expiresAt: new Date(Date.now() - 1000) });
    expect((await call(svc, 'GET', '/api/v1/me', { token: expired.token })).status).toBe(401);

    const live = await issueToken(pool, { staffUserId: user.id, name: 'live', expiresAt: new Date(Date.now() + 3600_000) });
    expect((await call(svc, 'GET', '/api/v1/me', { token: live.token })).status).toBe(200);
    await pool.query('UPDATE "StaffUser" SET active = false WHERE id = $1', [user.id]);
    expect((await call(svc, 'GET', '/api/v1/me', { token: live.token })).status).toBe(401);
  });

  it('records lastUsedAt at most once a minute and stores only the hash', async () => {
    const { pool } = svc.running.container.db;
    const token = await tokenFor(svc, HANYIN, 'VIEWER', 'touch');
    const row = async () =>
      (await pool.query('SELECT "tokenHash", prefix, "lastUsedAt" FROM "ApiToken" ORDER BY id DESC LIMIT 1')).rows[0];
    expect((await row()).lastUsedAt).toBeNull();
    await call(svc, 'GET', '/api/v1/me', { token });
    const first = (await row()).lastUsedAt as Date;
    expect(first).toBeInstanceOf(Date);
    await call(svc, 'GET', '/api/v1/me', { token });
    expect(((await row()).lastUsedAt as Date).getTime()).toBe(first.getTime());
    // A minute later the next request moves it.
    await pool.query(`UPDATE "ApiToken" SET "lastUsedAt" = "lastUsedAt" - interval '61 seconds' WHERE prefix = $1`, [
      token.slice(0, 12),
    ]);
    await call(svc, 'GET', '/api/v1/me', { token });
    expect(((await row()).lastUsedAt as Date).getTime()).toBeGreaterThanOrEqual(first.getTime());
    const stored = await row();
    expect(stored.prefix).toBe(token.slice(0, 12));
    expect(stored.tokenHash).not.toContain(token.slice(4));
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
