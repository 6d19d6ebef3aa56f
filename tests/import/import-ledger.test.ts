import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { ImportFileError, type ImportReport, importLedgerFile } from '../../src/import/import-ledger.js';
import { hashIdNumber, makeIdNumber } from '../../src/ledger/identity.js';
import { createTestDb, DB_KINDS } from '../helpers/db.js';
import { SAMPLE_CSV, SAMPLE_XLSX, sampleRows, tempDir, withCell, writeCsv } from './helpers.js';

const KEY = 'import-test-key-0123456789abcdef0123456789';

const header = sampleRows()[0] as string[];
const col = (h: string) => header.indexOf(h);
/** The sample's cell for the worker called `name`. */
function sampleCell(name: string, h: string): string {
  const row = sampleRows().find((r) => r[col('姓名')] === name);
  if (!row) throw new Error(name);
  return row[col(h)] as string;
}

async function counts(db: Db) {
  const r = await db.pool.query(`SELECT
    (SELECT count(*) FROM "Region")::int AS regions,
    (SELECT count(*) FROM "Region" WHERE level = 'VILLAGE')::int AS villages,
    (SELECT count(*) FROM "ResettlementSite")::int AS sites,
    (SELECT count(*) FROM "Household")::int AS households,
    (SELECT count(*) FROM "Worker")::int AS workers,
    (SELECT count(*) FROM "FamilyContact")::int AS contacts,
    (SELECT count(*) FROM "EmploymentEvent")::int AS events`);
  return r.rows[0] as Record<string, number>;
}

