/**
 * Writing report rows to CSV and XLSX, streaming.
 *
 * A report is described by its columns (key, zh-CN header, English header, how to read the value)
 * and a source of rows: an array, any iterable, or an async iterable such as `keysetBatches`
 * reading the ledger a batch at a time. Rows are written as they arrive, so a list of a million
 * workers never sits in memory.
 *
 * - CSV: UTF-8 with a byte-order mark, so Excel opens Chinese text correctly; CRLF line ends
 *   (csv-stringify). Text cells that a spreadsheet would run as a formula (=, +, -, @ first) are
 *   prefixed with an apostrophe.
 * - XLSX: exceljs's streaming WorkbookWriter, one or more sheets, header row first.
 *
 * Values: null/undefined → empty; booleans → 是/否 (zh-CN headers) or yes/no (English headers);
 * Dates → China calendar date ("date") or date and minute ("datetime", the default); bigint →
 * its decimal text; numbers stay numbers in XLSX.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { shanghaiDateTime, shanghaiDay } from '../ledger/china-time.js';

export type ExportFormat = 'csv' | 'xlsx';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx'];

/** Which header row to write. */
export type HeaderLanguage = 'zh-CN' | 'en';

export type CellValue = string | number | boolean | bigint | Date | null | undefined;

export interface Column<R> {
  /** Stable machine name of the column (also the JSON field name where the report has one). */
  key: string;
  /** Header in Chinese (the default header row). */
  zh: string;
  /** Header in English. */
  en: string;
  /** Reads the cell from a row; by default `row[key]`. */
  value?: (row: R) => CellValue;
  /** How a Date is written: calendar day or day and minute (China time). Default 'datetime'. */
  date?: 'date' | 'datetime';
  /** XLSX column width in characters. */
  width?: number;
}

export type RowSource<R> = Iterable<R> | AsyncIterable<R>;

export interface ExportOptions {
  /** Header language; default zh-CN. */
  headers?: HeaderLanguage;
}

export interface Sheet<R = never> {
  /** Sheet name (Excel allows at most 31 characters; longer names are cut). */
  name: string;
  columns: readonly Column<R>[];
  rows: RowSource<R>;
}

/** A sheet of any row type (a workbook mixes them). */
// biome-ignore lint/suspicious/noExplicitAny: each sheet has its own row type
export type AnySheet = Sheet<any>;

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

function rawValue<R>(col: Column<R>, row: R): CellValue {
  return col.value ? col.value(row) : ((row as Record<string, unknown>)[col.key] as CellValue);
}

/** The cell as written: strings for text, numbers kept for XLSX. */
export function cellValue<R>(col: Column<R>, row: R, headers: HeaderLanguage = 'zh-CN'): string | number {
  const v = rawValue(col, row);
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return headers === 'en' ? (v ? 'yes' : 'no') : v ? '是' : '否';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : col.date === 'date' ? shanghaiDay(v) : shanghaiDateTime(v);
  return v;
}

export function headerRow<R>(columns: readonly Column<R>[], headers: HeaderLanguage = 'zh-CN'): string[] {
  return columns.map((c) => (headers === 'en' ? c.en : c.zh));
}

/** Keeps a spreadsheet from running a text cell as a formula (CSV injection). */
function defuse(v: string | number): string | number {
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

async function* asAsync<R>(rows: RowSource<R>): AsyncIterable<R> {
  yield* rows as AsyncIterable<R>;
}

/**
 * Writes the rows as CSV (BOM, header row, CRLF) to `out` and ends it. Returns the number of
 * data rows. Waits for `out` to drain, so a slow reader slows the source down instead of
 * filling memory.
 */
export async function writeCsv<R>(
  rows: RowSource<R>,
  columns: readonly Column<R>[],
  out: Writable,
  opts: ExportOptions = {},
): Promise<number> {
  const headers = opts.headers ?? 'zh-CN';
  const csv = stringify({ bom: true, record_delimiter: 'windows' });
  const finished = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('close', resolve);
    out.on('error', reject);
    csv.on('error', reject);
  });
  csv.pipe(out);
  let n = 0;
  const write = async (record: (string | number)[]) => {
    if (!csv.write(record)) await once(csv, 'drain');
  };
  try {
    await write(headerRow(columns, headers));
    for await (const row of asAsync(rows)) {
      await write(columns.map((c) => defuse(cellValue(c, row, headers))));
      n++;
    }
  } catch (err) {
    csv.destroy(err as Error);
    out.destroy(err as Error);
    throw err;
  }
  csv.end();
  await finished;
  return n;
}

