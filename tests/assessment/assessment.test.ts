/** The county assessment (§22) on the constructed ledger in PostgreSQL: every figure computed by hand. */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { countyAssessment } from '../../src/reports/assessment.js';
import { findReport, writeReport } from '../../src/reports/index.js';
import { resolveScope } from '../../src/reports/scope.js';
import { createTestDb } from '../helpers/db.js';
import { NOW } from '../reports/seed.js';
import { type SubsidyFixture, seedSubsidyLedger } from './fixture.js';

let db: Db;
let f: SubsidyFixture;

beforeAll(async () => {
  db = await createTestDb('postgres');
  f = await seedSubsidyLedger(db);
  const p = db.prisma;
  // Last year: W3 (county A) worked out of province from May 2024 until March 2025; W9 (county B)
  // in Jiangsu from June 2024 until March 2025 — both count for 2024 and, carried over, for 2025.
  const away = (w: string, status: 'EMPLOYED_OUT_OF_PROVINCE' | 'EMPLOYED_JIANGSU', day: string) =>
    p.employmentEvent.create({
      data: {
        workerId: f.workers[w]!,
        status,
        effectiveDate: new Date(`${day}T00:00:00Z`),
        reportedAt: new Date(`${day}T04:00:00Z`),
        source: 'IMPORT',
        channel: 'IMPORT',
      },
    });
  await away('W3', 'EMPLOYED_OUT_OF_PROVINCE', '2024-05-01');
  await away('W9', 'EMPLOYED_JIANGSU', '2024-06-01');
  // The consistency run's tallies per village: A1a 8 of 10, A1b 5 of 5, A2a 2 of 4, B1a 3 of 6.
  const village = async (key: string, records: number, consistent: number) => {
    const v = await p.region.findUniqueOrThrow({ where: { id: f.regions[key]! } });
    const t = await p.region.findUniqueOrThrow({ where: { id: v.parentId! } });
    const c = await p.region.findUniqueOrThrow({ where: { id: t.parentId! } });
    await db.pool.query(
      `INSERT INTO "ConsistencyTally" ("villageId", "townshipId", "countyId", "cityId", "provinceId", records, consistent, "runId", "checkedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)`,
      [v.id, t.id, c.id, f.regions.city, f.regions.province, records, consistent, NOW.toISOString()],
    );
  };
  await village('A1a', 10, 8);
  await village('A1b', 5, 5);
  await village('A2a', 4, 2);
  await village('B1a', 6, 3);
});
afterAll(async () => {
  await db?.close();
});

const assess = async (region: string, by?: 'county' | 'township') =>
  countyAssessment(db.pool, await resolveScope(db.pool, region), { now: NOW, by });

describe('county assessment', () => {
  it('county A, as of 2025-03-20: every figure as computed by hand', async () => {
    const r = await assess('610921');
    expect(r.year).toBe(2025);
    expect(r.asOf).toBe('2025-03-20');
    const { regionId: _, ...total } = r.total;
    expect(total).toEqual({
      code: '610921',
      name: '汉阴县',
      // Spells: H2 and H4 open; H1 (02-01 → 03-05, 32 days), H3 (03-01 → 03-11, 10 days) cleared; all four entered in 2025.
      zeroOpen: 2,
      zeroEntered: 4,
      zeroCleared: 2,
      zeroClearedWithinMonth: 1,
      zeroClearedWithinMonthPercent: 50,
      medianDaysToClear: 21,
      meanDaysToClear: 21,
      // Away in 2025: W3 (out of province until 03-01), W5 (Jiangsu); in 2024: W3.
      awayThisYear: 2,
      awayLastYear: 1,
      awayChange: 1,
      jiangsuThisYear: 1,
      jiangsuLastYear: 0,
      jiangsuChange: 1,
      // W1–W4 confirmed within 7 days; W5 (8 days), W6 (never), W7 (7 days 1 hour) not.
      workers: 7,
      confirmedLast7Days: 4,
      confirmedPercent: 57.1,
      // Willing: all but W6; services in 2025: 7 of the report seed's and 4 job referrals.
      willingWorkers: 6,
      servicesThisYear: 11,
      servicesPerWilling: 1.83,
      consistencyChecked: 19,
      consistentRecords: 15,
      consistentPercent: 78.9,
    });
    expect(r.groups.map((g) => [g.name, g.zeroOpen, g.zeroCleared, g.awayThisYear, g.consistentPercent])).toEqual([
      ['城关镇', 1, 2, 2, 86.7],
      ['涧池镇', 1, 0, 0, 50],
    ]);
  });

  it('the city by county, and county B’s own figures', async () => {
    const r = await assess('6109');
    expect(r.total).toMatchObject({
      zeroOpen: 2,
      zeroEntered: 5,
      zeroCleared: 3,
      zeroClearedWithinMonth: 2,
      zeroClearedWithinMonthPercent: 66.7,
      medianDaysToClear: 10,
      meanDaysToClear: 15.3,
      awayThisYear: 4,
      awayLastYear: 2,
      jiangsuThisYear: 2,
      jiangsuLastYear: 1,
      workers: 9,
      confirmedLast7Days: 5,
      confirmedPercent: 55.6,
      willingWorkers: 8,
      servicesThisYear: 14,
      servicesPerWilling: 1.75,
      consistentPercent: 72,
    });
    const b = r.groups.find((g) => g.code === '610922')!;
    expect(b).toMatchObject({
      zeroOpen: 0,
      zeroCleared: 1,
      zeroClearedWithinMonthPercent: 100,
      medianDaysToClear: 4,
      awayThisYear: 2,
      awayLastYear: 1,
      jiangsuThisYear: 1,
      jiangsuLastYear: 1,
      jiangsuChange: 0,
      confirmedPercent: 50,
      servicesPerWilling: 1.5,
      consistentPercent: 50,
    });
  });

  it('a year later, 2025 is last year and nothing new happened (W5 left Jiangsu on 2025-03-02)', async () => {
    const r = await countyAssessment(db.pool, await resolveScope(db.pool, '6109'), { now: new Date('2026-02-01T04:00:00Z') });
    expect(r.total).toMatchObject({
      awayThisYear: 0,
      jiangsuLastYear: 2,
      awayLastYear: 4,
      zeroEntered: 0,
      zeroCleared: 0,
      servicesThisYear: 0,
      confirmedLast7Days: 0,
    });
  });

  it('exports one sheet: groups then the total', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeReport(findReport('assessment')!, db.pool, await resolveScope(db.pool, '6109'), { now: NOW }, 'csv', out);
    const lines = Buffer.concat(chunks).toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('区划代码,地区,零就业户在册,本年新增零就业户,本年清零户数');
    expect(lines[3]).toMatch(/^6109,安康市\(合计\),2,5,3,2,66\.7,10,15\.3,4,2,2,2,1,1,9,5,55\.6,8,14,1\.75,25,18,72$/);
  });
});
