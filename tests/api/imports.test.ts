/** Ledger uploads through the API, and the token command line. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import type { TestService } from '../helpers/service.js';
import { call, DANFENG, HANYIN, SAMPLE_CSV, startApiService, tokenFor } from './helpers.js';

const run = promisify(execFile);
let svc: TestService;
beforeAll(async () => {
  svc = await startApiService();
});
afterAll(async () => {
  await svc?.stop();
});

/** Lines (header = 1) of the sample's rows in a county. */
function linesOf(county: string): number[] {
  const lines = readFileSync(SAMPLE_CSV, 'utf8').split(/\r?\n/);
  return lines.flatMap((l, i) => (l.startsWith(county) ? [i + 1] : []));
}

describe('POST /api/v1/imports', () => {
  it('queues the file; rows outside the uploader’s county come back as row errors with their line', async () => {
    const token = await tokenFor(svc, HANYIN, 'OPERATOR');
    const res = await call(svc, 'POST', '/api/v1/imports?fileName=sample-ledger.csv', {
      token,
      body: readFileSync(SAMPLE_CSV),
      contentType: 'text/csv',
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ state: 'queued', poll: `/api/v1/imports/${res.body.id}` });

    // biome-ignore lint/suspicious/noExplicitAny: the answer is checked field by field below
    let upload: any;
    await expect
      .poll(
        async () => {
          upload = (await call(svc, 'GET', res.body.poll, { token })).body;
          return upload.state;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe('finished');
    const danfeng = linesOf(DANFENG);
    expect(danfeng.length).toBe(13);
    expect(upload).toMatchObject({ fileName: 'sample-ledger.csv', uploadedBy: `operator-${HANYIN}` });
    expect(upload.importRun).toMatchObject({ rows: 33, imported: 20, failed: 13 });
    expect(upload.importRun.errors.map((e: { line: number }) => e.line)).toEqual(danfeng);
    for (const e of upload.importRun.errors) {
      expect(e.field).toBe('村代码');
      expect(e.message).toContain(HANYIN);
    }

    // The upload is audited, and another county cannot read it.
    const audit = await svc.running.container.db.pool.query(`SELECT "entityId" FROM "AuditLog" WHERE action = 'import.upload'`);
    expect(audit.rows.map((r) => r.entityId)).toEqual([res.body.id]);
    const other = await tokenFor(svc, DANFENG, 'VIEWER');
    expect((await call(svc, 'GET', res.body.poll, { token: other })).status).toBe(404);
    expect((await call(svc, 'GET', res.body.poll, { token: await tokenFor(svc, '61', 'VIEWER') })).status).toBe(200);
  });

  it('refuses an empty body and an unknown content type', async () => {
    const token = await tokenFor(svc, HANYIN, 'ADMIN');
    const empty = await call(svc, 'POST', '/api/v1/imports', { token, body: '', contentType: 'text/csv' });
    expect(empty.status).toBe(400);
    const json = await call(svc, 'POST', '/api/v1/imports', { token, json: { file: 'x' } });
    expect(json.status).toBe(415);
  });
});

describe('outreach token', () => {
  const cli = (args: string[]) =>
    run(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), 'token', ...args], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        DATA_DIR: svc.running.container.config.DATA_DIR,
        DATABASE_URL: svc.running.container.config.DATABASE_URL,
        LOG_LEVEL: 'silent',
      },
    });

  it('create prints a token that works once, list shows it without the secret, revoke ends it', async () => {
    const { stdout } = await cli([
      'create',
      '--region',
      HANYIN,
      '--role',
      'OPERATOR',
      '--name',
      '县就业局',
      '--username',
      'hanyin-op',
    ]);
    const token = /otk_[A-Za-z0-9_-]{43}/.exec(stdout)?.[0];
    expect(token).toBeDefined();
    const me = await call(svc, 'GET', '/api/v1/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'hanyin-op', role: 'OPERATOR', region: { code: HANYIN } });

    // A second token reuses the user.
    const again = await cli(['create', '--region', HANYIN, '--role', 'OPERATOR', '--username', 'hanyin-op']);
    expect(again.stdout).toMatch(/reused staff user hanyin-op/);
    // The same username for another role is refused.
    const clash = await cli(['create', '--region', HANYIN, '--role', 'ADMIN', '--username', 'hanyin-op']).catch((e) => e);
    expect(clash.code).toBe(1);

    const list = await cli(['list']);
    expect(list.stdout).toContain(token!.slice(0, 12));
    expect(list.stdout).toContain('县就业局');
    expect(list.stdout).not.toContain(token!.slice(12));

    const revoked = await cli(['revoke', token!.slice(0, 12)]);
    expect(revoked.stdout).toMatch(/revoked/);
    expect((await call(svc, 'GET', '/api/v1/me', { token })).status).toBe(401);
    expect((await cli(['list'])).stdout).toMatch(new RegExp(`${token!.slice(0, 12)}\\s+revoked`));
  });

  it('refuses an unknown region and an unknown prefix', async () => {
    const region = await cli(['create', '--region', '619999', '--role', 'VIEWER']).catch((e) => e);
    expect(region.code).toBe(1);
    expect(region.stderr).toMatch(/no region with code 619999/);
    const role = await cli(['create', '--region', HANYIN, '--role', 'BOSS']).catch((e) => e);
    expect(role.code).not.toBe(0);
    const prefix = await cli(['revoke', 'otk_nothing']).catch((e) => e);
    expect(prefix.code).toBe(1);
    expect(prefix.stderr).toMatch(/no token with prefix/);
  });
});
