/**
 * One region-scope decision for staff requests and reports (src/staff/scope.ts): codes stored at
 * their own length or padded to 12 digits, and regions whose parent link is missing, are judged
 * the same way everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import type { RegionLevel } from '../../src/generated/prisma/enums.js';
import { resolveScope, resolveScopeWithin } from '../../src/reports/scope.js';
import { codeInScope, findRegion, regionIdInScope } from '../../src/staff/scope.js';
import { createTestDb } from '../helpers/db.js';

let db: Db;
const ids: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDb('postgres');
  const add = async (code: string, level: RegionLevel, parent?: string) => {
    const r = await db.prisma.region.create({ data: { code, name: code, level, parentId: parent ? ids[parent] : undefined } });
    ids[code] = r.id;
  };
  // As the import stores them: each at its own length.
  await add('61', 'PROVINCE');
  await add('6109', 'CITY', '61');
  await add('610921', 'COUNTY', '6109');
  await add('610921101', 'TOWNSHIP', '610921');
  await add('610921101201', 'VILLAGE', '610921101');
  await add('610922', 'COUNTY', '6109');
  // A village whose parent link was never set.
  await add('610921101202', 'VILLAGE');
  // Padded to 12 digits, as other tools (and older sheets) write them.
  await add('610800000000', 'CITY', '61');
  await add('610826000000', 'COUNTY', '610800000000');
  await add('610826100000', 'TOWNSHIP', '610826000000');
  await add('610826100201', 'VILLAGE', '610826100000');
});
afterAll(async () => {
  await db?.close();
});

describe('region scope', () => {
  it('a padded county contains its padded villages, for staff requests as for reports', async () => {
    const county = { regionCode: '610826000000' };
    expect(codeInScope(county, '610826100201')).toBe(true);
    expect(codeInScope(county, '610826100000')).toBe(true);
    expect(codeInScope(county, '610921101201')).toBe(false);
    expect(await regionIdInScope(db.pool, county, ids['610826100201']!)).toBe(true);
    const scope = await resolveScope(db.pool, '610826000000');
    expect((await resolveScopeWithin(db.pool, '610826100201', scope)).regionId).toBe(ids['610826100201']);
  });

  it('finds a region by its padded code wherever a code is looked up', async () => {
    expect(await findRegion(db.pool, { code: '610921000000' })).toMatchObject({ id: ids['610921'], level: 'COUNTY' });
    expect(await findRegion(db.pool, { code: '610921101000' })).toMatchObject({ id: ids['610921101'] });
    expect(await findRegion(db.pool, { code: '610826000000' })).toMatchObject({ id: ids['610826000000'] });
    expect(await findRegion(db.pool, { code: '619999' })).toBeNull();
  });

  it('decides by code, so a region without its parent link is still inside its county', async () => {
    const county = await resolveScope(db.pool, '610921');
    expect((await resolveScopeWithin(db.pool, '610921101202', county)).regionId).toBe(ids['610921101202']);
  });

  it('staff checks and report scoping agree on every pair', async () => {
    const codes = Object.keys(ids);
    for (const outer of codes) {
      const scope = await resolveScope(db.pool, outer);
      for (const inner of codes) {
        const inside = codeInScope({ regionCode: outer }, inner);
        const report = await resolveScopeWithin(db.pool, inner, scope).then(
          () => true,
          () => false,
        );
        expect(report, `${inner} within ${outer}`).toBe(inside);
      }
    }
    expect(codeInScope({ regionCode: '610921' }, '6109')).toBe(false);
    expect(codeInScope({ regionCode: '610921' }, '610921')).toBe(true);
  });
});
