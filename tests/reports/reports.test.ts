/** Program reports on a small seeded ledger in PostgreSQL: exact figures, scoping, and the files. */
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { fiveClears } from '../../src/reports/five-clears.js';
import { freshness } from '../../src/reports/freshness.js';
import { findReport, writeReport } from '../../src/reports/index.js';
import { workerListRows } from '../../src/reports/lists.js';
import { nationalExportRows } from '../../src/reports/national-export.js';
import { quotaCompliance, shortfallRows } from '../../src/reports/quota.js';
import { resolveScope, resolveScopeWithin, ScopeError } from '../../src/reports/scope.js';
import { zeroEmploymentMonthly, zeroEmploymentPage, zeroEmploymentRows } from '../../src/reports/zero-employment.js';
import { createTestDb } from '../helpers/db.js';
import { NOW, type Seeded, seedReportLedger } from './seed.js';

let db: Db;
let seeded: Seeded;

beforeAll(async () => {
  db = await createTestDb('postgres');
  seeded = await seedReportLedger(db);
});
afterAll(async () => {
  await db?.close();
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Writes a report into memory and returns the bytes. */
async function render(name: string, region: string, format: 'json' | 'csv' | 'xlsx', params = {}): Promise<Buffer> {
  const def = findReport(name);
  if (!def) throw new Error(`no report ${name}`);
  const scope = await resolveScope(db.pool, region);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeReport(def, db.pool, scope, { now: NOW, ...params }, format, out);
  return Buffer.concat(chunks);
}

async function readXlsx(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  return wb;
}

describe('scope', () => {
  it('resolves codes at their own length and zero-padded 12-digit codes', async () => {
    expect((await resolveScope(db.pool, '610921')).regionId).toBe(seeded.regions.A);
    expect((await resolveScope(db.pool, '610921000000')).regionId).toBe(seeded.regions.A);
    expect((await resolveScope(db.pool, '610921100201')).level).toBe('VILLAGE');
    await expect(resolveScope(db.pool, '619999')).rejects.toBeInstanceOf(ScopeError);
  });

  it('allows narrowing inside a scope and refuses another county or a wider region', async () => {
    const county = await resolveScope(db.pool, '610921');
    expect((await resolveScopeWithin(db.pool, '610921101201', county)).code).toBe('610921101201');
    await expect(resolveScopeWithin(db.pool, '610922100201', county)).rejects.toMatchObject({ kind: 'OUTSIDE' });
    await expect(resolveScopeWithin(db.pool, '6109', county)).rejects.toMatchObject({ kind: 'OUTSIDE' });
  });
});

describe('five clears', () => {
  it('counts a county by township and leaves the other county out', async () => {
    const r = await fiveClears(db.pool, '610921', { now: NOW });
    expect(r.groupLevel).toBe('TOWNSHIP');
    expect(r.groups.map((g) => g.code)).toEqual(['610921100', '610921101']);
    const t = r.total;
    expect(t.workers).toEqual({ total: 7, withLabor: 6 });
    expect(t.employed).toEqual({ count: 2, withWage: 2, avgWage: 4000, medianWage: 4000 });
    expect(t.byRegion).toEqual({ local: 1, inProvince: 0, outOfProvince: 0, jiangsu: 1, publicWelfarePost: 0, selfEmployed: 0 });
    expect(t.byIndustry).toEqual([{ industry: '制造业', count: 2 }]);
    expect(t.unemployed.count).toBe(4);
    expect(t.unemployed.returnedHome).toBe(1);
    expect(t.unemployed.reasons).toEqual([
      { reason: '企业减员', count: 1 },
      { reason: '暂无合适岗位', count: 1 },
      { reason: '未填写', count: 1 },
      { reason: '需照顾老人', count: 1 },
    ]);
    expect(t.unableToWork).toBe(1);
    // Policy notices: W1 delivered and W3 sent; W5's is still queued, W8 is in the other county.
    expect(t.policy.campaigns).toBe(1);
    expect(t.policy.messages).toBe(2);
    expect(t.policy.workersReached).toBe(2);
    expect(t.policy.lastSentAt?.toISOString()).toBe(new Date(NOW.getTime() - 4 * 86_400_000).toISOString());

    const [a1, a2] = r.groups;
    expect(a1?.workers.total).toBe(6);
    expect(a1?.employed.count).toBe(2);
    expect(a2?.workers.total).toBe(1);
    expect(a2?.employed.medianWage).toBeNull();
    expect(a2?.unemployed.reasons).toEqual([{ reason: '未填写', count: 1 }]);
    expect(a2?.policy.messages).toBe(0);
  });

  it('covers the province by city, and by county on request', async () => {
    const r = await fiveClears(db.pool, '61', { now: NOW });
    expect(r.groupLevel).toBe('CITY');
    expect(r.total.workers.total).toBe(9);
    expect(r.total.employed.medianWage).toBe(4000);
    expect(r.total.policy.messages).toBe(3);
    const byCounty = await fiveClears(db.pool, '61', { by: 'county' });
    expect(byCounty.groups.map((g) => [g.code, g.workers.total])).toEqual([
      ['610921', 7],
      ['610922', 2],
    ]);
    await expect(fiveClears(db.pool, '610921', { by: 'city' })).rejects.toBeInstanceOf(ScopeError);
  });

  it('writes CSV with a BOM, the header and one row per group plus the total', async () => {
    const csv = (await render('five-clears', '610921', 'csv')).toString('utf8');
    expect(csv.startsWith('\ufeff区划代码,地区,')).toBe(true);
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^610921100,城关镇,1,2,2,/);
    expect(lines[3]).toMatch(/^610921,汉阴县\(合计\),1,2,2,/);
  });
});

describe('zero-employment households', () => {
  it('lists the households of the scope with days on the list and services since they entered', async () => {
    const rows = await zeroEmploymentPage(db.pool, await resolveScope(db.pool, '610921'), { now: NOW });
    expect(rows.map((r) => [r.householdCode, r.villageCode, r.laborCount, r.daysOnList, r.services])).toEqual([
      ['H2-0001', '610921100201', 2, 10, 2],
      ['H4-0001', '610921101201', 1, 40, 3],
    ]);
    const township = await collect(zeroEmploymentRows(db.pool, await resolveScope(db.pool, '610921101'), { now: NOW }));
    expect(township.map((r) => r.householdCode)).toEqual(['H4-0001']);
    const countyB = await collect(zeroEmploymentRows(db.pool, await resolveScope(db.pool, '610922'), { now: NOW }));
    expect(countyB).toEqual([]);
  });

  it('pages by household id', async () => {
    const scope = await resolveScope(db.pool, '6109');
    const first = await zeroEmploymentPage(db.pool, scope, { limit: 1, now: NOW });
    const second = await zeroEmploymentPage(db.pool, scope, { limit: 1, after: first[0]?.householdId, now: NOW });
    expect([first[0]?.householdCode, second[0]?.householdCode]).toEqual(['H2-0001', 'H4-0001']);
  });

  it('counts a month in China time: entered, cleared, median days to clear, open at the end', async () => {
    const a = await zeroEmploymentMonthly(db.pool, '610921', { month: '2025-03' });
    // Entered in March: H3 on 1 March 00:00 China (still February in UTC) and H2; cleared: H1 (32 days), H3 (10 days).
    expect(a.total).toMatchObject({ entered: 2, cleared: 2, medianDaysToClear: 21, openAtMonthEnd: 2 });
    expect(a.groups.map((g) => [g.code, g.entered, g.cleared, g.openAtMonthEnd])).toEqual([
      ['610921100', 2, 2, 1],
      ['610921101', 0, 0, 1],
    ]);
    const province = await zeroEmploymentMonthly(db.pool, '61', { month: '2025-03' });
    expect(province.total).toMatchObject({ entered: 3, cleared: 3, medianDaysToClear: 10 });
    const city = await zeroEmploymentMonthly(db.pool, '6109', { month: '2025-02', by: 'county' });
    // H3 entered at 1 March 00:00 China time: March, not February.
    expect(city.total).toMatchObject({ entered: 2, cleared: 0, openAtMonthEnd: 2 });
  });
});

describe('service quota compliance', () => {
  it('counts willing workers with a service and zero-employment households with three', async () => {
    const r = await quotaCompliance(db.pool, '610921');
    expect(r.total).toMatchObject({
      willingWorkers: 6,
      workersMet: 4,
      workersShort: 2,
      workersMetPercent: 66.7,
      zeroHouseholds: 2,
      householdsMet: 1,
      householdsShort: 1,
      householdsMetPercent: 50,
    });
    expect(r.groups.map((g) => [g.code, g.willingWorkers, g.workersMet, g.zeroHouseholds, g.householdsMet])).toEqual([
      ['610921100', 5, 3, 1, 0],
      ['610921101', 1, 1, 1, 1],
    ]);
  });

  it('names who falls short and by how many', async () => {
    const rows = await collect(shortfallRows(db.pool, await resolveScope(db.pool, '610921')));
    expect(rows.map((r) => [r.kind, r.name, r.has, r.short])).toEqual([
      ['household', 'H2户主', 2, 1],
      ['worker', '工人W2', 0, 1],
      ['worker', '工人W5', 0, 1],
    ]);
  });

  it('pages the shortfall list across households and workers', async () => {
    const def = findReport('quota-shortfalls');
    if (def?.kind !== 'list') throw new Error('quota-shortfalls is a list');
    const scope = await resolveScope(db.pool, '610921');
    const p1 = await def.page(db.pool, scope, {}, undefined, 2);
    const p2 = await def.page(db.pool, scope, {}, p1.next ?? undefined, 2);
    expect(p1.items.map((r: { name: string }) => r.name)).toEqual(['H2户主', '工人W2']);
    expect(p2.items.map((r: { name: string }) => r.name)).toEqual(['工人W5']);
    expect(p2.next).toBeNull();
  });

  it('writes both sheets to XLSX', async () => {
    const wb = await readXlsx(await render('quota', '610921', 'xlsx'));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['达标情况', '未达标名单']);
    const list = wb.worksheets[1]!;
    expect(list.getRow(1).getCell(1).value).toBe('类型');
    expect(list.rowCount).toBe(4);
    expect(list.getRow(2).values).toEqual([undefined, '零就业户', 'H2户主', 'H2-0001', '610921100201', '五一村', 2, 3, 1]);
  });
});

