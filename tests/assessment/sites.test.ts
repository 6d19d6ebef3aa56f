/** Relocated households by resettlement site (Annex 4) on the constructed ledger: hand-computed shares and the list to act on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { resolveScope } from '../../src/reports/scope.js';
import { resettlementSites, siteHouseholdPage } from '../../src/reports/sites.js';
import { createTestDb } from '../helpers/db.js';
import { NOW } from '../reports/seed.js';
import { type SubsidyFixture, seedSubsidyLedger } from './fixture.js';

let db: Db;
let f: SubsidyFixture;

beforeAll(async () => {
  db = await createTestDb('postgres');
  f = await seedSubsidyLedger(db);
});
afterAll(async () => {
  await db?.close();
});

const sites = async (region: string) => resettlementSites(db.pool, await resolveScope(db.pool, region));

describe('resettlement sites', () => {
  it('per site in the city: households, with labour, with someone employed, the share, and those without', async () => {
    const r = await sites('6109');
    expect(r.sites.map(({ siteId: _, ...s }) => s)).toEqual([
      {
        code: 'S-610921-01',
        name: '汉阴县城关安置小区',
        regionCode: '610921100',
        regionName: '城关镇',
        households: 5,
        withLabor: 4,
        withEmployed: 2,
        employedPercent: 50,
        withoutEmployed: 2,
      },
      {
        code: 'S-610922-01',
        name: '石泉县城南安置点',
        regionCode: '610922100',
        regionName: '城关镇',
        households: 1,
        withLabor: 1,
        withEmployed: 1,
        employedPercent: 100,
        withoutEmployed: 0,
      },
    ]);
    expect(r.total).toEqual({ households: 6, withLabor: 5, withEmployed: 3, employedPercent: 60, withoutEmployed: 2 });
  });

  it('a county sees its own site; a township only its own households of it', async () => {
    expect((await sites('610921')).sites.map((s) => s.code)).toEqual(['S-610921-01']);
    const a2 = await sites('610921101');
    expect(a2.sites).toHaveLength(1);
    expect(a2.sites[0]).toMatchObject({ households: 1, withLabor: 1, withEmployed: 0, employedPercent: 0, withoutEmployed: 1 });
    expect((await sites('610922100201')).total.employedPercent).toBe(100);
  });

  it('lists the households with labour and nobody employed, with days and services since', async () => {
    const scope = await resolveScope(db.pool, '6109');
    const rows = await siteHouseholdPage(db.pool, scope, null, 10, { now: NOW });
    expect(rows.map((h) => [h.householdCode, h.siteCode, h.laborCount, h.daysOnList, h.services])).toEqual([
      // H2: on the list 10 days, 2 services since (a job lead 5 days ago, a staff call 3 days ago);
      ['H2-0001', 'S-610921-01', 2, 10, 2],
      // H4: 40 days, 3 training offers (30, 20, 10 days ago) and W7's job referral of 02-20.
      ['H4-0001', 'S-610921-01', 1, 40, 4],
    ]);
    expect(await siteHouseholdPage(db.pool, scope, rows[0]!.householdId, 10, { now: NOW })).toHaveLength(1);
    expect(await siteHouseholdPage(db.pool, scope, null, 10, { now: NOW, siteId: f.sites.S2 })).toEqual([]);
  });

  it('follows the ledger: a job for someone in H2 moves it to the employed side', async () => {
    await db.prisma.household.update({ where: { id: f.households.H2! }, data: { employedCount: 1, zeroEmployment: false } });
    const r = await sites('610921');
    expect(r.sites[0]).toMatchObject({ withEmployed: 3, employedPercent: 75, withoutEmployed: 1 });
  });
});
