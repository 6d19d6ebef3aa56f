import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type HeaderMap, resolveHeader } from '../../src/import/columns.js';
import { generateLedgerFile } from '../../src/import/generate.js';
import { chinaDate } from '../../src/import/import-ledger.js';
import { readSheetRows } from '../../src/import/read-rows.js';
import { type LedgerRow, newFileState, type RowError, RowValidator } from '../../src/import/validate-row.js';
import { SAMPLE_CSV, SAMPLE_XLSX, tempDir } from './helpers.js';

/** Every data row of a file through the import's reader and validator. */
async function validated(path: string): Promise<{ rows: LedgerRow[]; errors: RowError[]; cells: string[][] }> {
  let validator: RowValidator | undefined;
  let header: HeaderMap | undefined;
  const rows: LedgerRow[] = [];
  const errors: RowError[] = [];
  const cells: string[][] = [];
  for await (const row of readSheetRows(path)) {
    if (!header) {
      const h = resolveHeader(row.cells, row.line);
      if (h.ok) {
        header = h.header;
        validator = new RowValidator({ header, idHashKey: 'k', today: chinaDate(new Date()), state: newFileState() });
      }
      continue;
    }
    cells.push(row.cells);
    const r = (validator as RowValidator).validate(row);
    if (r.value) rows.push(r.value);
    errors.push(...r.errors);
  }
  return { rows, errors, cells };
}

const withoutLine = (rows: LedgerRow[]) => rows.map(({ line: _line, ...rest }) => rest);

describe('synthetic province', () => {
  const dir = tempDir();

  it('is valid ledger data: every row passes, households of 1-5 workers, a mix of categories and statuses', async () => {
    const path = join(dir, 'p.csv');
    const summary = await generateLedgerFile(path, { workers: 1500, counties: 3, seed: 'test' });
    const { rows, errors } = await validated(path);
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(1500);

    const households = new Map<string, LedgerRow[]>();
    for (const r of rows) households.set(r.household.code, [...(households.get(r.household.code) ?? []), r]);
    expect(households.size).toBe(summary.households);
    for (const members of households.values()) {
      expect(members.length).toBeGreaterThanOrEqual(1);
      expect(members.length).toBeLessThanOrEqual(5);
      expect(new Set(members.map((m) => m.villageCode)).size).toBe(1);
    }
    expect(new Set(rows.map((r) => r.villageCode.slice(0, 6))).size).toBe(3);
    expect(rows.every((r) => r.villageCode.startsWith('61'))).toBe(true);
    expect(new Set(rows.map((r) => r.household.category))).toEqual(
      new Set(['NOT_YET_OUT', 'MONITORED', 'EDGE', 'RELOCATED', 'OTHER']),
    );
    expect(rows.filter((r) => r.household.category === 'RELOCATED').every((r) => r.household.siteName)).toBe(true);
    const statuses = new Set(rows.map((r) => r.status?.status));
    for (const s of [
      'EMPLOYED_LOCAL',
      'EMPLOYED_OUT_OF_PROVINCE',
      'EMPLOYED_JIANGSU',
      'PUBLIC_WELFARE_POST',
      'UNEMPLOYED',
      'RETURNED_HOME',
    ]) {
      expect(statuses).toContain(s);
    }
    expect(rows.filter((r) => r.contact)).toHaveLength(summary.familyContacts);
    expect(summary.familyContacts).toBeGreaterThan(100);
    expect(summary.zeroEmploymentHouseholds).toBeGreaterThan(10);
  });

  it('is the same file for the same seed, and another for another seed', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const c = join(dir, 'c.csv');
    await generateLedgerFile(a, { workers: 300, counties: 2, seed: 7 });
    await generateLedgerFile(b, { workers: 300, counties: 2, seed: 7 });
    await generateLedgerFile(c, { workers: 300, counties: 2, seed: 8 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
  });

  it('writes XLSX with the same rows as CSV', async () => {
    const csv = join(dir, 'x.csv');
    const xlsx = join(dir, 'x.xlsx');
    await generateLedgerFile(csv, { workers: 200, counties: 1, seed: 3 });
    const summary = await generateLedgerFile(xlsx, { workers: 200, counties: 1, seed: 3 });
    expect(summary.format).toBe('xlsx');
    const fromCsv = await validated(csv);
    const fromXlsx = await validated(xlsx);
    expect(fromXlsx.errors).toEqual([]);
    expect(withoutLine(fromXlsx.rows)).toEqual(withoutLine(fromCsv.rows));
  });
});

describe('sample ledger (prisma/seed)', () => {
  it('holds what a trial needs: two counties, a relocated household, contacts, 138/139 numbers, no errors', async () => {
    const { rows, errors, cells } = await validated(SAMPLE_CSV);
    expect(errors).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(new Set(rows.map((r) => r.villageCode.slice(0, 6)))).toEqual(new Set(['610921', '611022']));
    expect(rows.some((r) => r.household.category === 'RELOCATED' && r.household.siteName)).toBe(true);
    expect(rows.filter((r) => r.contact).length).toBeGreaterThanOrEqual(5);
    expect(rows.every((r) => !r.worker.phone || /^\+86139|^\+86138/.test(r.worker.phone))).toBe(true);
    // A row may name only the village code of a village an earlier row named.
    expect(cells.some((c) => c[0] && !c[1])).toBe(true);
  });

  it('reads the same from its XLSX version as from the CSV', async () => {
    const csv = await validated(SAMPLE_CSV);
    const xlsx = await validated(SAMPLE_XLSX);
    expect(xlsx.errors).toEqual([]);
    expect(withoutLine(xlsx.rows)).toEqual(withoutLine(csv.rows));
    expect(xlsx.rows[0]?.line).toBe(3); // title row, header, then data
  });
});
