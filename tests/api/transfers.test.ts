/**
 * Imports across counties and transfers: an import touches only households and workers inside
 * the uploader's region (a record elsewhere is a row error, left as it was); an ADMIN whose
 * region holds both ends moves records explicitly, audited, through the API or the CLI.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLedgerFile } from '../../src/import/import-ledger.js';
import { ensureStaffUser } from '../../src/staff/users.js';
import { outreachCli, type TestService } from '../helpers/service.js';
import { sampleRows, tempDir, writeCsv } from '../import/helpers.js';
import { call, DANFENG, HANYIN, startApiService, tokenFor } from './helpers.js';

let svc: TestService;
const db = () => svc.running.container.db;

/** 五一村 (汉阴县) and the households of 丹凤县 the tests reach for. */
const WUYI = '610921100201';
const TIAN_HOUSEHOLD = '6110221042010002'; // 田勇, 棣花村 (丹凤县)

async function household(code: string) {
  return db().prisma.household.findUniqueOrThrow({ where: { code }, include: { village: true, workers: true } });
}
async function regionId(code: string): Promise<number> {
  return (await db().prisma.region.findUniqueOrThrow({ where: { code } })).id;
}

/** A sheet of sample rows (by worker name) with some cells replaced. */
function sheet(rows: Array<{ name: string; set?: Record<string, string> }>): string {
  const all = sampleRows();
  const header = all[0] as string[];
  const col = (h: string) => header.indexOf(h);
  const out = rows.map(({ name, set }) => {
    const row = [...(all.find((r) => r[col('姓名')] === name) as string[])];
    for (const [h, v] of Object.entries(set ?? {})) row[col(h)] = v;
    return row;
  });
  return writeCsv(join(tempDir(), 'sheet.csv'), [header, ...out]);
}

/** Cells that put a row into 五一村 of 汉阴县. */
const IN_WUYI = { 村代码: WUYI, 市: '安康市', '县(区)': '汉阴县', '乡(镇)': '城关镇', 村: '五一村' };

async function importAs(regionCode: string, role: 'OPERATOR' | 'ADMIN', file: string) {
  const { user } = await ensureStaffUser(db().pool, { regionCode, role });
  return importLedgerFile(db(), file, { idHashKey: svc.running.container.idHashKey, staffUserId: user.id });
}

const outreach = (args: string[], token: string) => outreachCli(svc, args, { token });

