/** `outreach import --queue` hands the file to the running workers, which import it. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { startTestService, type TestService } from './helpers/service.js';

const run = promisify(execFile);
let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('outreach import --queue', () => {
  it('queues the sample ledger and a worker imports it', async () => {
    const { config } = svc.running.container;
    const { stdout } = await run(
      process.execPath,
      [join(PROJECT_ROOT, 'bin/outreach.js'), 'import', '--queue', join(PROJECT_ROOT, 'prisma/seed/sample-ledger.csv')],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          DATA_DIR: config.DATA_DIR,
          DATABASE_URL: config.DATABASE_URL,
          REDIS_URL: config.REDIS_URL,
          REDIS_PREFIX: config.REDIS_PREFIX,
          LOG_LEVEL: 'silent',
        },
      },
    );
    expect(stdout).toMatch(/queued as job \d+/);
    const db = svc.running.container.db;
    await expect.poll(async () => (await db.prisma.importRun.findFirst())?.finishedAt, { timeout: 30_000 }).not.toBeNull();
    expect(await db.prisma.importRun.findFirstOrThrow()).toMatchObject({ rows: 33, imported: 33, failed: 0 });
    expect(await db.prisma.worker.count()).toBe(33);
  });

  it('refuses --queue without a shared Redis', async () => {
    const err = await run(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), 'import', '--queue', 'x.csv'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, REDIS_URL: '', DATA_DIR: svc.running.container.config.DATA_DIR },
    }).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/--queue needs REDIS_URL/);
  });
});
