/** A small province for campaign tests: region codes at their own length, workers in bulk. */
import type { Db } from '../../src/db/database.js';
import type { StaffRole } from '../../src/generated/prisma/enums.js';
import type { Staff } from '../../src/staff/scope.js';
import { ensureStaffUser } from '../../src/staff/users.js';

let phoneSeq = 0;

async function region(db: Db, code: string, name: string, level: string, parentId: number | null): Promise<number> {
  const r = await db.pool.query<{ id: number }>(
    `INSERT INTO "Region" (code, name, level, "parentId") VALUES ($1, $2, $3::"RegionLevel", $4)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [code, name, level, parentId],
  );
  return r.rows[0]!.id;
}

export interface SeededWorker {
  id: number;
  phone: string | null;
  telegramChatId: number | null;
}

export interface WorkerSpec {
  phone?: boolean;
  telegram?: boolean;
  needsVoice?: boolean;
  language?: string;
  status?: string;
  zeroEmployment?: boolean;
  skills?: string[];
}

/** Province 61 → city 6108 → county `countyCode` (6 digits) → one township and village; n workers. */
export async function seedCounty(
  db: Db,
  countyCode: string,
  specs: WorkerSpec[],
): Promise<{ countyId: number; workers: SeededWorker[] }> {
  const province = await region(db, '61', '陕西省', 'PROVINCE', null);
  const city = await region(db, '6108', '榆林市', 'CITY', province);
  const county = await region(db, countyCode, `县${countyCode}`, 'COUNTY', city);
  const township = await region(db, `${countyCode}101`, `镇${countyCode}`, 'TOWNSHIP', county);
  const village = await region(db, `${countyCode}101201`, `村${countyCode}`, 'VILLAGE', township);
  const workers: SeededWorker[] = [];
  for (const [i, s] of specs.entries()) {
    const n = ++phoneSeq;
    const h = await db.pool.query<{ id: number }>(
      `INSERT INTO "Household" (code, category, "villageId", "townshipId", "countyId", "cityId", "provinceId", "zeroEmployment", "laborCount", "updatedAt")
       VALUES ($1, 'NOT_YET_OUT', $2, $3, $4, $5, $6, $7, 1, now()) RETURNING id`,
      [`H${countyCode}-${n}`, village, township, county, city, province, s.zeroEmployment ?? false],
    );
    const phone = s.phone === false ? null : `+86138${String(10_000_000 + n).slice(-8)}`;
    const chat = s.telegram ? 700_000 + n : null;
    const w = await db.pool.query<{ id: number }>(
      `INSERT INTO "Worker" ("householdId", "villageId", "townshipId", "countyId", "cityId", "provinceId", name, "idHash", "idLast4",
                             phone, "telegramChatId", language, "needsVoice", "currentStatus", skills, "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '0000', $9, $10, $11, $12, $13::"EmploymentStatus", $14, now()) RETURNING id`,
      [
        h.rows[0]!.id,
        village,
        township,
        county,
        city,
        province,
        `工人${n}`,
        `h-${countyCode}-${n}-${i}`,
        phone,
        chat,
        s.language ?? 'zh-CN',
        s.needsVoice ?? false,
        s.status ?? 'UNEMPLOYED',
        s.skills ?? [],
      ],
    );
    workers.push({ id: w.rows[0]!.id, phone, telegramChatId: chat });
  }
  return { countyId: county, workers };
}

export async function staffFor(db: Db, regionCode: string, role: StaffRole = 'OPERATOR'): Promise<Staff> {
  const { user, region } = await ensureStaffUser(db.pool, { regionCode, role });
  return {
    userId: user.id,
    username: user.username,
    role,
    regionId: region.id,
    regionCode: region.code,
    regionLevel: region.level,
  };
}

export const NO_QUIET_HOURS = { QUIET_HOURS_SMS: 'off', QUIET_HOURS_TELEGRAM: 'off', QUIET_HOURS_VOICE: 'off' };