beforeAll(async () => {
  svc = await startApiService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('an import touches only records inside the uploader’s region', () => {
  it('a row matching a household or worker of another county is a row error, and that record stays as it was', async () => {
    const tianBefore = await household(TIAN_HOUSEHOLD);
    const jiaBefore = await db().prisma.worker.findFirstOrThrow({ where: { name: '贾平' } });
    const file = sheet([
      { name: '张德明', set: { 手机号: '13891509999' } }, // line 2: in 汉阴县, written
      { name: '田勇', set: IN_WUYI }, // line 3: 丹凤县's household code and worker, put into 五一村
      { name: '贾平', set: { ...IN_WUYI, 户编号: '6109211002019999', 户主姓名: '贾平' } }, // line 4: 丹凤县's worker in a new household
    ]);
    const report = await importAs(HANYIN, 'OPERATOR', file);
    expect(report).toMatchObject({ rows: 3, imported: 1, failed: 2 });
    expect(report.errors.map((e) => [e.line, e.field])).toEqual([
      [3, '户编号'],
      [3, '身份证号'],
      [4, '身份证号'],
    ]);
    for (const e of report.errors)
      expect(e.message).toContain('belongs to another region; ask that county or an admin to transfer it');

    // Nothing of those rows was written: 丹凤县's household and worker are where they were, unchanged.
    const tianAfter = await household(TIAN_HOUSEHOLD);
    expect(tianAfter.village.code).toBe('611022104201');
    expect(tianAfter.updatedAt).toEqual(tianBefore.updatedAt);
    expect(tianAfter.workers.map((w) => [w.id, w.villageId, w.updatedAt])).toEqual(
      tianBefore.workers.map((w) => [w.id, w.villageId, w.updatedAt]),
    );
    const jiaAfter = await db().prisma.worker.findUniqueOrThrow({ where: { id: jiaBefore.id } });
    expect(jiaAfter).toEqual(jiaBefore);
    expect(await db().prisma.household.findUnique({ where: { code: '6109211002019999' } })).toBeNull();
    // The row inside the county was written.
    expect((await db().prisma.worker.findFirstOrThrow({ where: { name: '张德明' } })).phone).toBe('+8613891509999');
  });

  it('an import from the shell (no staff user) acts on the whole ledger', async () => {
    const file = sheet([{ name: '白雪', set: { 手机号: '13991900000' } }]);
    const report = await importLedgerFile(db(), file, { idHashKey: svc.running.container.idHashKey });
    expect(report).toMatchObject({ imported: 1, failed: 0 });
  });
});

describe('POST /api/v1/transfers/households and /workers', () => {
  it('only an ADMIN whose region holds both the household and the village may move it', async () => {
    const wuyi = await regionId(WUYI);
    const body = { householdCode: TIAN_HOUSEHOLD, toRegionId: wuyi };
    const operator = await tokenFor(svc, '61', 'OPERATOR');
    expect((await call(svc, 'POST', '/api/v1/transfers/households', { token: operator, json: body })).status).toBe(403);
    // 汉阴县's admin does not see 丹凤县's household; 丹凤县's admin may not reach into 汉阴县.
    const hanyinAdmin = await tokenFor(svc, HANYIN, 'ADMIN');
    const r1 = await call(svc, 'POST', '/api/v1/transfers/households', { token: hanyinAdmin, json: body });
    expect(r1.status).toBe(404);
    const danfengAdmin = await tokenFor(svc, DANFENG, 'ADMIN');
    const r2 = await call(svc, 'POST', '/api/v1/transfers/households', { token: danfengAdmin, json: body });
    expect(r2.status).toBe(403);
    const province = await tokenFor(svc, '61', 'ADMIN');
    const county = await call(svc, 'POST', '/api/v1/transfers/households', {
      token: province,
      json: { ...body, toRegionId: await regionId(HANYIN) },
    });
    expect(county.status).toBe(400);
    expect(county.body.message).toContain('village');
    const both = await call(svc, 'POST', '/api/v1/transfers/households', {
      token: province,
      json: { ...body, householdId: 1 },
    });
    expect(both.status).toBe(400);
    expect((await household(TIAN_HOUSEHOLD)).village.code).toBe('611022104201');
  });

  it('moves the household and its workers, audited on both sides; then 汉阴县 imports its row', async () => {
    const province = await tokenFor(svc, '61', 'ADMIN');
    const wuyi = await regionId(WUYI);
    const before = await household(TIAN_HOUSEHOLD);
    // What follows the household: its open tasks filed at its village and its open zero-employment spell.
    const { villageId, townshipId, countyId, provinceId } = before;
    const task = (status: 'OPEN' | 'DONE') =>
      db().prisma.staffTask.create({
        data: { kind: 'human_help', regionId: villageId, householdId: before.id, title: '回电', status },
      });
    const [open, done] = [await task('OPEN'), await task('DONE')];
    const spell = await db().prisma.zeroEmploymentSpell.create({
      data: { householdId: before.id, villageId, townshipId, countyId, provinceId, enteredAt: new Date() },
    });
    const r = await call(svc, 'POST', '/api/v1/transfers/households', {
      token: province,
      json: { householdCode: TIAN_HOUSEHOLD, toRegionId: wuyi },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      household: { id: before.id, code: TIAN_HOUSEHOLD },
      from: { code: '611022104201', name: '棣花村' },
      to: { id: wuyi, code: WUYI, name: '五一村' },
      moved: true,
      workers: 2,
    });
    const after = await household(TIAN_HOUSEHOLD);
    expect(after.village.code).toBe(WUYI);
    expect(after.countyId).toBe(await regionId(HANYIN));
    for (const w of after.workers) {
      expect([w.villageId, w.countyId, w.cityId]).toEqual([wuyi, after.countyId, after.cityId]);
    }
    const taskRegion = async (id: number) => (await db().prisma.staffTask.findUniqueOrThrow({ where: { id } })).regionId;
    expect([await taskRegion(open.id), await taskRegion(done.id)]).toEqual([wuyi, villageId]);
    expect(await db().prisma.zeroEmploymentSpell.findUniqueOrThrow({ where: { id: spell.id } })).toMatchObject({
      villageId: wuyi,
      countyId: after.countyId,
    });
    const audit = await db().prisma.auditLog.findMany({
      where: { entity: 'Household', entityId: String(before.id) },
      include: { region: true },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.region?.code])).toEqual([
      ['household.transfer_out', '611022104201'],
      ['household.transfer_in', WUYI],
    ]);
    expect(audit[0]?.details).toMatchObject({ via: 'API', from: '611022104201', to: WUYI, workers: 2 });

    // Again (by id and village code): nothing to do.
    const again = await call(svc, 'POST', '/api/v1/transfers/households', {
      token: province,
      json: { householdId: before.id, toRegionCode: WUYI },
    });
    expect(again.body).toMatchObject({ moved: false });

    // Now inside 汉阴县: its operator's import of the row goes through.
    const report = await importAs(HANYIN, 'OPERATOR', sheet([{ name: '田勇', set: { ...IN_WUYI, 手机号: '13991920000' } }]));
    expect(report).toMatchObject({ imported: 1, failed: 0 });
  });

  it('moves a worker into another household; the counts of both follow', async () => {
    const province = await tokenFor(svc, '61', 'ADMIN');
    const jia = await db().prisma.worker.findFirstOrThrow({ where: { name: '贾平' } });
    const from = await db().prisma.household.findUniqueOrThrow({ where: { id: jia.householdId } });
    const to = await household('6109211002010003');
    const hanyinAdmin = await tokenFor(svc, HANYIN, 'ADMIN');
    const hidden = await call(svc, 'POST', '/api/v1/transfers/workers', {
      token: hanyinAdmin,
      json: { workerId: jia.id, toHouseholdId: to.id },
    });
    expect(hidden.status).toBe(404);
    const r = await call(svc, 'POST', '/api/v1/transfers/workers', {
      token: province,
      json: { workerId: jia.id, toHouseholdId: to.id },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      worker: { id: jia.id, name: '贾平' },
      from: { household: { code: from.code }, village: { code: '611022104201' } },
      to: { household: { code: to.code }, village: { code: WUYI } },
      moved: true,
    });
    const moved = await db().prisma.worker.findUniqueOrThrow({ where: { id: jia.id } });
    expect([moved.householdId, moved.villageId, moved.countyId]).toEqual([to.id, to.villageId, to.countyId]);
    const labor = (id: number) =>
      db()
        .prisma.household.findUniqueOrThrow({ where: { id } })
        .then((h) => h.laborCount);
    expect(await labor(to.id)).toBe(to.laborCount + 1);
    expect(await labor(from.id)).toBe(from.laborCount - 1);
    const audit = await db().prisma.auditLog.findMany({ where: { entity: 'Worker', entityId: String(jia.id) } });
    expect(audit.map((a) => a.action).sort()).toEqual(['worker.transfer_in', 'worker.transfer_out']);
  });

  it('outreach transfer household|worker through the API, recorded as the CLI', async () => {
    const province = await tokenFor(svc, '61', 'ADMIN');
    const out = await outreach(['transfer', 'household', '6110221102010002', '--to', '611022104206'], province);
    expect(out).toContain('household 6110221102010002 moved: 竹林关村 (611022110201) → 万湾村 (611022104206), 2 worker(s)');
    expect((await household('6110221102010002')).village.code).toBe('611022104206');
    const audit = await db().prisma.auditLog.findFirstOrThrow({
      where: { action: 'household.transfer_in' },
      orderBy: { id: 'desc' },
    });
    expect(audit.details).toMatchObject({ via: 'CLI' });

    const ke = await db().prisma.worker.findFirstOrThrow({ where: { name: '柯强' } });
    const dest = await household('6110221102010002');
    expect(await outreach(['transfer', 'worker', String(ke.id), '--to-household', String(dest.id)], province)).toContain(
      `worker #${ke.id} 柯强 moved: household 6110221102010001`,
    );
    const refused = await outreach(
      ['transfer', 'worker', String(ke.id), '--to-household', String(dest.id)],
      await tokenFor(svc, DANFENG, 'OPERATOR'),
    ).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain('403');
  });

  it('the OpenAPI document lists the transfer routes', async () => {
    const doc = (await call(svc, 'GET', '/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths['/api/v1/transfers/households']?.post).toBeDefined();
    expect(doc.paths['/api/v1/transfers/workers']?.post).toBeDefined();
  });
});
