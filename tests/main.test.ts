/**
 * The service on its embedded defaults, as a newcomer runs it: PGlite and a redis-server child
 * under DATA_DIR, real HTTP, a clean stop, and the ledger still there after a restart.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { start } from '../src/main.js';
import { PROJECT_ROOT } from '../src/paths.js';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'outreach-main-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const config = () => loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' });

function cli(args: string[], env: Record<string, string> = {}) {
  const childEnv: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env };
  delete childEnv.DATABASE_URL;
  delete childEnv.REDIS_URL;
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), ...args], { env: childEnv, cwd: PROJECT_ROOT }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );
}

describe('service on embedded defaults', () => {
  it('starts, is ready over HTTP, keeps the ledger across a restart, and stops its children', async () => {
    const first = await start('all', config());
    try {
      expect(first.container.db.embedded).toBe(true);
      const res = await fetch(`${first.address}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ready' });
      await first.container.db.prisma.region.create({ data: { code: '610000000000', name: '陕西省', level: 'PROVINCE' } });

      // A second service cannot open the same embedded ledger, and says why.
      const second = await cli(['start']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by process \d+.*DATABASE_URL/s);
    } finally {
      await first.stop();
    }
    expect(existsSync(join(dataDir, 'redis', 'redis.pid'))).toBe(false); // redis-server exited
    expect(existsSync(join(dataDir, 'pglite', 'outreach.lock'))).toBe(false);

    const again = await start('all', config());
    try {
      expect(await again.container.db.prisma.region.findUnique({ where: { code: '610000000000' } })).toMatchObject({
        name: '陕西省',
      });
    } finally {
      await again.stop();
    }
  });

  it('commands run beside the running service read and write its ledger through its socket', async () => {
    const svc = await start('all', config());
    try {
      const { db } = svc.container;
      const imported = await cli(['import', join(PROJECT_ROOT, 'prisma/seed/sample-ledger.csv')]);
      expect(imported.stderr).toBe('');
      expect(imported.stdout).toMatch(/imported 33/);
      expect(await db.prisma.worker.count()).toBe(33);

      const created = await cli(['token', 'create', '--region', '610921', '--role', 'OPERATOR']);
      expect(created.code).toBe(0);
      const token = created.stdout.match(/^otk_\S+$/m)?.[0];
      expect(token).toBeDefined();
      const workers = await fetch(`${svc.address}/api/v1/workers?limit=5`, { headers: { authorization: `Bearer ${token}` } });
      expect(workers.status).toBe(200);
      expect(((await workers.json()) as { items: unknown[] }).items).toHaveLength(5);

      const listed = await cli(['token', 'list']);
      expect(listed.stdout).toContain(token!.slice(0, 12));
      const report = await cli(['report', 'freshness', '--region', '610921']);
      expect(report.code).toBe(0);
      expect(report.stdout).toContain('610921');
      expect((await cli(['migrate'])).stdout).toMatch(/up to date/);
      // The service served every one of them: its ledger is still open, and nobody else opened it.
      expect((await fetch(`${svc.address}/readyz`)).status).toBe(200);
    } finally {
      await svc.stop();
    }
    expect(existsSync(join(dataDir, 'pglite', 'server.json'))).toBe(false);
  }, 300_000);

  it('`outreach migrate` applies the migrations and says so; a bad variable stops it with its name', async () => {
    const ok = await cli(['migrate']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/up to date|applied/);

    const bad = await cli(['migrate'], { PORT: 'eighty' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/PORT: /);
  });

  it('`outreach start` with Twilio half configured refuses to start and names what is missing', async () => {
    const half = await cli(['start'], { TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'a-real-token' });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID: missing/);
    expect(half.stderr).not.toContain('a-real-token');
    expect(existsSync(join(dataDir, 'simulators.json'))).toBe(false); // no simulator stood in
  });
});
