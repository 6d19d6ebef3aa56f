/**
 * A small ledger with known answers for the report tests: two counties of 安康市, four villages,
 * five households, nine workers, events, services, spells and policy notices, at a fixed NOW.
 *
 * County A (610921): townships A1 (villages A1a, A1b) and A2 (village A2a); county B (610922):
 * township B1 (village B1a).
 *
 * | household | village | workers |
 * |---|---|---|
 * | H1 | A1a | W1 employed locally (3000, 制造业, insured; unemployed in January), W2 unemployed (需照顾老人) |
 * | H2 zero since NOW−10d | A1a | W3 unemployed (暂无合适岗位), W4 returned home (企业减员, returnee) |
 * | H3 | A1b | W5 Jiangsu (5000, 制造业, willing to work away, stale), W6 no labour, unable (never confirmed) |
 * | H4 zero since NOW−40d | A2a | W7 unemployed, no reason (stale) |
 * | H5 | B1a | W8 out of province (4000, 建筑业), W9 unemployed |
 */
import type { Db } from '../../src/db/database.js';
import type { EmploymentStatus, HouseholdCategory, LaborCapacity, RegionLevel } from '../../src/generated/prisma/enums.js';

/** 2025-03-20 12:00 in China. */
export const NOW = new Date('2025-03-20T04:00:00Z');
const DAY = 86_400_000;
export const daysAgo = (d: number, hours = 0) => new Date(NOW.getTime() - d * DAY - hours * 3_600_000);
/** A China wall-clock time as an instant. */
export const china = (iso: string) => new Date(`${iso}+08:00`);

export interface Seeded {
  regions: Record<string, number>;
  households: Record<string, number>;
  workers: Record<string, number>;
}

