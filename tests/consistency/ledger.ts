/**
 * A constructed ledger for the consistency tests: two counties; in the first, clean records of
 * every kind the rules look at (each made through the ledger's own paths) and one record breaking
 * each rule; in the second, one more breaking a rule (for region scope).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/database.js';
import { inTransaction } from '../../src/db/sql.js';
import type { EmploymentStatus } from '../../src/generated/prisma/enums.js';
import { appendEmploymentEvent, reconfirmStatus } from '../../src/ledger/employment.js';
import { refreshHouseholdCounts } from '../../src/ledger/household-counts.js';
import { recordTemporarilyUnwilling } from '../../src/programs/unwilling.js';

export const PROVINCE = '61';
export const COUNTY_A = '610921'; // 汉阴县
export const COUNTY_B = '610922'; // 石泉县
export const VILLAGE_A1 = '610921101201';
export const VILLAGE_A2 = '610921101202';
export const VILLAGE_B1 = '610922101201';

type Chain = { villageId: number; townshipId: number; countyId: number; cityId: number; provinceId: number };

export interface ConstructedLedger {
  chains: Record<string, Chain>;
  regions: Record<string, number>;
  clean: { workers: number[]; households: number[] };
  /** The record breaking each rule, by rule. */
  broken: {
    employed_without_employer: number;
    unwilling_without_evidence: number;
    household_counts: number;
    returnee_working_away: number;
    status_older_than_answer: number;
    family_contact_is_worker: number;
    /** In county B: employed without a place. */
    otherCounty: number;
  };
  /** Households of the broken workers (for fixing them). */
  households: Record<string, number>;
}

const T0 = new Date('2026-11-20T02:00:00Z');
let seq = 0;

