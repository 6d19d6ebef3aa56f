/** Minimal ledger rows for tests that need a known worker (imports have their own tests). */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/database.js';

let seq = 0;

export interface SeedWorker {
  phone?: string | null;
  telegramChatId?: bigint | null;
  language?: string;
  name?: string;
}

/** Creates province → village, a household and a worker; returns the ids. */
export async function seedWorker(db: Db, w: SeedWorker = {}) {
  const n = ++seq;
  const tag = randomBytes(3).toString('hex');
  const region = (
    code: string,
    name: string,
    level: 'PROVINCE' | 'CITY' | 'COUNTY' | 'TOWNSHIP' | 'VILLAGE',
    parentId?: number,
  ) => db.prisma.region.upsert({ where: { code }, update: {}, create: { code, name, level, parentId } });
  const province = await region('610000000000', '陕西省', 'PROVINCE');
  const city = await region('610800000000', '榆林市', 'CITY', province.id);
  const county = await region('610826000000', '绥德县', 'COUNTY', city.id);
  const township = await region('610826100000', '名州镇', 'TOWNSHIP', county.id);
  const village = await region('610826100201', '田庄村', 'VILLAGE', township.id);
  const chain = { villageId: village.id, townshipId: township.id, countyId: county.id, cityId: city.id, provinceId: province.id };
  const household = await db.prisma.household.create({ data: { code: `H-${tag}-${n}`, category: 'NOT_YET_OUT', ...chain } });
  const worker = await db.prisma.worker.create({
    data: {
      householdId: household.id,
      ...chain,
      name: w.name ?? `测试${n}`,
      idHash: `test-${tag}-${n}`,
      idLast4: '0000',
      phone: w.phone === undefined ? null : w.phone,
      telegramChatId: w.telegramChatId ?? null,
      language: w.language ?? 'zh-CN',
    },
  });
  return { worker, household, village, county };
}