export async function seedReportLedger(db: Db): Promise<Seeded> {
  const p = db.prisma;
  const regions: Record<string, number> = {};
  const region = async (key: string, code: string, name: string, level: RegionLevel, parent?: string) => {
    const r = await p.region.create({ data: { code, name, level, parentId: parent ? regions[parent] : undefined } });
    regions[key] = r.id;
  };
  await region('province', '61', '陕西省', 'PROVINCE');
  await region('city', '6109', '安康市', 'CITY', 'province');
  await region('A', '610921', '汉阴县', 'COUNTY', 'city');
  await region('B', '610922', '石泉县', 'COUNTY', 'city');
  await region('A1', '610921100', '城关镇', 'TOWNSHIP', 'A');
  await region('A2', '610921101', '涧池镇', 'TOWNSHIP', 'A');
  await region('B1', '610922100', '城关镇', 'TOWNSHIP', 'B');
  await region('A1a', '610921100201', '五一村', 'VILLAGE', 'A1');
  await region('A1b', '610921100202', '紫荆村', 'VILLAGE', 'A1');
  await region('A2a', '610921101201', '月河村', 'VILLAGE', 'A2');
  await region('B1a', '610922100201', '新联村', 'VILLAGE', 'B1');

  const chain = (village: string) => {
    const v = village;
    const t = village.slice(0, 2);
    const c = village.slice(0, 1);
    return {
      villageId: regions[v]!,
      townshipId: regions[t]!,
      countyId: regions[c]!,
      cityId: regions.city!,
      provinceId: regions.province!,
    };
  };

  const households: Record<string, number> = {};
  const household = async (key: string, village: string, category: HouseholdCategory, laborCount: number, zeroSince?: Date) => {
    const h = await p.household.create({
      data: {
        code: `${key}-0001`,
        headName: `${key}户主`,
        category,
        ...chain(village),
        laborCount,
        employedCount: zeroSince ? 0 : 1,
        zeroEmployment: zeroSince !== undefined,
        zeroEmploymentSince: zeroSince ?? null,
      },
    });
    households[key] = h.id;
    return h;
  };
  await household('H1', 'A1a', 'NOT_YET_OUT', 2);
  await household('H2', 'A1a', 'MONITORED', 2, daysAgo(10));
  await household('H3', 'A1b', 'EDGE', 1);
  await household('H4', 'A2a', 'RELOCATED', 1, daysAgo(40));
  await household('H5', 'B1a', 'OTHER', 2);

  const workers: Record<string, number> = {};
  interface W {
    key: string;
    household: string;
    village: string;
    status: EmploymentStatus;
    capacity?: LaborCapacity;
    confirmed: Date | null;
    employer?: string;
    place?: string;
    industry?: string;
    wage?: number;
    insured?: boolean;
    reason?: string;
    away?: boolean;
    returnee?: boolean;
    last4: string;
  }
  const worker = async (w: W) => {
    const row = await p.worker.create({
      data: {
        householdId: households[w.household]!,
        ...chain(w.village),
        name: `工人${w.key}`,
        idHash: `hash-${w.key}`,
        idLast4: w.last4,
        phone: `+8613800000${w.last4.slice(0, 3)}`,
        laborCapacity: w.capacity ?? 'FULL',
        willingToWorkAway: w.away ?? null,
        isReturnee: w.returnee ?? false,
        currentStatus: w.status,
        statusConfirmedAt: w.confirmed,
      },
    });
    workers[w.key] = row.id;
    const ev = await p.employmentEvent.create({
      data: {
        workerId: row.id,
        status: w.status,
        employer: w.employer,
        place: w.place,
        industry: w.industry,
        monthlyWage: w.wage,
        insured: w.insured,
        reason: w.reason,
        effectiveDate: new Date('2025-03-01T00:00:00Z'),
        reportedAt: new Date('2025-03-02T02:00:00Z'),
        source: 'STAFF',
        channel: 'API',
      },
    });
    await p.worker.update({ where: { id: row.id }, data: { currentEventId: ev.id } });
  };
  await worker({
    key: 'W1',
    household: 'H1',
    village: 'A1a',
    status: 'EMPLOYED_LOCAL',
    confirmed: daysAgo(2),
    employer: '汉阴县新社区工厂',
    place: '汉阴县',
    industry: '制造业',
    wage: 3000,
    insured: true,
    last4: '1011',
  });
  await worker({
    key: 'W2',
    household: 'H1',
    village: 'A1a',
    status: 'UNEMPLOYED',
    confirmed: daysAgo(2),
    reason: '需照顾老人',
    last4: '1022',
  });
  await worker({
    key: 'W3',
    household: 'H2',
    village: 'A1a',
    status: 'UNEMPLOYED',
    confirmed: daysAgo(1),
    reason: '暂无合适岗位',
    last4: '1033',
  });
  await worker({
    key: 'W4',
    household: 'H2',
    village: 'A1a',
    status: 'RETURNED_HOME',
    confirmed: daysAgo(1),
    reason: '企业减员',
    returnee: true,
    last4: '1044',
  });
  await worker({
    key: 'W5',
    household: 'H3',
    village: 'A1b',
    status: 'EMPLOYED_JIANGSU',
    confirmed: daysAgo(8),
    employer: '苏州精密电子',
    place: '江苏省苏州市',
    industry: '制造业',
    wage: 5000,
    insured: false,
    away: true,
    last4: '1055',
  });
  await worker({
    key: 'W6',
    household: 'H3',
    village: 'A1b',
    status: 'UNABLE_TO_WORK',
    capacity: 'NONE',
    confirmed: null,
    last4: '1066',
  });
  await worker({ key: 'W7', household: 'H4', village: 'A2a', status: 'UNEMPLOYED', confirmed: daysAgo(7, 1), last4: '1077' });
  await worker({
    key: 'W8',
    household: 'H5',
    village: 'B1a',
    status: 'EMPLOYED_OUT_OF_PROVINCE',
    confirmed: daysAgo(10),
    employer: '东莞电子厂',
    place: '广东省东莞市',
    industry: '建筑业',
    wage: 4000,
    last4: '1088',
  });
  await worker({ key: 'W9', household: 'H5', village: 'B1a', status: 'UNEMPLOYED', confirmed: daysAgo(1), last4: '1099' });

  // W1 was unemployed in January: the February export shows that, not today's job.
  await p.employmentEvent.create({
    data: {
      workerId: workers.W1!,
      status: 'UNEMPLOYED',
      reason: '暂无合适岗位',
      effectiveDate: new Date('2025-01-10T00:00:00Z'),
      reportedAt: new Date('2025-01-10T02:00:00Z'),
      source: 'IMPORT',
      channel: 'IMPORT',
    },
  });

  // Services. H2: two while on the list, one before it entered, and a policy notice (not a service).
  const service = (kind: 'JOB_LEAD' | 'TRAINING_OFFER' | 'STAFF_CALL' | 'POLICY_NOTICE', w: string, h: string, at: Date) =>
    p.serviceContact.create({
      data: { kind, workerId: workers[w]!, householdId: households[h]!, occurredAt: at, channel: 'SMS' },
    });
  await service('JOB_LEAD', 'W1', 'H1', daysAgo(20));
  await service('JOB_LEAD', 'W3', 'H2', daysAgo(5));
  await service('STAFF_CALL', 'W4', 'H2', daysAgo(3));
  await service('JOB_LEAD', 'W3', 'H2', daysAgo(30));
  await service('POLICY_NOTICE', 'W4', 'H2', daysAgo(2));
  await service('POLICY_NOTICE', 'W2', 'H1', daysAgo(2));
  for (const d of [30, 20, 10]) await service('TRAINING_OFFER', 'W7', 'H4', daysAgo(d));
  await service('STAFF_CALL', 'W8', 'H5', daysAgo(4));

  // Zero-employment spells (county A unless said).
  const spell = (h: string, village: string, enteredAt: Date, clearedAt: Date | null) => {
    const c = chain(village);
    return p.zeroEmploymentSpell.create({
      data: {
        householdId: households[h]!,
        villageId: c.villageId,
        townshipId: c.townshipId,
        countyId: c.countyId,
        provinceId: c.provinceId,
        enteredAt,
        clearedAt,
        stage: clearedAt ? 'STOPPED' : 'LEADS_SMS',
      },
    });
  };
  await spell('H1', 'A1a', china('2025-02-01T00:00:00'), china('2025-03-05T00:00:00')); // 32 days, cleared in March
  await spell('H3', 'A1b', china('2025-03-01T00:00:00'), china('2025-03-11T00:00:00')); // 10 days; entered in March (China)
  await spell('H2', 'A1a', daysAgo(10), null);
  await spell('H4', 'A2a', daysAgo(40), null);
  await spell('H5', 'B1a', china('2025-03-02T00:00:00'), china('2025-03-06T00:00:00')); // county B: 4 days

  // Policy notices: one campaign; W1 delivered, W3 sent, W5 still queued, W8 (county B) delivered.
  const notice = await p.campaign.create({
    data: { name: '政策宣传', kind: 'POLICY_NOTICE', status: 'COMPLETED', regionId: regions.province! },
  });
  const leads = await p.campaign.create({
    data: { name: '岗位推送', kind: 'JOB_LEADS', status: 'COMPLETED', regionId: regions.province! },
  });
  const msg = (
    campaignId: number,
    w: string,
    status: 'QUEUED' | 'SENT' | 'DELIVERED',
    sentAt: Date | null,
    deliveredAt: Date | null,
  ) =>
    p.outboundMessage.create({
      data: { kind: 'BROADCAST', campaignId, workerId: workers[w]!, channel: 'SMS', body: '政策', status, sentAt, deliveredAt },
    });
  await msg(notice.id, 'W1', 'DELIVERED', daysAgo(6), daysAgo(6));
  await msg(notice.id, 'W3', 'SENT', daysAgo(4), null);
  await msg(notice.id, 'W5', 'QUEUED', null, null);
  await msg(notice.id, 'W8', 'DELIVERED', daysAgo(1), daysAgo(1));
  await msg(leads.id, 'W2', 'DELIVERED', daysAgo(1), daysAgo(1));

  return { regions, households, workers };
}
