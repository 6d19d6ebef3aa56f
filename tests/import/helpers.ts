/** Building ledger sheets for the import tests. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { projectPath } from '../../src/paths.js';

export const SAMPLE_CSV = projectPath('prisma', 'seed', 'sample-ledger.csv');
export const SAMPLE_XLSX = projectPath('prisma', 'seed', 'sample-ledger.xlsx');

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'outreach-import-test-'));
}

/** The sample sheet as rows of cells, header first. */
export function sampleRows(): string[][] {
  const text = readFileSync(SAMPLE_CSV, 'utf8').replace(/^\uFEFF/, '');
  return Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function writeCsv(path: string, rows: readonly (readonly string[])[]): string {
  writeFileSync(path, `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`);
  return path;
}

/** Copies `rows` with the cell under `header` of the data row whose 姓名 is `name` replaced. */
export function withCell(rows: string[][], name: string, header: string, value: string): string[][] {
  const h = rows[0] as string[];
  const col = h.indexOf(header);
  const nameCol = h.indexOf('姓名');
  if (col < 0) throw new Error(`no column ${header}`);
  let found = false;
  const out = rows.map((r, i) => {
    if (i === 0 || r[nameCol] !== name) return r;
    found = true;
    const copy = [...r];
    copy[col] = value;
    return copy;
  });
  if (!found) throw new Error(`no row for ${name}`);
  return out;
}

/** Writes an XLSX with the given cells (numbers and dates as such) on its first sheet. */
export async function writeXlsx(path: string, rows: readonly (readonly unknown[])[]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('台账');
  for (const r of rows) ws.addRow([...r]);
  await wb.xlsx.writeFile(path);
  return path;
}
