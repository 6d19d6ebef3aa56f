/**
 * The dashboard's region figures (one pass over the ledger for every region of every level) agree
 * with the reports officials are assessed on: the five clears, freshness and quota compliance,
 * for the province, a county and a village, and follow the ledger when it changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRegionFigures, regionFigures } from '../../src/console/figures.js';
import { connectDb, type Db } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { importLedgerFile } from '../../src/import/import-ledger.js';
import { fiveClears } from '../../src/reports/five-clears.js';
import { freshness } from '../../src/reports/freshness.js';
import { quotaCompliance } from '../../src/reports/quota.js';
import { SAMPLE_CSV } from '../api/helpers.js';
import { createPgDatabase } from '../helpers/db.js';

let pgdb: { url: string; drop(): Promise<void> };
let db: Db;

beforeAll(async () => {
  pgdb = await createPgDatabase('outreach_figures');
  await applyMigrations(pgdb.url);
  db = connectDb(pgdb.url, 4);
  await importLedgerFile(db, SAMPLE_CSV, { idHashKey: 'k'.repeat(40) });
});
afterAll(async () => {
  await db?.close();
  await pgdb?.drop();
});

async function compare(code: string) {
  const region = await db.prisma.region.findUniqueOrThrow({ where: { code } });
  const f = (await regionFigures(db.prisma, db.pool, region.id))!;
  const [five, fresh, quota] = await Promise.all([
    fiveClears(db.pool, code),
    freshness(db.pool, code),
    quotaCompliance(db.pool, code),
  ]);
  expect(f.workers, code).toBe(five.total.workers.total);
  expect(f.withLabor, code).toBe(five.total.workers.withLabor);
  expect(f.employed, code).toBe(five.total.employed.count);
  expect(f.stale, code).toBe(fresh.total.stale);
  expect(f.willingWorkers, code).toBe(quota.total.willingWorkers);
  expect(f.willingWorkers - f.willingServed, code).toBe(quota.total.workersShort);
  expect(f.zeroHouseholds, code).toBe(quota.total.zeroHouseholds);
  expect(f.zeroHouseholds - f.zeroServed, code).toBe(quota.total.householdsShort);
  return f;
}

describe('region figures', () => {
  it('match the reports for the province, a county and a village', async () => {
    const province = await compare('61');
    const county = await compare('610921');
    await compare('610921100201');
    expect(province.workers).toBeGreaterThan(county.workers);
    expect(county.workers).toBeGreaterThan(0);
  });

  it('follow the ledger at the next refresh: a service to a willing worker closes a shortfall', async () => {
    const county = await db.prisma.region.findUniqueOrThrow({ where: { code: '610921' } });
    const before = (await regionFigures(db.prisma, db.pool, county.id))!;
    const worker = await db.prisma.worker.findFirstOrThrow({
      where: { countyId: county.id, laborCapacity: { not: 'NONE' }, currentStatus: 'UNEMPLOYED', serviceContacts: { none: {} } },
    });
    await db.prisma.serviceContact.create({
      data: { kind: 'STAFF_CALL', workerId: worker.id, householdId: worker.householdId, channel: 'CONSOLE' },
    });
    await refreshRegionFigures(db.pool);
    const after = await compare('610921');
    expect(after.willingServed).toBe(before.willingServed + 1);
    expect(after.computedAt.getTime()).toBeGreaterThan(before.computedAt.getTime());
  });
});