/** Everything the import writes, as comparable JSON (updatedAt included: an unchanged row is not rewritten). */
async function snapshot(db: Db): Promise<string> {
  const tables = {
    Region: 'code',
    ResettlementSite: 'code',
    Household: 'code',
    Worker: '"idHash"',
    FamilyContact: '"workerId", phone',
    EmploymentEvent: 'id',
  };
  const out: Record<string, unknown> = {};
  for (const [table, order] of Object.entries(tables)) {
    out[table] = (await db.pool.query(`SELECT * FROM "${table}" ORDER BY ${order}`)).rows;
  }
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

async function worker(db: Db, name: string) {
  const r = await db.pool.query(
    `SELECT w.*, h.code AS "householdCode", e.status AS "eventStatus", e."effectiveDate"::text AS "eventDate",
            to_char(w."statusConfirmedAt", 'YYYY-MM-DD HH24:MI:SS') AS confirmed,
            e.source, e.channel, e."importId"
       FROM "Worker" w JOIN "Household" h ON h.id = w."householdId"
       LEFT JOIN "EmploymentEvent" e ON e.id = w."currentEventId"
      WHERE w.name = $1`,
    [name],
  );
  expect(r.rows).toHaveLength(1);
  return r.rows[0];
}

async function household(db: Db, code: string) {
  // Timestamps are stored as UTC wall time; the epoch keeps the check independent of the machine's zone.
  const r = await db.pool.query(
    `SELECT *, extract(epoch FROM "zeroEmploymentSince")::float8 * 1000 AS "sinceMs" FROM "Household" WHERE code = $1`,
    [code],
  );
  return r.rows[0];
}

async function eventsOf(db: Db, name: string) {
  const r = await db.pool.query(
    `SELECT e.status, e."effectiveDate"::text AS date, e.employer FROM "EmploymentEvent" e
       JOIN "Worker" w ON w.id = e."workerId" WHERE w.name = $1 ORDER BY e.id`,
    [name],
  );
  return r.rows;
}

const SAMPLE_COUNTS = { regions: 16, villages: 7, sites: 2, households: 15, workers: 33, contacts: 9, events: 31 };

describe.each(DB_KINDS)('ledger import on %s', (kind) => {
  let db: Db;
  let first: ImportReport;
  const dir = tempDir();

  beforeAll(async () => {
    db = await createTestDb(kind);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('imports the sample: regions from codes and names, households, workers, contacts and events', async () => {
    const before = new Date();
    first = await importLedgerFile(db, SAMPLE_CSV, { idHashKey: KEY });
    expect(first).toMatchObject({
      fileName: 'sample-ledger.csv',
      rows: 33,
      imported: 33,
      failed: 0,
      errors: [],
      eventsAppended: 31,
    });
    expect(await counts(db)).toEqual(SAMPLE_COUNTS);

    const run = await db.pool.query(
      'SELECT *, extract(epoch FROM "finishedAt")::float8 * 1000 AS "finishedMs" FROM "ImportRun" WHERE id = $1',
      [first.importId],
    );
    expect(run.rows[0]).toMatchObject({ fileName: 'sample-ledger.csv', rows: 33, imported: 33, failed: 0, errors: [] });
    expect(run.rows[0].finishedMs).toBeGreaterThanOrEqual(before.getTime() - 1000);

    // The region tree follows the code prefixes.
    const chain = await db.pool.query(
      `SELECT v.name AS village, t.code AS township, t.name AS "townshipName", c.code AS county, ci.code AS city, p.code AS province,
              p."parentId" AS "provinceParent", v.level AS "villageLevel", t.level AS "townshipLevel"
         FROM "Region" v JOIN "Region" t ON t.id = v."parentId" JOIN "Region" c ON c.id = t."parentId"
         JOIN "Region" ci ON ci.id = c."parentId" JOIN "Region" p ON p.id = ci."parentId"
        WHERE v.code = '610921101205'`,
    );
    expect(chain.rows[0]).toEqual({
      village: '东坝村',
      township: '610921101',
      townshipName: '涧池镇',
      county: '610921',
      city: '6109',
      province: '61',
      provinceParent: null,
      villageLevel: 'VILLAGE',
      townshipLevel: 'TOWNSHIP',
    });
  });

  it('derives worker fields and copies the region chain onto households and workers', async () => {
    const id = sampleCell('张伟', '身份证号');
    const w = await worker(db, '张伟');
    expect(w).toMatchObject({
      idHash: hashIdNumber(id, KEY),
      idLast4: id.slice(-4),
      gender: 'M',
      birthYear: 2000,
      phone: '+8613991543456', // written "+86 139 9154 3456" in the sheet
      laborCapacity: 'FULL',
      willingToWorkAway: true,
      skills: ['电工', '焊工'],
      isReturnee: false,
      countyConfirmed: true,
      currentStatus: 'EMPLOYED_JIANGSU',
      eventStatus: 'EMPLOYED_JIANGSU',
      eventDate: '2025-10-28',
      source: 'IMPORT',
      channel: 'IMPORT',
      importId: first.importId,
    });
    expect(w.confirmed).toBe('2025-10-28 00:00:00');

    // No column anywhere holds the full ID number.
    const leaked = await db.pool.query(
      `SELECT count(*)::int AS n FROM "Worker" w WHERE row_to_json(w)::text LIKE '%' || $1 || '%'`,
      [id],
    );
    expect(leaked.rows[0].n).toBe(0);

    // Chain ids: the worker's equal its household's, which equal the village's ancestors.
    const mismatched = await db.pool.query(`
      SELECT count(*)::int AS n FROM "Worker" w JOIN "Household" h ON h.id = w."householdId"
        JOIN "Region" v ON v.id = h."villageId" JOIN "Region" t ON t.id = v."parentId" JOIN "Region" c ON c.id = t."parentId"
        JOIN "Region" ci ON ci.id = c."parentId" JOIN "Region" p ON p.id = ci."parentId"
       WHERE (w."villageId", w."townshipId", w."countyId", w."cityId", w."provinceId")
             IS DISTINCT FROM (v.id, t.id, c.id, ci.id, p.id)
          OR (h."townshipId", h."countyId", h."cityId", h."provinceId") IS DISTINCT FROM (t.id, c.id, ci.id, p.id)`);
    expect(mismatched.rows[0].n).toBe(0);

    // A row giving only the village code joins the village an earlier row named.
    expect((await worker(db, '何燕')).villageId).toBe((await worker(db, '郭志强')).villageId);

    const elder = await worker(db, '杨秀珍');
    expect(elder).toMatchObject({
      currentStatus: 'UNKNOWN',
      currentEventId: null,
      statusConfirmedAt: null,
      laborCapacity: 'NONE',
      phone: null,
    });
    expect(await worker(db, '刘桂英')).toMatchObject({ needsVoice: true, currentStatus: 'UNABLE_TO_WORK' });
    expect(await worker(db, '杨成')).toMatchObject({ isReturnee: true, currentStatus: 'RETURNED_HOME' });
  });

  it('records the relocated household with its resettlement site and the family contacts', async () => {
    const r = await db.pool.query(
      `SELECT h.category, s.name AS site, s.code AS "siteCode", reg.code AS "siteRegion", h."headName", h.address
         FROM "Household" h JOIN "ResettlementSite" s ON s.id = h."siteId" JOIN "Region" reg ON reg.id = s."regionId"
        WHERE h.code = '6109211000020001'`,
    );
    expect(r.rows[0]).toEqual({
      category: 'RELOCATED',
      site: '城关镇月河安置小区',
      siteCode: '610921:城关镇月河安置小区',
      siteRegion: '610921',
      headName: '陈军',
      address: '月河安置小区3栋',
    });
    const c = await db.pool.query(
      `SELECT f.name, f.relation, f.phone, f.verified FROM "FamilyContact" f JOIN "Worker" w ON w.id = f."workerId" WHERE w.name = '张伟'`,
    );
    expect(c.rows).toEqual([{ name: '李秀兰', relation: 'PARENT', phone: '+8613891502345', verified: false }]);
  });

  it('computes labour, employment and the zero-employment flag per household', async () => {
    const hh = await db.pool.query(
      `SELECT code, "laborCount", "employedCount", "zeroEmployment", "zeroEmploymentSince" IS NOT NULL AS since
         FROM "Household" ORDER BY code`,
    );
    const byCode = Object.fromEntries(hh.rows.map((r) => [r.code, r]));
    // 王建国 (unemployed) and 刘桂英 (no labour): one worker with labour, nobody employed.
    expect(byCode['6109211002010002']).toMatchObject({ laborCount: 1, employedCount: 0, zeroEmployment: true, since: true });
    // 张德明's household: all three employed (a public-welfare post counts).
    expect(byCode['6109211002010001']).toMatchObject({ laborCount: 3, employedCount: 3, zeroEmployment: false, since: false });
    // 柯长林 (weak labour, unable to work) and his employed son.
    expect(byCode['6110221102010001']).toMatchObject({ laborCount: 2, employedCount: 1, zeroEmployment: false });
    expect(hh.rows.filter((r) => r.zeroEmployment).map((r) => r.code)).toEqual([
      '6109211002010002',
      '6109211012030001',
      '6110221042010001',
    ]);
  });

  it('counts households the same when their members arrive in different batches', async () => {
    const householdFigures = async (d: Db) =>
      (
        await d.pool.query(
          `SELECT h.code, h."laborCount", h."employedCount", h."zeroEmployment", h."zeroEmploymentSince" IS NOT NULL AS since,
                  (SELECT count(*)::int FROM "ZeroEmploymentSpell" s WHERE s."householdId" = h.id AND s."clearedAt" IS NULL) AS "openSpells"
             FROM "Household" h ORDER BY h.code`,
        )
      ).rows;
    const split = await createTestDb(kind);
    try {
      // Two rows per batch: most households are written by one batch and completed by the next.
      const report = await importLedgerFile(split, SAMPLE_CSV, { idHashKey: KEY, batchSize: 2 });
      expect(report).toMatchObject({ rows: 33, imported: 33, failed: 0 });
      const figures = await householdFigures(split);
      expect(figures).toEqual(await householdFigures(db));
      expect(figures.filter((h) => h.zeroEmployment).every((h) => h.openSpells === 1)).toBe(true);
      expect(figures.filter((h) => !h.zeroEmployment).every((h) => h.openSpells === 0)).toBe(true);
    } finally {
      await split.close();
    }
  }, 60_000);

  it('gives the same ledger from the XLSX version of the sample (title row, numbers and dates typed as such)', async () => {
    const before = await snapshot(db);
    const report = await importLedgerFile(db, SAMPLE_XLSX, { idHashKey: KEY });
    expect(report).toMatchObject({ rows: 33, imported: 33, failed: 0, eventsAppended: 0 });
    expect(await snapshot(db)).toBe(before);
  });

  it('re-imports the same file without duplicating or rewriting anything', async () => {
    const before = await snapshot(db);
    const report = await importLedgerFile(db, SAMPLE_CSV, { idHashKey: KEY });
    expect(report).toMatchObject({ rows: 33, imported: 33, failed: 0, eventsAppended: 0 });
    expect(await counts(db)).toEqual(SAMPLE_COUNTS);
    expect(await snapshot(db)).toBe(before);
  });

  it('appends exactly one event for a changed status and clears the zero-employment flag', async () => {
    let rows = withCell(sampleRows(), '王建国', '就业状态', '县内就业');
    rows = withCell(rows, '王建国', '就业单位', '汉阴县茶业有限公司');
    rows = withCell(rows, '王建国', '未就业原因', '');
    rows = withCell(rows, '王建国', '状态日期', '2025-11-20');
    rows = withCell(rows, '张德明', '手机号', ''); // an empty cell keeps what the ledger has
    const file = writeCsv(join(dir, 'changed.csv'), rows);

    const report = await importLedgerFile(db, file, { idHashKey: KEY });
    expect(report).toMatchObject({ imported: 33, failed: 0, eventsAppended: 1 });
    expect(await counts(db)).toEqual({ ...SAMPLE_COUNTS, events: SAMPLE_COUNTS.events + 1 });
    expect(await eventsOf(db, '王建国')).toEqual([
      { status: 'UNEMPLOYED', date: '2025-11-05', employer: null },
      { status: 'EMPLOYED_LOCAL', date: '2025-11-20', employer: '汉阴县茶业有限公司' },
    ]);
    const w = await worker(db, '王建国');
    expect(w).toMatchObject({ currentStatus: 'EMPLOYED_LOCAL', eventDate: '2025-11-20', importId: report.importId });
    expect(w.confirmed).toBe('2025-11-20 00:00:00');
    expect(await household(db, '6109211002010002')).toMatchObject({
      employedCount: 1,
      zeroEmployment: false,
      zeroEmploymentSince: null,
    });
    expect((await worker(db, '张德明')).phone).toBe('+8613891501234');

    // Importing the changed file again changes nothing more.
    expect(await importLedgerFile(db, file, { idHashKey: KEY })).toMatchObject({ eventsAppended: 0 });
    expect((await counts(db)).events).toBe(SAMPLE_COUNTS.events + 1);
  });

  it('keeps history in order: an older report is recorded but not current; a repeated status only reconfirms', async () => {
    const zeroSince = (await household(db, '6109211012030001')).sinceMs;
    expect(zeroSince).toBeGreaterThan(0);
    let rows = sampleRows();
    rows = withCell(rows, '贾平', '就业状态', '县内就业'); // dated before his current "returned home"
    rows = withCell(rows, '贾平', '状态日期', '2025-03-01');
    rows = withCell(rows, '贾平', '未就业原因', '');
    rows = withCell(rows, '田勇', '状态日期', '2025-11-25'); // same status, newer date
    rows = withCell(rows, '马林', '就业状态', '返乡'); // 马林's household loses both jobs
    rows = withCell(rows, '马林', '状态日期', '2025-11-26');
    rows = withCell(rows, '马德福', '就业状态', '未就业');
    rows = withCell(rows, '马德福', '状态日期', '2025-11-26');
    const file = writeCsv(join(dir, 'history.csv'), rows);
    const started = new Date();

    const report = await importLedgerFile(db, file, { idHashKey: KEY });
    // 贾平, 马林 and 马德福. 王建国's row is the sample's again: that event exists, so nothing is added.
    expect(report.eventsAppended).toBe(3);

    expect(await eventsOf(db, '贾平')).toHaveLength(2);
    expect(await worker(db, '贾平')).toMatchObject({ currentStatus: 'RETURNED_HOME', eventDate: '2025-11-03' });
    expect(await worker(db, '王建国')).toMatchObject({ currentStatus: 'EMPLOYED_LOCAL' });
    expect(await eventsOf(db, '王建国')).toHaveLength(2);

    const tian = await worker(db, '田勇');
    expect(await eventsOf(db, '田勇')).toHaveLength(1);
    expect(tian.confirmed).toBe('2025-11-25 00:00:00');

    const ma = await household(db, '6109211012030002');
    expect(ma).toMatchObject({ laborCount: 2, employedCount: 0, zeroEmployment: true });
    expect(ma.sinceMs).toBeGreaterThanOrEqual(started.getTime() - 1000);
    expect(ma.sinceMs).toBeLessThanOrEqual(Date.now() + 1000);
    // A household that stays zero-employment keeps the time it became so.
    expect((await household(db, '6109211012030001')).sinceMs).toBe(zeroSince);

    expect(await importLedgerFile(db, file, { idHashKey: KEY })).toMatchObject({ eventsAppended: 0 });
  });

  it('moves a worker to another household and a household to another village, and recounts both sides', async () => {
    const rows = sampleRows();
    const h = rows[0] as string[];
    const zijing = { 村代码: '610921101203', 村: '紫荆村', '乡(镇)': '涧池镇' };
    const moved = (name: string, changes: Record<string, string>) => {
      const row = rows.find((r) => r[col('姓名')] === name) as string[];
      return h.map((header, i) => changes[header] ?? (row[i] as string));
    };
    const file = writeCsv(join(dir, 'moves.csv'), [
      h,
      // 陈小龙 leaves his parents' relocated household for one of his own in 紫荆村.
      moved('陈小龙', { ...zijing, 户编号: '6109211012030009', 户主姓名: '陈小龙', 户类别: '未脱贫户', 安置点: '', 住址: '' }),
      // 高福's household moves to 紫荆村; 高玉梅, not in this file, follows it.
      moved('高福', zijing),
    ]);
    const report = await importLedgerFile(db, file, { idHashKey: KEY });
    expect(report).toMatchObject({ rows: 2, imported: 2, failed: 0 });

    const village = (await db.pool.query(`SELECT id FROM "Region" WHERE code = '610921101203'`)).rows[0].id;
    expect(await worker(db, '陈小龙')).toMatchObject({ householdCode: '6109211012030009', villageId: village });
    expect(await household(db, '6109211012030009')).toMatchObject({ laborCount: 1, employedCount: 0, zeroEmployment: true });
    expect(await household(db, '6109211000020001')).toMatchObject({ laborCount: 2, employedCount: 2, zeroEmployment: false });
    expect(await household(db, '6109211012050002')).toMatchObject({ villageId: village });
    expect(await worker(db, '高玉梅')).toMatchObject({ villageId: village, householdCode: '6109211012050002' });
  });

  it('counts a new household that a worker already in the ledger joins from the ledger, not from the row', async () => {
    const rows = sampleRows();
    const h = rows[0] as string[];
    const row = rows.find((r) => r[col('姓名')] === '王建国') as string[];
    const withCells = (changes: Record<string, string>) => h.map((header, i) => changes[header] ?? (row[i] as string));
    // Out of work as of a recent date (his sample row, re-dated) …
    const recent = writeCsv(join(dir, 'recent.csv'), [h, withCells({ 状态日期: '2025-11-25' })]);
    await importLedgerFile(db, recent, { idHashKey: KEY });
    expect(await worker(db, '王建国')).toMatchObject({ currentStatus: 'UNEMPLOYED', eventDate: '2025-11-25' });
    // … then in a household of his own, with an older report of a job: recorded, not current.
    const changes = {
      户编号: '6109211002010099',
      户主姓名: '王建国',
      就业状态: '县内就业',
      状态日期: '2024-03-01',
      未就业原因: '',
    };
    const joins = writeCsv(join(dir, 'joins.csv'), [h, withCells(changes)]);
    expect(await importLedgerFile(db, joins, { idHashKey: KEY })).toMatchObject({ imported: 1, failed: 0 });
    expect(await worker(db, '王建国')).toMatchObject({ householdCode: '6109211002010099', currentStatus: 'UNEMPLOYED' });
    expect(await household(db, '6109211002010099')).toMatchObject({ laborCount: 1, employedCount: 0, zeroEmployment: true });
  });

  it('reports bad rows by line and column, imports the good ones, and keeps numbers out of the errors', async () => {
    const rows = sampleRows();
    const h = rows[0] as string[];
    const good = rows[1] as string[]; // 张德明, already in the ledger
    const goodId = good[col('身份证号')] as string;
    const make = (changes: Record<string, string>) => h.map((name, i) => changes[name] ?? (good[i] as string));
    const id = (seq: number) => makeIdNumber('610921', '1990-01-01', seq);
    const sheet = [
      h,
      good, // line 2: fine
      make({ 姓名: '错校验', 身份证号: `${goodId.slice(0, 17)}${goodId.endsWith('5') ? '6' : '5'}` }), // line 3
      make({ 姓名: '重复人' }), // line 4: the ID number of line 2
      make({
        姓名: '无名村',
        身份证号: id(11),
        村代码: '610921101299',
        省: '',
        市: '',
        '县(区)': '',
        '乡(镇)': '',
        村: '',
        户编号: 'X1',
      }), // line 5
      make({ 姓名: '改名村', 身份证号: id(13), 村: '六一村', 户编号: 'X2' }), // line 6
      make({ 姓名: '坏电话', 身份证号: id(15), 手机号: '1389150', 户编号: 'X3', 劳动能力: '壮劳力' }), // line 7
      make({ 姓名: '新户', 身份证号: id(17), 手机号: '13891500017', 户编号: 'X4', 户类别: '监测户' }), // line 8: fine
    ];
    const report = await importLedgerFile(db, writeCsv(join(dir, 'bad.csv'), sheet), { idHashKey: KEY });
    expect(report).toMatchObject({ rows: 7, imported: 2, failed: 5, errorCount: 6 });
    expect(report.errors.map((e) => `${e.line} ${e.field}`)).toEqual([
      '3 身份证号',
      '4 身份证号',
      '5 村代码',
      '6 村',
      '7 手机号',
      '7 劳动能力',
    ]);
    expect(report.errors[0]?.message).toBe('身份证号校验位错误 / ID number checksum is wrong');
    expect(report.errors[1]?.message).toBe('与第2行身份证号重复 / duplicate of line 2');
    expect(report.errors[2]?.message).toContain('not in the ledger');
    expect(report.errors[3]?.message).toContain('“五一村”');
    expect(await worker(db, '新户')).toMatchObject({ householdCode: 'X4', phone: '+8613891500017' });
    for (const name of ['错校验', '重复人', '无名村', '改名村', '坏电话']) {
      expect((await db.pool.query('SELECT 1 FROM "Worker" WHERE name = $1', [name])).rowCount).toBe(0);
    }

    const stored = await db.pool.query('SELECT errors, failed, imported, rows FROM "ImportRun" WHERE id = $1', [report.importId]);
    expect(stored.rows[0]).toMatchObject({ failed: 5, imported: 2, rows: 7, errors: report.errors });
    const text = JSON.stringify(stored.rows[0].errors);
    for (const r of sheet.slice(1)) {
      expect(text).not.toContain(r[col('身份证号')]);
      expect(text).not.toContain(r[col('手机号')]);
    }
  });

  it('rejects names that contradict the ledger for a known code', async () => {
    const rows = withCell(sampleRows(), '张德明', '村', '六一村');
    const report = await importLedgerFile(db, writeCsv(join(dir, 'rename.csv'), rows), { idHashKey: KEY });
    expect(report.failed).toBe(1);
    expect(report.errors).toEqual([{ line: 2, field: '村', message: expect.stringContaining('“五一村”') }]);
  });

  it('refuses a file without the required columns and records nothing', async () => {
    const runs = (await db.pool.query('SELECT count(*)::int AS n FROM "ImportRun"')).rows[0].n;
    const file = writeCsv(join(dir, 'wrong.csv'), [
      ['姓名', '电话'],
      ['张三', '13891501234'],
    ]);
    await expect(importLedgerFile(db, file, { idHashKey: KEY })).rejects.toThrow(ImportFileError);
    await expect(importLedgerFile(db, file, { idHashKey: KEY })).rejects.toThrow(/村代码、户编号、户类别、身份证号、劳动能力/);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM "ImportRun"')).rows[0].n).toBe(runs);
  });
});