describe('freshness', () => {
  it('counts workers not confirmed for over 7 days, by village', async () => {
    const r = await freshness(db.pool, '610921', { now: NOW });
    expect(r.groupLevel).toBe('VILLAGE');
    expect(r.total).toMatchObject({ workers: 7, stale: 3, neverConfirmed: 1 });
    expect(r.groups.map((g) => [g.code, g.workers, g.stale])).toEqual([
      ['610921100201', 4, 0],
      ['610921100202', 2, 2],
      ['610921101201', 1, 1],
    ]);
  });
});

describe('worker lists', () => {
  it('employed, unemployed, willing to work away, returnees and stale, within the scope', async () => {
    const scope = await resolveScope(db.pool, '610921');
    const names = async (list: Parameters<typeof workerListRows>[2]) =>
      (await collect(workerListRows(db.pool, scope, list, { now: NOW }))).map((r) => r.name);
    expect(await names('employed')).toEqual(['工人W1', '工人W5']);
    expect(await names('unemployed')).toEqual(['工人W2', '工人W3', '工人W4', '工人W7']);
    expect(await names('willing-away')).toEqual(['工人W5']);
    expect(await names('returnees')).toEqual(['工人W4']);
    expect(await names('stale')).toEqual(['工人W5', '工人W6', '工人W7']);
  });

  it('shows employer, place and insurance, and never a full phone or ID number', async () => {
    const csv = (await render('employed', '610921', 'csv')).toString('utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    // (String.prototype.trim would take the BOM away too.)
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      '姓名,身份证号(后4位),手机号,户编号,村代码,村,就业状态,就业单位,就业地点,行业,月收入(元),是否参保,状态日期,最近确认时间',
    );
    expect(lines[1]).toBe(
      '工人W1,**************1011,138****0101,H1-0001,610921100201,五一村,县内就业,汉阴县新社区工厂,汉阴县,制造业,3000,是,2025-03-01,2025-03-18 12:00',
    );
    expect(csv).not.toContain('+86');
    expect(csv).not.toContain('13800000101');
  });

  it('streams a list as a JSON array', async () => {
    const rows = JSON.parse((await render('unemployed', '610921100', 'json')).toString('utf8'));
    expect(rows.map((r: { name: string; reason: string }) => [r.name, r.reason])).toEqual([
      ['工人W2', '需照顾老人'],
      ['工人W3', '暂无合适岗位'],
      ['工人W4', '企业减员'],
    ]);
  });
});

