/** The subsidy ledger (§14) on a constructed ledger in PostgreSQL: hand-computed lines and sums, rules from configuration. */
import { PassThrough } from 'node:stream';
import { fc, test } from '@fast-check/vitest';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { findReport, writeReport } from '../../src/reports/index.js';
import { resolveScope } from '../../src/reports/scope.js';
import { type SubsidyLine, subsidyLedger, subsidyLines, subsidyLinesPage } from '../../src/reports/subsidies.js';
import { loadSubsidyRules, parseSubsidyRules, type SubsidyRules, SubsidyRulesError } from '../../src/reports/subsidy-rules.js';
import { createTestDb } from '../helpers/db.js';
import { NOW } from '../reports/seed.js';
import { type SubsidyFixture, seedSubsidyLedger } from './fixture.js';

let db: Db;
let f: SubsidyFixture;
const rules = loadSubsidyRules();

beforeAll(async () => {
  db = await createTestDb('postgres');
  f = await seedSubsidyLedger(db);
});
afterAll(async () => {
  await db?.close();
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const key = (l: SubsidyLine) => `${l.kind} ${l.workerName} ${l.payeeName}`;
const ledger = async (region: string, month: string, r: SubsidyRules = rules) =>
  subsidyLedger(db.pool, await resolveScope(db.pool, region), r, { month });
const lines = async (region: string, month: string, r: SubsidyRules = rules) =>
  collect(subsidyLines(db.pool, await resolveScope(db.pool, region), r, month));

describe('subsidy ledger', () => {
  it('shipped rules: 500 yuan each, 60 days, the same employer', () => {
    expect(rules.referral).toMatchObject({ amountYuan: 500, windowDays: 60, sameEmployer: true });
    expect(rules.absorption.amountYuan).toBe(500);
  });

  it('March in the city: each county’s lines and sums, as computed by hand', async () => {
    const r = await ledger('6109', '2025-03');
    expect(r.counties).toEqual([
      {
        countyCode: '610921',
        countyName: '汉阴县',
        referrals: 1,
        referralYuan: 500,
        absorptions: 4,
        absorptionYuan: 2000,
        totalYuan: 2500,
      },
      {
        countyCode: '610922',
        countyName: '石泉县',
        referrals: 1,
        referralYuan: 500,
        absorptions: 1,
        absorptionYuan: 500,
        totalYuan: 1000,
      },
    ]);
    expect(r.total).toEqual({ referrals: 2, referralYuan: 1000, absorptions: 5, absorptionYuan: 2500, totalYuan: 3500 });
    expect(r.payees.map((p) => [p.countyCode, p.kind, p.payeeName, p.workers, p.amountYuan])).toEqual([
      ['610921', 'ABSORPTION', '汉阴县富硒食品公司', 2, 1000],
      ['610921', 'ABSORPTION', '汉阴县新社区工厂', 2, 1000],
      ['610921', 'REFERRAL', '汉阴县劳务输出站', 1, 500],
      ['610922', 'ABSORPTION', '石泉县蚕桑扶贫车间', 1, 500],
      ['610922', 'REFERRAL', '石泉县人力资源公司', 1, 500],
    ]);
  });

  it('each line names its evidence rows', async () => {
    const all = await lines('6109', '2025-03');
    expect(all.map(key)).toEqual([
      'REFERRAL 工人W3 汉阴县劳务输出站',
      'REFERRAL 工人W9 石泉县人力资源公司',
      'ABSORPTION 工人W3 汉阴县新社区工厂',
      'ABSORPTION 工人W4 汉阴县富硒食品公司',
      'ABSORPTION 工人W5 汉阴县新社区工厂',
      'ABSORPTION 工人W7 汉阴县富硒食品公司',
      'ABSORPTION 工人W9 石泉县蚕桑扶贫车间',
    ]);
    const w3 = all.find((l) => l.kind === 'REFERRAL' && l.workerName === '工人W3')!;
    // Referred 03-02 00:30 China (03-01 in UTC): the E1 event of 03-01 is before it, the one of 03-05 is the placement.
    expect(w3).toMatchObject({
      referralId: f.referrals.W3!.toString(),
      eventId: f.events.W3!.toString(),
      employedOn: '2025-03-05',
      payeeCreditCode: '91610921MA6YQ0001X',
      employerName: '汉阴县新社区工厂',
      amountYuan: 500,
      month: '2025-03',
      householdCode: 'H2-0001',
      countyCode: '610921',
    });
    expect(w3.referredAt?.toISOString()).toBe('2025-03-01T16:30:00.000Z');
    // The absorption is the worker's first eligible employment, the 03-01 event.
    expect(all.find((l) => l.kind === 'ABSORPTION' && l.workerName === '工人W3')).toMatchObject({
      eventId: f.events.W3early!.toString(),
      employedOn: '2025-03-01',
      payeeCreditCode: '91610921MA6YQ0003X',
      referralId: null,
    });
    // W9: AG2 referred first; AG1's later referral to the same placement is not paid a second time.
    expect(all.find((l) => l.kind === 'REFERRAL' && l.workerName === '工人W9')?.referralId).toBe(f.referrals.W9!.toString());
  });

  it('one absorption per worker: W1’s is February’s, none in March', async () => {
    expect((await lines('610921', '2025-02')).map(key)).toEqual(['ABSORPTION 工人W1 汉阴县新社区工厂']);
    expect((await lines('610921', '2025-03')).some((l) => l.workerName === '工人W1')).toBe(false);
    expect((await ledger('6109', '2025-01')).total.totalYuan).toBe(0);
  });

  it('a township sees its own lines only', async () => {
    const r = await ledger('610921101', '2025-03');
    expect(r.total).toEqual({ referrals: 0, referralYuan: 0, absorptions: 1, absorptionYuan: 500, totalYuan: 500 });
    expect((await lines('610921101', '2025-03')).map(key)).toEqual(['ABSORPTION 工人W7 汉阴县富硒食品公司']);
  });

  it('the rules are configuration: window, same employer, types, amounts, verification', async () => {
    const wider: SubsidyRules = {
      ...rules,
      referral: { ...rules.referral, windowDays: 70, sameEmployer: false, amountYuan: 300 },
    };
    // W4 (64 days) and W7 (another employer) now count for AG1.
    const r = await ledger('610921', '2025-03', wider);
    expect(r.total).toMatchObject({ referrals: 3, referralYuan: 900 });
    const workshops: SubsidyRules = { ...rules, absorption: { ...rules.absorption, employerTypes: ['POVERTY_WORKSHOP'] } };
    expect((await lines('6109', '2025-03', workshops)).filter((l) => l.kind === 'ABSORPTION').map(key)).toEqual([
      'ABSORPTION 工人W9 石泉县蚕桑扶贫车间',
    ]);
    const from: SubsidyRules = { ...rules, absorption: { ...rules.absorption, from: '2025-03-02' } };
    // From 03-02 on: W3's first eligible employment is now the 03-05 one; W7's (03-01) falls out, W1's first is 03-12.
    const fromLines = (await lines('610921', '2025-03', from)).filter((l) => l.kind === 'ABSORPTION');
    expect(fromLines.map(key)).toEqual([
      'ABSORPTION 工人W1 汉阴县富硒食品公司',
      'ABSORPTION 工人W3 汉阴县新社区工厂',
      'ABSORPTION 工人W4 汉阴县富硒食品公司',
      'ABSORPTION 工人W5 汉阴县新社区工厂',
    ]);
    await db.prisma.employmentEvent.update({ where: { id: f.events.W9! }, data: { verifiedAt: NOW } });
    const verified: SubsidyRules = {
      referral: { ...rules.referral, requireVerified: true },
      absorption: { ...rules.absorption, requireVerified: true },
    };
    expect((await lines('6109', '2025-03', verified)).map(key)).toEqual([
      'REFERRAL 工人W9 石泉县人力资源公司',
      'ABSORPTION 工人W9 石泉县蚕桑扶贫车间',
    ]);
  });

  it('pages the lines across both kinds with a cursor', async () => {
    const scope = await resolveScope(db.pool, '6109');
    const p1 = await subsidyLinesPage(db.pool, scope, rules, '2025-03', undefined, 3);
    expect(p1.items.map(key)).toEqual([
      'REFERRAL 工人W3 汉阴县劳务输出站',
      'REFERRAL 工人W9 石泉县人力资源公司',
      'ABSORPTION 工人W3 汉阴县新社区工厂',
    ]);
    const p2 = await subsidyLinesPage(db.pool, scope, rules, '2025-03', p1.next!, 10);
    expect(p2.items).toHaveLength(4);
    expect(p2.next).toBeNull();
    await expect(subsidyLinesPage(db.pool, scope, rules, '2025-03', 'x', 10)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('exports CSV (the county sums) and XLSX (sums, payees, lines)', async () => {
    const scope = await resolveScope(db.pool, '6109');
    const render = async (name: string, format: 'csv' | 'xlsx') => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await writeReport(findReport(name)!, db.pool, scope, { month: '2025-03', now: NOW }, format, out);
      return Buffer.concat(chunks);
    };
    const csv = (await render('subsidies', 'csv')).toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(csv[0]).toBe('县代码,县,职业介绍补贴人数,职业介绍补贴(元),吸纳就业补贴人数,吸纳就业补贴(元),合计(元)');
    expect(csv.slice(1)).toEqual([
      '610921,汉阴县,1,500,4,2000,2500',
      '610922,石泉县,1,500,1,500,1000',
      '6109,安康市(合计),2,1000,5,2500,3500',
    ]);
    const lineCsv = (await render('subsidy-lines', 'csv')).toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lineCsv).toHaveLength(8);
    expect(lineCsv[1]).toContain(
      '2025-03,610921,职业介绍补贴,汉阴县劳务输出站,91610921MA6YQ0001X,500,工人W3,**************1033,H2-0001',
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await render('subsidies', 'xlsx')) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['补贴汇总 2025-03', '按补贴对象', '补贴明细']);
    expect(wb.worksheets[2]?.rowCount).toBe(8);
  });
});

describe('subsidy rules file', () => {
  it('refuses a bad file naming the field', () => {
    expect(() => parseSubsidyRules({ ...rules, referral: { ...rules.referral, amountYuan: -1 } })).toThrow(
      /referral\.amountYuan/,
    );
    expect(() => parseSubsidyRules({ ...rules, absorption: { ...rules.absorption, employerTypes: ['BANK'] } })).toThrow(
      /absorption\.employerTypes\.0/,
    );
    expect(() => loadSubsidyRules('/nonexistent/rules.json')).toThrow(SubsidyRulesError);
  });

  test.prop([fc.integer(), fc.integer()])('accepts exactly the amounts and windows in range', (amount, window) => {
    const value = { ...rules, referral: { ...rules.referral, amountYuan: amount, windowDays: window } };
    const ok = amount >= 0 && amount <= 1_000_000 && window >= 0 && window <= 366;
    if (ok) expect(parseSubsidyRules(value).referral).toMatchObject({ amountYuan: amount, windowDays: window });
    else expect(() => parseSubsidyRules(value)).toThrow(SubsidyRulesError);
  });
});
