/**
 * Streams the rows of a ledger sheet, CSV or XLSX, without holding the file in memory.
 *
 * The format is read from the content, not the name: a zip archive ("PK\x03\x04") is XLSX,
 * anything else is CSV. CSV may be UTF-8 (with or without BOM) or GB18030/GBK, which is what
 * Excel on a Chinese Windows writes when a sheet is saved as CSV. Only the first worksheet of a
 * workbook is read. Rows whose cells are all empty are skipped.
 */

import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';

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

/** Longest record accepted: beyond it a quote left open would swallow the rest of the file into one record. */
const MAX_RECORD_CHARS = 1 << 20;

/**
 * The line break of a file, read off its first block outside quoted cells: "\r" for the old Mac
 * format, else "\n" (a "\r" before it is taken off the row's last cell, so CRLF, LF and a mix of
 * both read alike).
 */
function lineBreak(text: string): '\n' | '\r' {
  const outside = text.replace(/"[^"]*"/g, '');
  const cr = outside.indexOf('\r');
  const lf = outside.indexOf('\n');
  return cr !== -1 && (lf === -1 || lf > cr + 1) ? '\r' : '\n';
}

async function* readCsvRows(path: string): AsyncGenerator<SheetRow> {
  // papaparse's Parser reads every complete record of the text it is given and tells where the
  // last one ended (ignoreLastRow); the rest waits for the next block. It is several times faster
  // than csv-parse's stream (which was a third of an import's own CPU). Empty lines come back as
  // one empty cell, so line numbers are counted here.
  let parser: Papa.Parser | undefined;
  let crlf = true;
  let pending = '';
  let line = 1;
  function* records(data: string[][]): Generator<SheetRow> {
    for (const record of data) {
      const start = line;
      line += 1 + countNewlines(record); // a quoted cell may span lines
      const last = record.length - 1;
      const cell = record[last] as string;
      if (crlf && cell.endsWith('\r')) record[last] = cell.slice(0, -1);
      if (!isBlankRow(record)) yield { line: start, cells: record };
    }
  }
  for await (const chunk of csvText(path)) {
    let text = pending + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    if (!parser) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const newline = lineBreak(text);
      crlf = newline === '\n';
      parser = new Papa.Parser({ delimiter: ',', newline, quoteChar: '"' });
    }
    const result = parser.parse(text, 0, true) as Papa.ParseResult<string[]>;
    pending = text.slice(result.meta.cursor);
    yield* records(result.data);
    if (pending.length > MAX_RECORD_CHARS) throw unendingRecord(line);
  }
  if (parser && pending !== '') {
    const result = parser.parse(pending, 0, false) as Papa.ParseResult<string[]>;
    if (result.errors.some((e) => e.code === 'MissingQuotes')) throw unendingRecord(line);
    yield* records(result.data);
  }
}

/** The record starting on `line` runs to the end of the file or past MAX_RECORD_CHARS. */
function unendingRecord(line: number): SheetFileError {
  return new SheetFileError(
    `CSV 格式错误 / malformed CSV: 第 ${line} 行起的记录没有结束（引号未闭合？） / the record starting on line ${line} never ends (a quote left open?)`,
  );
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