describe('national export', () => {
  it('has one row per worker of the scope with masked IDs and region codes', async () => {
    const rows = await collect(nationalExportRows(db.pool, await resolveScope(db.pool, '610921'), { now: NOW }));
    expect(rows).toHaveLength(7);
    expect(rows[0]).toMatchObject({
      idMasked: '**************1011',
      householdCode: 'H1-0001',
      provinceCode: '61',
      cityCode: '6109',
      countyCode: '610921',
      townshipCode: '610921100',
      villageCode: '610921100201',
      status: 'EMPLOYED_LOCAL',
      employer: '汉阴县新社区工厂',
      monthlyWage: 3000,
      insured: true,
      statusDate: '2025-03-01',
    });
  });

  it('for a past month shows the status as of that month’s end', async () => {
    const rows = await collect(
      nationalExportRows(db.pool, await resolveScope(db.pool, '610921100201'), { month: '2025-02', now: NOW }),
    );
    expect(rows.map((r) => [r.name, r.status, r.statusDate])).toEqual([
      ['工人W1', 'UNEMPLOYED', '2025-01-10'],
      ['工人W2', 'UNKNOWN', null],
      ['工人W3', 'UNKNOWN', null],
      ['工人W4', 'UNKNOWN', null],
    ]);
  });

  it('reads back from XLSX with the documented columns', async () => {
    const wb = await readXlsx(await render('national-export', '610921', 'xlsx'));
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(8);
    expect(ws.getRow(1).values).toEqual([
      undefined,
      '姓名',
      '身份证号(后4位)',
      '户编号',
      '省代码',
      '市代码',
      '县代码',
      '乡镇代码',
      '村代码',
      '劳动能力',
      '就业状态',
      '就业单位',
      '就业地点',
      '行业',
      '月收入',
      '是否参保',
      '外出务工意愿',
      '是否回流',
      '状态日期',
      '最近确认时间',
    ]);
    expect(ws.getRow(2).getCell(2).value).toBe('**************1011');
    expect(ws.getRow(2).getCell(10).value).toBe('县内就业');
    expect(ws.getRow(2).getCell(14).value).toBe(3000);
  });
});
