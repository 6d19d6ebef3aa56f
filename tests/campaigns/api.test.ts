/** Campaigns through the staff API and the CLI: scopes, roles, validation, audit, progress. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { call, tokenFor } from '../api/helpers.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { NO_QUIET_HOURS, seedCounty } from './helpers.js';

let svc: TestService;
let countyA: string;
let countyB: string;
let viewer: string;
let phones: string[];

beforeAll(async () => {
  svc = await startTestService({ ...NO_QUIET_HOURS, SMS_RATE_PER_SECOND: '0' });
  const { db } = svc.running.container;
  phones = (await seedCounty(db, '610811', [{ phone: true }, { phone: true }, { phone: true }])).workers.map((w) => w.phone!);
  await seedCounty(db, '610812', [{ phone: true }]);
  countyA = await tokenFor(svc, '610811', 'OPERATOR');
  countyB = await tokenFor(svc, '610812', 'OPERATOR');
  viewer = await tokenFor(svc, '610811', 'VIEWER');
}, 60_000);
afterAll(() => svc?.stop());

const notice = {
  name: '政策通知',
  kind: 'POLICY_NOTICE',
  regionCode: '610811',
  content: { text: { 'zh-CN': '就业补贴政策通知' } },
};

function cli(args: string[], token: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, 'bin/outreach.js'), 'campaign', '--url', svc.url, '--token', token, ...args],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, LOG_LEVEL: 'silent' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('campaigns API', () => {
  it('creates, previews, launches and reports progress for a county token; a second launch is refused', async () => {
    const created = await call(svc, 'POST', '/api/v1/campaigns', { token: countyA, json: notice });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('DRAFT');
    const preview = await call(svc, 'GET', `/api/v1/campaigns/${created.body.id}/preview`, { token: countyA });
    expect(preview.body).toMatchObject({ recipients: 3, byChannel: { SMS: 3 } });
    const launched = await call(svc, 'POST', `/api/v1/campaigns/${created.body.id}/launch`, { token: countyA });
    expect(launched.status).toBe(200);
    await expect
      .poll(
        async () => (await call(svc, 'GET', `/api/v1/campaigns/${created.body.id}/progress`, { token: countyA })).body.status,
        { timeout: 15_000 },
      )
      .toBe('COMPLETED');
    const sim = svc.running.container.providers.simulators!.twilio;
    for (const p of phones) expect(sim.messages({ to: p, direction: 'outbound-api' })).toHaveLength(1);
    const again = await call(svc, 'POST', `/api/v1/campaigns/${created.body.id}/launch`, { token: countyA });
    expect(again.status).toBe(409);
    for (const p of phones) expect(sim.messages({ to: p, direction: 'outbound-api' })).toHaveLength(1);
  });

  it('keeps each county to its own: 403 to target another county, 404 to read its campaigns', async () => {
    const mine = await call(svc, 'POST', '/api/v1/campaigns', { token: countyA, json: notice });
    expect((await call(svc, 'POST', '/api/v1/campaigns', { token: countyB, json: notice })).status).toBe(403);
    expect((await call(svc, 'GET', `/api/v1/campaigns/${mine.body.id}`, { token: countyB })).status).toBe(404);
    expect((await call(svc, 'POST', `/api/v1/campaigns/${mine.body.id}/launch`, { token: countyB })).status).toBe(404);
    const list = await call(svc, 'GET', '/api/v1/campaigns', { token: countyB });
    expect(list.body.items.map((c: { id: number }) => c.id)).not.toContain(mine.body.id);
  });

  it('lets a viewer read but not launch, and names the field of a bad request', async () => {
    const mine = await call(svc, 'POST', '/api/v1/campaigns', { token: countyA, json: notice });
    expect((await call(svc, 'GET', `/api/v1/campaigns/${mine.body.id}/progress`, { token: viewer })).status).toBe(200);
    expect((await call(svc, 'POST', `/api/v1/campaigns/${mine.body.id}/launch`, { token: viewer })).status).toBe(403);
    expect((await call(svc, 'POST', '/api/v1/campaigns', { token: viewer, json: notice })).status).toBe(403);
    const bad = await call(svc, 'POST', '/api/v1/campaigns', { token: countyA, json: { ...notice, kind: 'SPAM' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('kind');
    const badSchedule = await call(svc, 'POST', '/api/v1/campaigns', {
      token: countyA,
      json: { ...notice, schedule: { type: 'weekly', dayOfWeek: 9, time: '25:00' } },
    });
    expect(badSchedule.status).toBe(400);
    expect(badSchedule.body.message).toMatch(/dayOfWeek|time/);
    expect((await call(svc, 'GET', '/api/v1/campaigns')).status).toBe(401);
  });

  it('is documented at /docs', async () => {
    const doc = await call(svc, 'GET', '/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/campaigns', '/api/v1/campaigns/{id}/launch', '/api/v1/campaigns/{id}/progress']),
    );
  });
});

describe('campaign CLI', () => {
  it('creates, launches and shows progress through the running service', async () => {
    const created = await cli(
      ['create', '--region', '610811', '--kind', 'POLICY_NOTICE', '--name', '命令行通知', '--text', '命令行发出的通知'],
      countyA,
    );
    expect(created.err).toBe('');
    const id = Number(/campaign (\d+) created/.exec(created.out)?.[1]);
    expect(created.out).toContain('"recipients": 3');
    const launched = await cli(['launch', String(id), '--watch'], countyA);
    expect(launched.code).toBe(0);
    expect(launched.out).toMatch(/100\.0% COMPLETED/);
    const status = await cli(['status', String(id)], countyA);
    expect(status.out).toMatch(/\[#{30}\] 100\.0% COMPLETED queued 0/);
    const denied = await cli(['pause', String(id)], countyB);
    expect(denied.code).not.toBe(0);
    expect(denied.err).toContain('404');
  }, 60_000);
});