/**
 * Writes one or more sheets as XLSX to `out` (exceljs's streaming writer: each row is committed
 * as it is written) and ends it. Returns the number of data rows per sheet.
 */
export async function writeXlsxSheets(sheets: readonly AnySheet[], out: Writable, opts: ExportOptions = {}): Promise<number[]> {
  const headers = opts.headers ?? 'zh-CN';
  const finished = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('close', resolve);
    out.on('error', reject);
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const counts: number[] = [];
  const used = new Set<string>();
  try {
    for (const sheet of sheets) {
      const name = uniqueSheetName(sheet.name, used);
      const ws = workbook.addWorksheet(name);
      ws.columns = sheet.columns.map((c) => ({
        key: c.key,
        width: c.width ?? Math.max(10, (headers === 'en' ? c.en : c.zh).length * 2),
      }));
      ws.addRow(headerRow(sheet.columns, headers)).commit();
      let n = 0;
      for await (const row of asAsync(sheet.rows)) {
        ws.addRow(sheet.columns.map((c) => cellValue(c, row, headers))).commit();
        // Let the zip stream flush now and then.
        if (++n % 2000 === 0) await new Promise((r) => setImmediate(r));
      }
      ws.commit();
      counts.push(n);
    }
    await workbook.commit();
  } catch (err) {
    out.destroy(err as Error);
    throw err;
  }
  await finished;
  return counts;
}

function uniqueSheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[\\/?*[\]:]/g, ' ').slice(0, 31) || 'Sheet';
  let candidate = base;
  for (let i = 2; used.has(candidate); i++) candidate = `${base.slice(0, 28)} ${i}`;
  used.add(candidate);
  return candidate;
}

/** Writes one sheet of rows as XLSX to `out` and ends it. Returns the number of data rows. */
export async function writeXlsx<R>(
  rows: RowSource<R>,
  columns: readonly Column<R>[],
  out: Writable,
  opts: ExportOptions & { sheetName?: string } = {},
): Promise<number> {
  const [n] = await writeXlsxSheets([{ name: opts.sheetName ?? 'Sheet1', columns, rows }], out, opts);
  return n ?? 0;
}

/** Writes the rows in the given format to `out` and ends it. Returns the number of data rows. */
export function writeRows<R>(
  format: ExportFormat,
  rows: RowSource<R>,
  columns: readonly Column<R>[],
  out: Writable,
  opts: ExportOptions & { sheetName?: string } = {},
): Promise<number> {
  return format === 'csv' ? writeCsv(rows, columns, out, opts) : writeXlsx(rows, columns, out, opts);
}

/** Writes the rows in the given format to a file (created or replaced). */
export function writeRowsToFile<R>(
  format: ExportFormat,
  rows: RowSource<R>,
  columns: readonly Column<R>[],
  path: string,
  opts: ExportOptions & { sheetName?: string } = {},
): Promise<number> {
  return writeRows(format, rows, columns, createWriteStream(path), opts);
}

/** The format a file name asks for (by extension), or undefined. */
export function formatFromFileName(path: string): ExportFormat | undefined {
  if (/\.xlsx$/i.test(path)) return 'xlsx';
  if (/\.csv$/i.test(path)) return 'csv';
  return undefined;
}

/** A Content-Disposition value with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * Reads a query in batches by a strictly increasing key (keyset pagination) and yields the rows
 * one at a time: memory holds one batch, and each batch is one short query (no long transaction
 * or held cursor, so it works on the pool and on embedded PGlite alike).
 *
 * `fetch(after, limit)` returns up to `limit` rows whose key is greater than `after` (null for
 * the first batch), ordered by that key.
 */
export async function* keysetBatches<R, K>(
  fetch: (after: K | null, limit: number) => Promise<R[]>,
  keyOf: (row: R) => K,
  batchSize = 5000,
): AsyncGenerator<R> {
  let after: K | null = null;
  for (;;) {
    const batch = await fetch(after, batchSize);
    for (const row of batch) yield row;
    if (batch.length < batchSize) return;
    after = keyOf(batch[batch.length - 1] as R);
  }
}
