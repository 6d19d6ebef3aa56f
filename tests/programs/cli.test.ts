/** The program commands against a real ledger: the post roster, a dossier, publishing a list. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { assignPost } from '../../src/programs/posts.js';
import { createTestDb } from '../helpers/db.js';
import { seedWorker } from '../helpers/ledger.js';

const run = promisify(execFile);
let db: Db;
let dataDir: string;

const outreach = (...args: string[]) =>
  run(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), ...args], {
    env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  });

beforeAll(async () => {
  db = await createTestDb('postgres');
  dataDir = mkdtempSync(join(tmpdir(), 'outreach-cli-programs-'));
});
afterAll(async () => {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('program commands', () => {
  it('posts roster prints the month and writes a file; unwilling dossier prints JSON; training publish once', async () => {
    const { worker, county } = await seedWorker(db, { name: '冯九' });
    await assignPost(db.pool, {
      workerId: worker.id,
      postName: '保洁员',
      startDate: '2026-05-01',
      endDate: '2026-10-31',
      monthlySubsidy: 600,
    });
    const countyCode = (await db.prisma.region.findUniqueOrThrow({ where: { id: county.id } })).code;

    const printed = await outreach('posts', 'roster', '--region', countyCode, '--month', '2026-05');
    expect(printed.stdout).toContain('冯九\t保洁员\t2026-05-01..2026-10-31\t31/31 days\t600 yuan');
    expect(printed.stdout).toContain('1 posts in 绥德县 2026-05, subsidy 600 yuan');
    const file = join(dataDir, 'roster.csv');
    await outreach('posts', 'roster', '--region', countyCode, '--month', '2026-05', '--out', file);
    expect(readFileSync(file, 'utf8')).toContain('冯九');
    await expect(outreach('posts', 'roster', '--region', countyCode, '--month', '2026-13')).rejects.toMatchObject({
      stderr: expect.stringContaining('--month: expected YYYY-MM'),
    });

    const dossier = await outreach('unwilling', 'dossier', String(worker.id));
    expect(JSON.parse(dossier.stdout).worker.name).toBe('冯九');

    await db.prisma.trainingRequest.create({
      data: { workerId: worker.id, trade: 'welder', listMonth: '2026-04', channel: 'SMS' },
    });
    const first = await outreach('training', 'publish', '--month', '2026-04');
    expect(first.stdout).toContain('published: county');
    expect(first.stdout).toContain('1 trades, 1 people');
    const second = await outreach('training', 'publish', '--month', '2026-04');
    expect(second.stdout).toContain('already published');
  });
});
