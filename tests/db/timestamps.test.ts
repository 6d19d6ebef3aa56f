/**
 * Timestamps are UTC in the ledger whatever the process's time zone: Prisma and raw pg queries
 * must agree on the same instant (a county office runs with TZ=Asia/Shanghai).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { createTestDb } from '../helpers/db.js';

describe('timestamps across Prisma and raw SQL in Asia/Shanghai', () => {
  let db: Db;
  const tz = process.env.TZ;
  beforeAll(async () => {
    process.env.TZ = 'Asia/Shanghai';
    db = await createTestDb('postgres');
  });
  afterAll(async () => {
    process.env.TZ = tz;
    await db.close();
  });

  it('reads through pg the instant Prisma wrote, and the reverse', async () => {
    expect(new Date('2026-01-01T00:00:00Z').getTimezoneOffset()).toBe(-480); // the zone took effect
    const at = new Date('2026-11-29T16:30:00.000Z');
    const r = await db.prisma.region.create({ data: { code: '61', name: '陕西省', level: 'PROVINCE', createdAt: at } });
    const raw = await db.pool.query<{ createdAt: Date }>(`SELECT "createdAt" FROM "Region" WHERE id = $1`, [r.id]);
    expect(raw.rows[0]!.createdAt.toISOString()).toBe(at.toISOString());

    const later = new Date('2026-11-30T01:15:00.000Z');
    await db.pool.query(`UPDATE "Region" SET "createdAt" = $2 WHERE id = $1`, [r.id, later]);
    const viaPrisma = await db.prisma.region.findUniqueOrThrow({ where: { id: r.id } });
    expect(viaPrisma.createdAt.toISOString()).toBe(later.toISOString());
  });
});
