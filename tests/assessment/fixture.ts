/**
 * The report tests' small ledger (tests/reports/seed.ts: counties A 610921 and B 610922, workers
 * W1…W9, NOW = 2025-03-20 China) with what the subsidy ledger reads added: two agencies, four
 * employers, referrals and placements. Expected March 2025 lines (window 60 days, same employer):
 *
 * | worker | referral line | absorption line |
 * |---|---|---|
 * | W3 (A) | AG1, referred 03-02 00:30 China, placed at E1 03-05 (an E1 event of 03-01 is before the referral's China day) | E1, 03-01 |
 * | W4 (A) | — (referred 01-10, placed 03-15: 64 days) | E2, 03-15 |
 * | W7 (A, township A2) | — (referred to E1, placed at E2) | E2, 03-01 |
 * | W5 (A) | — (a referral without an agency) | E1, 03-02 |
 * | W9 (B) | AG2 (referred 02-25; AG1's later referral to the same placement is not paid twice) | E4, 03-10 |
 * | W2 (A) | — | — (E3 has no type) |
 * | W1 (A) | — | — (its one absorption line is February's: E1, 02-10) |
 * | W8 (B) | — | — (a public-welfare post is not a listed status) |
 */
import type { Db } from '../../src/db/database.js';
import type { EmployerType, EmploymentStatus } from '../../src/generated/prisma/enums.js';
import { china, type Seeded, seedReportLedger } from '../reports/seed.js';

export interface SubsidyFixture extends Seeded {
  sites: Record<'S1' | 'S2', number>;
  agencies: Record<'AG1' | 'AG2', number>;
  employers: Record<'E1' | 'E2' | 'E3' | 'E4', number>;
  referrals: Record<string, bigint>;
  events: Record<string, bigint>;
}

export async function seedSubsidyLedger(db: Db): Promise<SubsidyFixture> {
  const base = await seedReportLedger(db);
  const p = db.prisma;
  const { regions, workers, households } = base;
  const agency = (name: string, region: string, creditCode: string) =>
    p.serviceAgency.create({ data: { name, regionId: regions[region]!, creditCode } }).then((a) => a.id);
  const agencies = {
    AG1: await agency('汉阴县劳务输出站', 'A', '91610921MA6YQ0001X'),
    AG2: await agency('石泉县人力资源公司', 'B', '91610922MA6YQ0002X'),
  };
  const employer = (name: string, region: string, type: EmployerType | null, creditCode?: string) =>
    p.employer.create({ data: { name, regionId: regions[region]!, type, creditCode } }).then((e) => e.id);
  const employers = {
    E1: await employer('汉阴县新社区工厂', 'A', 'COMMUNITY_FACTORY', '91610921MA6YQ0003X'),
    E2: await employer('汉阴县富硒食品公司', 'A', 'ENTERPRISE'),
    E3: await employer('汉阴县个体商户', 'A', null),
    E4: await employer('石泉县蚕桑扶贫车间', 'B', 'POVERTY_WORKSHOP'),
  };
  const householdOf: Record<string, string> = { W1: 'H1', W2: 'H1', W3: 'H2', W4: 'H2', W5: 'H3', W7: 'H4', W8: 'H5', W9: 'H5' };
  const referrals: Record<string, bigint> = {};
  const refer = async (
    key: string,
    w: string,
    at: Date,
    agencyKey: 'AG1' | 'AG2' | null,
    employerKey: keyof typeof employers,
  ) => {
    const r = await p.serviceContact.create({
      data: {
        kind: 'JOB_REFERRAL',
        workerId: workers[w]!,
        householdId: households[householdOf[w]!]!,
        occurredAt: at,
        channel: 'API',
        agencyId: agencyKey ? agencies[agencyKey] : null,
        employerId: employers[employerKey],
      },
    });
    referrals[key] = r.id;
  };
  const events: Record<string, bigint> = {};
  const employ = async (
    key: string,
    w: string,
    day: string,
    employerKey: keyof typeof employers,
    status: EmploymentStatus = 'EMPLOYED_LOCAL',
  ) => {
    const e = await p.employmentEvent.create({
      data: {
        workerId: workers[w]!,
        status,
        employerId: employers[employerKey],
        effectiveDate: new Date(`${day}T00:00:00Z`),
        reportedAt: new Date(`${day}T04:00:00Z`),
        source: 'STAFF',
        channel: 'API',
      },
    });
    events[key] = e.id;
  };
  await refer('W3', 'W3', china('2025-03-02T00:30:00'), 'AG1', 'E1');
  await employ('W3early', 'W3', '2025-03-01', 'E1');
  await employ('W3', 'W3', '2025-03-05', 'E1');
  await refer('W4', 'W4', china('2025-01-10T10:00:00'), 'AG1', 'E2');
  await employ('W4', 'W4', '2025-03-15', 'E2');
  await refer('W7', 'W7', china('2025-02-20T10:00:00'), 'AG1', 'E1');
  await employ('W7', 'W7', '2025-03-01', 'E2');
  await refer('W5', 'W5', china('2025-03-01T09:00:00'), null, 'E1');
  await employ('W5', 'W5', '2025-03-02', 'E1');
  await refer('W9', 'W9', china('2025-02-25T10:00:00'), 'AG2', 'E4');
  await refer('W9late', 'W9', china('2025-03-01T10:00:00'), 'AG1', 'E4');
  await employ('W9', 'W9', '2025-03-10', 'E4');
  await employ('W2', 'W2', '2025-03-03', 'E3');
  await employ('W1', 'W1', '2025-02-10', 'E1');
  await employ('W1again', 'W1', '2025-03-12', 'E2');
  await employ('W8', 'W8', '2025-03-05', 'E4', 'PUBLIC_WELFARE_POST');
  // Resettlement sites (Annex 4). S1 (county A, township A1): H1 (someone employed), H2 (zero),
  // H3 (someone employed), H4 (zero, township A2), H6 (no labour). S2 (county B): H5 (someone employed).
  const site = (code: string, name: string, region: string) =>
    p.resettlementSite.create({ data: { code, name, regionId: regions[region]! } }).then((x) => x.id);
  const sites = {
    S1: await site('S-610921-01', '汉阴县城关安置小区', 'A1'),
    S2: await site('S-610922-01', '石泉县城南安置点', 'B1'),
  };
  for (const h of ['H1', 'H2', 'H3', 'H4'])
    await p.household.update({ where: { id: households[h]! }, data: { siteId: sites.S1 } });
  await p.household.update({ where: { id: households.H5! }, data: { siteId: sites.S2 } });
  const a1a = await p.region.findUniqueOrThrow({ where: { id: regions.A1a! } });
  await p.household.create({
    data: {
      code: 'H6-0001',
      headName: 'H6户主',
      category: 'RELOCATED',
      villageId: a1a.id,
      townshipId: regions.A1!,
      countyId: regions.A!,
      cityId: regions.city!,
      provinceId: regions.province!,
      siteId: sites.S1,
      laborCount: 0,
    },
  });
  return { ...base, sites, agencies, employers, referrals, events };
}