export async function buildLedger(db: Db): Promise<ConstructedLedger> {
  const regions: Record<string, number> = {};
  const region = async (
    code: string,
    name: string,
    level: 'PROVINCE' | 'CITY' | 'COUNTY' | 'TOWNSHIP' | 'VILLAGE',
    parent?: string,
  ) => {
    // The service makes the province on an empty ledger (for its first admin): take it when there.
    const r = await db.prisma.region.upsert({
      where: { code },
      update: {},
      create: { code, name, level, parentId: parent ? regions[parent] : undefined },
    });
    regions[code] = r.id;
  };
  await region(PROVINCE, '陕西省', 'PROVINCE');
  await region('6109', '安康市', 'CITY', PROVINCE);
  await region(COUNTY_A, '汉阴县', 'COUNTY', '6109');
  await region('610921101', '城关镇', 'TOWNSHIP', COUNTY_A);
  await region(VILLAGE_A1, '五一村', 'VILLAGE', '610921101');
  await region(VILLAGE_A2, '太平村', 'VILLAGE', '610921101');
  await region(COUNTY_B, '石泉县', 'COUNTY', '6109');
  await region('610922101', '城关镇', 'TOWNSHIP', COUNTY_B);
  await region(VILLAGE_B1, '红星村', 'VILLAGE', '610922101');
  const chainOf = (village: string, township: string, county: string): Chain => ({
    villageId: regions[village]!,
    townshipId: regions[township]!,
    countyId: regions[county]!,
    cityId: regions['6109']!,
    provinceId: regions[PROVINCE]!,
  });
  const chains: Record<string, Chain> = {
    [VILLAGE_A1]: chainOf(VILLAGE_A1, '610921101', COUNTY_A),
    [VILLAGE_A2]: chainOf(VILLAGE_A2, '610921101', COUNTY_A),
    [VILLAGE_B1]: chainOf(VILLAGE_B1, '610922101', COUNTY_B),
  };

  const household = async (village: string) =>
    (
      await db.prisma.household.create({
        data: { code: `H${++seq}-${randomBytes(2).toString('hex')}`, category: 'NOT_YET_OUT', ...chains[village]! },
      })
    ).id;
  const worker = async (householdId: number, village: string, extra: { phone?: string; laborCapacity?: 'FULL' | 'NONE' } = {}) =>
    (
      await db.prisma.worker.create({
        data: {
          householdId,
          ...chains[village]!,
          name: `劳动力${++seq}`,
          idHash: `cons-${randomBytes(6).toString('hex')}`,
          idLast4: '0000',
          phone: extra.phone ?? null,
          laborCapacity: extra.laborCapacity ?? 'FULL',
        },
      })
    ).id;
  const event = (
    workerId: number,
    status: EmploymentStatus,
    extra: { employer?: string; place?: string; reason?: string } = {},
    at = T0,
  ) =>
    appendEmploymentEvent(
      db.pool,
      { workerId, status, effectiveDate: '2026-11-01', ...extra },
      { source: 'WORKER', channel: 'SMS' },
      at,
    );
  const phone = () => `+86138${String(10_000_000 + ++seq).slice(-8)}`;

  // ── Clean records (village A1) ──
  const h1 = await household(VILLAGE_A1);
  const c1Phone = phone();
  const c1 = await worker(h1, VILLAGE_A1, { phone: c1Phone });
  const c2Phone = phone();
  const c2 = await worker(h1, VILLAGE_A1, { phone: c2Phone });
  await event(c1, 'EMPLOYED_LOCAL', { employer: '汉阴县新社区工厂', place: '陕西省安康市汉阴县' });
  await event(c2, 'UNEMPLOYED', { reason: '照顾老人' });
  // c1's family contact is c2: the same household.
  await db.prisma.familyContact.create({ data: { workerId: c1, name: '家人', relation: 'SPOUSE', phone: c2Phone } });

  const h2 = await household(VILLAGE_A1);
  const selfEmployed = await worker(h2, VILLAGE_A1);
  await event(selfEmployed, 'SELF_EMPLOYED', { place: '城关镇五一村' });
  const post = await worker(h2, VILLAGE_A1);
  await event(post, 'PUBLIC_WELFARE_POST', { employer: '城关镇人民政府（护林员）' });
  const unknown = await worker(h2, VILLAGE_A1, { laborCapacity: 'NONE' });
  await refreshHouseholdCounts(db.pool, [h2], T0);

  // A returnee who went out again after the recorded return.
  const h3 = await household(VILLAGE_A1);
  const wentOutAgain = await worker(h3, VILLAGE_A1);
  await event(wentOutAgain, 'RETURNED_HOME', {}, new Date('2026-10-01T02:00:00Z'));
  await appendEmploymentEvent(
    db.pool,
    {
      workerId: wentOutAgain,
      status: 'EMPLOYED_OUT_OF_PROVINCE',
      effectiveDate: '2026-11-05',
      employer: '宁波服装有限公司',
      place: '浙江省宁波市',
    },
    { source: 'FAMILY', channel: 'SMS' },
    T0,
  );

  // Temporarily unwilling with the whole Annex 1 evidence, then a check-in "no change".
  const h4 = await household(VILLAGE_A1);
  const unwilling = await worker(h4, VILLAGE_A1);
  await event(unwilling, 'UNEMPLOYED', { reason: '照顾老人' }, new Date('2026-10-01T02:00:00Z'));
  for (let i = 0; i < 3; i++) {
    await db.prisma.serviceContact.create({ data: { kind: 'STAFF_CALL', workerId: unwilling, householdId: h4, channel: 'API' } });
  }
  const confirmation = await db.prisma.confirmation.create({
    data: {
      kind: 'TEMPORARILY_UNWILLING',
      workerId: unwilling,
      householdId: h4,
      statement: '暂时无就业意愿',
      status: 'APPROVED',
    },
  });
  const rec = await inTransaction(db.pool, (sql) =>
    recordTemporarilyUnwilling(sql, {
      workerId: unwilling,
      reason: '需照顾重病家人',
      confirmationId: confirmation.id,
      effectiveDate: '2026-11-10',
      now: T0,
    }),
  );
  if (!rec.ok) throw new Error(`the clean unwilling record was refused: ${JSON.stringify(rec.missing)}`);
  await reconfirmStatus(db.pool, unwilling, { source: 'WORKER', channel: 'SMS' }, new Date('2026-11-25T02:00:00Z'));

  // ── One record breaking each rule ──
  const h5 = await household(VILLAGE_A1);
  const noPlace = await worker(h5, VILLAGE_A1);
  await event(noPlace, 'EMPLOYED_OUT_OF_PROVINCE', { employer: '东莞电子有限公司' });

  const h6 = await household(VILLAGE_A1);
  const unwillingBare = await worker(h6, VILLAGE_A1);
  // Straight through the event path, as no staff path allows: no confirmation, no assistance records.
  await event(unwillingBare, 'TEMPORARILY_UNWILLING', { reason: '不想工作' });

  const h7 = await household(VILLAGE_A2);
  const h7w = await worker(h7, VILLAGE_A2);
  await event(h7w, 'UNEMPLOYED');
  await db.pool.query(`UPDATE "Household" SET "laborCount" = 3 WHERE id = $1`, [h7]);

  const h8 = await household(VILLAGE_A2);
  const returnee = await worker(h8, VILLAGE_A2);
  await event(returnee, 'EMPLOYED_JIANGSU', { employer: '苏州精密机械有限公司', place: '江苏省苏州市' });
  await db.prisma.worker.update({ where: { id: returnee }, data: { isReturnee: true } });

  const h9 = await household(VILLAGE_A2);
  const behind = await worker(h9, VILLAGE_A2);
  await event(behind, 'UNEMPLOYED');
  await event(
    behind,
    'EMPLOYED_LOCAL',
    { employer: '汉阴县茶业有限公司', place: '陕西省安康市汉阴县' },
    new Date('2026-11-22T02:00:00Z'),
  );
  // The record still carries the first answer's time and status.
  await db.pool.query(`UPDATE "Worker" SET "statusConfirmedAt" = $2, "currentStatus" = 'UNEMPLOYED' WHERE id = $1`, [
    behind,
    T0.toISOString(),
  ]);
  await refreshHouseholdCounts(db.pool, [h9], T0);

  const h10 = await household(VILLAGE_A2);
  const contactOwner = await worker(h10, VILLAGE_A2);
  await event(contactOwner, 'UNEMPLOYED');
  const contact = await db.prisma.familyContact.create({
    data: { workerId: contactOwner, name: '张三', relation: 'SIBLING', phone: c1Phone },
  });
  // A removed contact with a worker's number no longer answers for anyone: not a finding.
  await db.prisma.familyContact.create({
    data: { workerId: contactOwner, name: '李四', relation: 'OTHER', phone: c2Phone, removedAt: T0 },
  });

  const hb = await household(VILLAGE_B1);
  const otherCounty = await worker(hb, VILLAGE_B1);
  await event(otherCounty, 'EMPLOYED_IN_PROVINCE', { employer: '西安物流有限公司' });

  return {
    chains,
    regions,
    clean: { workers: [c1, c2, selfEmployed, post, unknown, wentOutAgain, unwilling], households: [h1, h2, h3, h4] },
    broken: {
      employed_without_employer: noPlace,
      unwilling_without_evidence: unwillingBare,
      household_counts: h7,
      returnee_working_away: returnee,
      status_older_than_answer: behind,
      family_contact_is_worker: contact.id,
      otherCounty,
    },
    households: { noPlace: h5, unwillingBare: h6, h7, returnee: h8, behind: h9, contactOwner: h10, otherCounty: hb },
  };
}
