/**
 * Streams the rows of a ledger sheet, CSV or XLSX, without holding the file in memory.
 *
 * The format is read from the content, not the name: a zip archive ("PK\x03\x04") is XLSX,
 * anything else is CSV. CSV may be UTF-8 (with or without BOM) or GB18030/GBK, which is what
 * Excel on a Chinese Windows writes when a sheet is saved as CSV. Only the first worksheet of a
 * workbook is read. Rows whose cells are all empty are skipped.
 */

import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

export type SheetFormat = 'csv' | 'xlsx';

export interface SheetRow {
  /** Line (CSV) or row (XLSX) number as a person sees it in an editor or in Excel. */
  line: number;
  cells: string[];
  /** Indexes of cells that an XLSX file stored as numbers (an 18-digit ID number loses digits that way). */
  numeric?: ReadonlySet<number>;
}

/** A file that cannot be read as a ledger at all (not a row-level problem). */
export class SheetFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SheetFileError';
  }
}

export async function detectFormat(path: string): Promise<SheetFormat> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf.readUInt32BE(0) === 0x504b0304 ? 'xlsx' : 'csv';
  } finally {
    await fh.close();
  }
}

/** Yields every non-empty row of the file, the header row included. */
export async function* readSheetRows(path: string, format?: SheetFormat): AsyncGenerator<SheetRow> {
  const f = format ?? (await detectFormat(path));
  if (f === 'xlsx') yield* readXlsxRows(path);
  else yield* readCsvRows(path);
}

function isBlankRow(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

/** Bytes at the end of `buf` that start a UTF-8 sequence the next chunk completes. */
function incompleteTail(buf: Buffer): number {
  for (let i = 1; i <= Math.min(3, buf.length); i++) {
    const b = buf[buf.length - i] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > i ? i : 0;
  }
  return 0;
}

const NOT_TEXT = '文件编码无法识别（应为 UTF-8 或 GBK） / the file is neither UTF-8 nor GBK text';

/**
 * The file's text for the CSV parser: UTF-8 bytes as they are (checked, so that a stray byte is
 * an error instead of a silently garbled name), or GB18030 decoded to strings when the first
 * block is not UTF-8.
 */
async function* csvText(path: string): AsyncGenerator<Buffer | string> {
  const input = createReadStream(path, { highWaterMark: 1 << 16 });
  let decoder: TextDecoder | undefined;
  let carry: Buffer = Buffer.alloc(0);
  let first = true;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (decoder) {
        yield decoder.decode(chunk, { stream: true });
        continue;
      }
      const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const cut = joined.length - incompleteTail(joined);
      const complete = joined.subarray(0, cut);
      if (!isUtf8(complete)) {
        if (!first) throw new SheetFileError(NOT_TEXT);
        decoder = new TextDecoder('gb18030', { fatal: true });
        yield decoder.decode(joined, { stream: true });
        continue;
      }
      first = false;
      carry = Buffer.from(joined.subarray(cut));
      yield complete;
    }
    if (decoder) yield decoder.decode();
    else if (carry.length > 0) throw new SheetFileError(NOT_TEXT);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') throw new SheetFileError(NOT_TEXT);
    throw err;
  } finally {
    input.destroy();
  }
}

function countNewlines(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) {
    for (let i = c.indexOf('\n'); i !== -1; i = c.indexOf('\n', i + 1)) n++;
  }
  return n;
}

async function* readCsvRows(path: string): AsyncGenerator<SheetRow> {
  // Empty lines are kept (as one empty cell) so that line numbers can be counted here: csv-parse's
  // own per-record info costs more than the parsing.
  // A quote left open would otherwise swallow the rest of the file into one record.
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: true, max_record_size: 1 << 20 });
  const source = Readable.from(csvText(path), { objectMode: false });
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  let line = 1;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const start = line;
      line += 1 + countNewlines(record); // a quoted cell may span lines
      if (!isBlankRow(record)) yield { line: start, cells: record };
    }
  } catch (err) {
    if (err instanceof SheetFileError) throw err;
    if ((err as { code?: string }).code?.startsWith('CSV_')) {
      throw new SheetFileError(`CSV 格式错误 / malformed CSV: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    source.destroy();
    if (!parser.destroyed) {
      parser.destroy();
      await once(parser, 'close').catch(() => {});
    }
  }
}

function cellText(value: unknown): { text: string; numeric: boolean } {
  if (value === null || value === undefined) return { text: '', numeric: false };
  if (typeof value === 'string') return { text: value, numeric: false };
  if (typeof value === 'number') return { text: String(value), numeric: true };
  if (typeof value === 'boolean') return { text: value ? '是' : '否', numeric: false };
  if (value instanceof Date) {
    // Excel dates carry no zone; exceljs returns them as UTC midnight of the written day.
    return { text: Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10), numeric: false };
  }
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return { text: v.richText.map((r) => r.text).join(''), numeric: false };
    if ('result' in v) return cellText(v.result);
    if (typeof v.text === 'string') return { text: v.text, numeric: false };
  }
  return { text: '', numeric: false };
}

async function* readXlsxRows(path: string): AsyncGenerator<SheetRow> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache', // needed to tell date cells from numbers
  });
  try {
    for await (const worksheet of workbook) {
      for await (const row of worksheet) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        let numeric: Set<number> | undefined;
        // row.values is 1-based and sparse.
        for (let i = 1; i < values.length; i++) {
          const { text, numeric: isNum } = cellText(values[i]);
          cells.push(text);
          if (isNum) {
            numeric ??= new Set();
            numeric.add(i - 1);
          }
        }
        if (isBlankRow(cells)) continue;
        yield numeric ? { line: row.number, cells, numeric } : { line: row.number, cells };
      }
      return; // first worksheet only
    }
  } catch (err) {
    if (err instanceof Error && /zip|end of central directory|invalid signature/i.test(err.message)) {
      throw new SheetFileError(`无法读取 XLSX 文件 / cannot read the XLSX file: ${err.message}`);
    }
    throw err;
  }
}
