/**
 * Zero-employment spells follow imports: every household the import puts on the list gets one
 * open spell (set-based, in the batch's statement), and a re-import that employs someone clears it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { generateLedgerFile } from '../../src/import/generate.js';
import { importLedgerFile } from '../../src/import/import-ledger.js';
import { refreshHouseholdCounts } from '../../src/ledger/household-counts.js';
import { createTestDb } from '../helpers/db.js';
import { sampleRows, tempDir, withCell, writeCsv } from '../import/helpers.js';

const KEY = 'k'.repeat(40);
let db: Db;

beforeAll(async () => {
  db = await createTestDb('postgres');
});
afterAll(async () => {
  await db?.close();
});

const openSpells = async () =>
  (
    await db.pool.query<{ householdId: number; n: number }>(
      `SELECT "householdId", count(*)::int AS n FROM "ZeroEmploymentSpell" WHERE "clearedAt" IS NULL GROUP BY 1`,
    )
  ).rows;

describe('spells and imports', () => {
  it('a 4,500-worker import (3 batches) opens one spell per zero-employment household; a re-import opens none twice', async () => {
    const file = join(tempDir(), 'province.csv');
    await generateLedgerFile(file, { workers: 4500, counties: 2, seed: 'spells' });
    await importLedgerFile(db, file, { idHashKey: KEY });
    const zero = await db.pool.query<{ id: number; since: Date }>(
      `SELECT id, "zeroEmploymentSince" AS since FROM "Household" WHERE "zeroEmployment" ORDER BY id`,
    );
    expect(zero.rows.length).toBeGreaterThan(10);
    const spells = await openSpells();
    expect(spells.every((s) => s.n === 1)).toBe(true);
    expect(spells.map((s) => s.householdId).sort((a, b) => a - b)).toEqual(zero.rows.map((r) => r.id));
    const sample = await db.prisma.zeroEmploymentSpell.findFirstOrThrow({ where: { householdId: zero.rows[0]!.id } });
    expect(sample).toMatchObject({ stage: 'LEADS_SMS', enteredAt: zero.rows[0]!.since });

    await importLedgerFile(db, file, { idHashKey: KEY });
    expect(await db.prisma.zeroEmploymentSpell.count()).toBe(spells.length);
  });

  it('a household written whole by its batch gets the spell the count refresh would open for it', async () => {
    const own = await createTestDb('postgres');
    try {
      const rows = sampleRows();
      const h = rows[0]!;
      const name = h.indexOf('姓名');
      const unemployed = rows.slice(1).map((r) => withCell([h, r], r[name]!, '就业状态', '未就业')[1]!);
      const file = writeCsv(join(tempDir(), 'whole.csv'), [h, ...unemployed]);
      const report = await importLedgerFile(own, file, { idHashKey: KEY });
      const run = await own.prisma.importRun.findUniqueOrThrow({ where: { id: report.importId } });
      const spellOf = async (householdId: number) => {
        // Everything but the row's own id and creation time.
        const {
          id: _id,
          createdAt: _at,
          ...spell
        } = await own.prisma.zeroEmploymentSpell.findFirstOrThrow({
          where: { householdId, clearedAt: null },
        });
        return spell;
      };
      const zero = await own.pool.query<{ id: number }>(`SELECT id FROM "Household" WHERE "zeroEmployment" ORDER BY id`);
      expect(zero.rows.length).toBeGreaterThan(3);
      expect(await own.prisma.zeroEmploymentSpell.count()).toBe(zero.rows.length);
      for (const { id } of zero.rows) {
        const written = await spellOf(id);
        expect(written).toMatchObject({ stage: 'LEADS_SMS', enteredAt: run.startedAt, nextStepAt: run.startedAt });
        // The same household through the refresh, at the import's time.
        await own.pool.query('DELETE FROM "ZeroEmploymentSpell" WHERE "householdId" = $1', [id]);
        expect(await refreshHouseholdCounts(own.pool, [id], run.startedAt)).toBe(1);
        expect(await spellOf(id)).toEqual(written);
      }
    } finally {
      await own.close();
    }
  });

  it('re-importing a zero-employment household with someone employed clears its spell', async () => {
    const dir = tempDir();
    const rows = sampleRows();
    const h = rows[0]!;
    const name = h.indexOf('姓名');
    const unemployed = rows.slice(1).map((r) => withCell([h, r], r[name]!, '就业状态', '未就业')[1]!);
    await importLedgerFile(db, writeCsv(join(dir, 'a.csv'), [h, ...unemployed]), { idHashKey: KEY });
    const w = await db.pool.query<{ householdId: number; name: string }>(
      `SELECT h.id AS "householdId", w.name FROM "Household" h JOIN "Worker" w ON w."householdId" = h.id
        WHERE h."zeroEmployment" AND w."laborCapacity" <> 'NONE' AND h.code = ANY($1::text[])
          AND w.name = ANY($2::text[]) ORDER BY h.id LIMIT 1`,
      [unemployed.map((r) => r[h.indexOf('户编号')]!), unemployed.map((r) => r[name]!)],
    );
    const target = w.rows[0]!;
    const spell = await db.prisma.zeroEmploymentSpell.findFirstOrThrow({
      where: { householdId: target.householdId, clearedAt: null },
    });

    // Same status day (the import day), reported later: the new status is current.
    const employed = withCell([h, ...unemployed], target.name, '就业状态', '县内就业');
    await importLedgerFile(db, writeCsv(join(dir, 'b.csv'), employed), { idHashKey: KEY });
    const after = await db.prisma.zeroEmploymentSpell.findUniqueOrThrow({ where: { id: spell.id } });
    expect(after).toMatchObject({ stage: 'STOPPED', nextStepAt: null });
    expect(after.clearedAt).not.toBeNull();
  });
});
