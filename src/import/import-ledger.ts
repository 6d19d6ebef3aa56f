/**
 * Ledger import: reads a county sheet (CSV or XLSX) as a stream, validates each row, writes valid
 * rows in batches and records the run in ImportRun. Invalid rows are reported by line and column
 * and skipped; valid rows are imported. Importing the same file again changes nothing.
 *
 * Parsing the next batch overlaps with writing the previous one, so the database and the parser
 * work at the same time while memory stays bounded to two batches.
 *
 * Each batch commits on its own, so a stopped import keeps the batches before it; the first
 * import into an empty ledger on PostgreSQL is the exception: one transaction, indexes and
 * foreign keys built at its end, all or nothing (bulk-load.ts).
 */
import { basename } from 'node:path';
import type { Db } from '../db/database.js';
import { type BulkLoad, beginBulkLoad } from './bulk-load.js';
import { COLUMN_BY_KEY, type ColumnKey, columnLabel, type HeaderMap, resolveHeader } from './columns.js';
import { detectFormat, readSheetRows, SheetFileError, type SheetRow } from './read-rows.js';
import { type LedgerRow, newFileState, type RowError, RowValidator } from './validate-row.js';
import { createBatchWriter } from './write-batch.js';

export interface ImportError {
  /** Line (CSV) or row (XLSX) number in the file; the header is line 1 unless title rows precede it. */
  line: number;
  /** The column header as written in the file. */
  field: string;
  message: string;
}

export interface ImportProgress {
  rows: number;
  imported: number;
  failed: number;
}

export interface ImportOptions {
  /** Key for ID-number hashes: `idHashKey(config)` from src/secrets.ts. */
  idHashKey: string;
  /**
   * Staff user running the import: recorded on the ImportRun and as reporter of the events. Rows
   * outside the user's region (their region and below) are rejected as row errors, and so are rows
   * matching a household or worker the ledger keeps outside it (a transfer moves those). Without
   * a staff user (the shell's `outreach import`) the import acts on the whole ledger.
   */
  staffUserId?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Rows per write batch (default 2,000). */
  batchSize?: number;
  /** Errors kept in the report and the ImportRun row (default 1,000, the first by line). */
  maxErrors?: number;
}

export interface ImportReport {
  importId: number;
  fileName: string;
  /** Data rows read (empty rows and the header not counted). */
  rows: number;
  imported: number;
  failed: number;
  /** The first `maxErrors` errors by line. */
  errors: ImportError[];
  /** All errors, including those beyond `maxErrors`. */
  errorCount: number;
  /** Employment events appended (status changes and new workers with a status). */
  eventsAppended: number;
}

/** The file cannot be imported at all: unreadable, empty, or without the required columns. */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/** Rows that may precede the header (a title such as "XX县脱贫劳动力就业台账"). */
const MAX_TITLE_ROWS = 10;

/** Today's date in China, YYYY-MM-DD: sheets are dated in local time. */
export function chinaDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(at);
}

/** Keeps the first `cap` errors by line without holding every error of a hopeless file. */
class ErrorLog {
  private list: RowError[] = [];
  total = 0;
  constructor(private readonly cap: number) {}
  add(errors: readonly RowError[]): void {
    this.total += errors.length;
    this.list.push(...errors);
    if (this.list.length > 2 * this.cap) this.trim();
  }
  private trim(): void {
    this.list.sort((a, b) => a.line - b.line);
    this.list.length = Math.min(this.list.length, this.cap);
  }
  result(header: HeaderMap): ImportError[] {
    this.trim();
    return this.list.map((e) => ({ line: e.line, field: columnLabel(header, e.key), message: e.message }));
  }
}

function describeHeaderProblem(missing: ColumnKey[], duplicated: string[]): string {
  const parts: string[] = [];
  if (missing.length > 0) {
    const zh = missing.map((k) => COLUMN_BY_KEY.get(k)?.zh).join('、');
    const en = missing.map((k) => COLUMN_BY_KEY.get(k)?.en).join(', ');
    parts.push(`缺少必需的列：${zh} / missing required columns: ${en}`);
  }
  if (duplicated.length > 0) {
    parts.push(`列重复：${duplicated.join('、')} / columns appear twice: ${duplicated.join(', ')}`);
  }
  return parts.join('; ');
}

/** Reads rows up to and including the header; returns the header and the iterator positioned after it. */
async function readHeader(rows: AsyncIterator<SheetRow>): Promise<HeaderMap> {
  let best: { missing: ColumnKey[]; duplicated: string[]; matched: number } | undefined;
  for (let i = 0; i < MAX_TITLE_ROWS; i++) {
    const next = await rows.next();
    if (next.done) break;
    const result = resolveHeader(next.value.cells, next.value.line);
    if (result.ok) return result.header;
    if (!best || result.matched > best.matched) best = result;
  }
  if (!best) throw new ImportFileError('文件为空 / the file is empty');
  throw new ImportFileError(`未找到表头行 / no header row found: ${describeHeaderProblem(best.missing, best.duplicated)}`);
}

const STOPPED_MESSAGE =
  '导入因数据库错误中断；已写入的批次保留，可重新导入 / the import stopped on a database error; batches already written are kept and the file can be imported again';

const ROLLED_BACK_MESSAGE =
  '首次导入因错误中断，已整体撤回，台账中未写入任何记录，可重新导入 / the first import stopped on an error and was rolled back as a whole: nothing was written and the file can be imported again';

/**
 * What the ImportRun keeps about an import that stopped: a file problem as such, never a database
 * message (it may quote values). A bulk load (bulk-load.ts) that stopped kept nothing.
 */
function stoppedError(err: unknown, rolledBack: boolean): ImportError {
  const outcome = rolledBack ? ROLLED_BACK_MESSAGE : STOPPED_MESSAGE;
  const kept = rolledBack ? ROLLED_BACK_MESSAGE : '已写入的批次保留 / batches already written are kept';
  const message = err instanceof SheetFileError ? `${err.message}（${kept}）` : outcome;
  return { line: 0, field: '', message };
}

/** The region code that bounds what a staff user may import; refuses an unknown user. */
async function staffScopeCode(db: Pick<Db, 'pool'>, staffUserId: number): Promise<string> {
  const r = await db.pool.query<{ code: string }>(
    'SELECT g.code FROM "StaffUser" u JOIN "Region" g ON g.id = u."regionId" WHERE u.id = $1',
    [staffUserId],
  );
  const code = r.rows[0]?.code;
  if (code === undefined) throw new ImportFileError(`工作人员不存在 / no staff user #${staffUserId}`);
  return code;
}

/**
 * Imports a ledger file into the database. Throws ImportFileError when the file cannot be read
 * as a ledger; row problems are returned in the report instead.
 */
export async function importLedgerFile(
  db: Pick<Db, 'pool'> & Partial<Pick<Db, 'embedded'>>,
  filePath: string,
  opts: ImportOptions,
): Promise<ImportReport> {
  const batchSize = opts.batchSize ?? 2000;
  const fileName = basename(filePath);
  const started = new Date();
  const now = started.toISOString();

  let format: Awaited<ReturnType<typeof detectFormat>>;
  try {
    format = await detectFormat(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImportFileError(`文件不存在 / no such file: ${fileName}`);
    if (code === 'EISDIR') throw new ImportFileError(`这是一个目录 / is a directory: ${fileName}`);
    if (code === 'EACCES') throw new ImportFileError(`无权读取文件 / permission denied: ${fileName}`);
    throw err;
  }
  const scopeCode = opts.staffUserId === undefined ? undefined : await staffScopeCode(db, opts.staffUserId);
  const rows = readSheetRows(filePath, format)[Symbol.asyncIterator]();
  let header: HeaderMap;
  try {
    header = await readHeader(rows);
  } catch (err) {
    await rows.return?.(undefined);
    if (err instanceof SheetFileError) throw new ImportFileError(err.message);
    throw err;
  }

  const run = await db.pool.query<{ id: number }>(
    `INSERT INTO "ImportRun" ("fileName", "staffUserId", "startedAt") VALUES ($1, $2, $3::timestamp(3)) RETURNING id`,
    [fileName, opts.staffUserId ?? null, now],
  );
  const importId = run.rows[0]?.id as number;

  const today = chinaDate(started);
  const validator = new RowValidator({ header, idHashKey: opts.idHashKey, today, state: newFileState(), scopeCode });
  const log = new ErrorLog(opts.maxErrors ?? 1000);
  const counts = { rows: 0, imported: 0, failed: 0, events: 0 };

  const client = await db.pool.connect();
  // An empty ledger on PostgreSQL is loaded in one transaction, its secondary indexes and foreign
  // keys built at the end (bulk-load.ts). PGlite's connections share one session: never there.
  let bulk: BulkLoad | null = null;
  try {
    if (db.embedded !== true) bulk = await beginBulkLoad(client);
  } catch (err) {
    client.release(true);
    await rows.return?.(undefined);
    throw err;
  }
  const writer = createBatchWriter(client, {
    importId,
    staffUserId: opts.staffUserId,
    now,
    today,
    scopeCode,
    copy: db.embedded !== true,
    outerTransaction: bulk !== null,
  });
  let inFlight: Promise<void> = Promise.resolve();
  let writeFailure: { error: unknown } | undefined;

  const writeBatch = async (batch: LedgerRow[]) => {
    const result = await writer.write(batch);
    counts.imported += result.written;
    counts.failed += new Set(result.errors.map((e) => e.line)).size;
    counts.events += result.eventsAppended;
    log.add(result.errors);
    opts.onProgress?.({ rows: counts.rows, imported: counts.imported, failed: counts.failed });
  };
  /** Starts writing `batch` once the previous batch is written; parsing continues meanwhile. */
  const flush = async (batch: LedgerRow[]) => {
    await inFlight;
    if (writeFailure) throw writeFailure.error;
    inFlight = writeBatch(batch).catch((error: unknown) => {
      writeFailure = { error };
    });
  };

  let fatal: unknown;
  try {
    await writer.open();
    let batch: LedgerRow[] = [];
    for (let next = await rows.next(); !next.done; next = await rows.next()) {
      counts.rows++;
      // Parsed rows arrive in bursts that never leave the microtask queue; let the database
      // replies of the batch being written through now and then. Each reply waits for the next
      // yield before the writer sends its next statement, so the server idles meanwhile: every
      // 16 rows (about half a millisecond of parsing) imported faster than every 50.
      if (counts.rows % 16 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const { value, errors } = validator.validate(next.value);
      if (value) {
        batch.push(value);
        if (batch.length >= batchSize) {
          await flush(batch);
          batch = [];
        }
      } else {
        counts.failed++;
        log.add(errors);
      }
    }
    if (batch.length > 0) await flush(batch);
    await inFlight;
    if (writeFailure) throw writeFailure.error;
    await writer.close();
    await bulk?.finish();
  } catch (err) {
    fatal = err;
    await inFlight;
    if (bulk) {
      await bulk.abort().catch(() => {});
      counts.imported = 0;
      counts.events = 0;
    }
  } finally {
    // After a failure the connection is closed rather than returned to the pool with our settings.
    client.release(fatal !== undefined);
    await rows.return?.(undefined);
  }

  const errors = log.result(header);
  const stored: ImportError[] = fatal ? [...errors, stoppedError(fatal, bulk !== null)] : errors;
  await db.pool.query(
    `UPDATE "ImportRun" SET rows = $2, imported = $3, failed = $4, errors = $5::jsonb, "finishedAt" = $6::timestamp(3)
      WHERE id = $1`,
    [importId, counts.rows, counts.imported, counts.failed, JSON.stringify(stored), new Date().toISOString()],
  );
  if (fatal) {
    if (fatal instanceof SheetFileError) throw new ImportFileError(fatal.message);
    throw fatal;
  }
  return {
    importId,
    fileName,
    rows: counts.rows,
    imported: counts.imported,
    failed: counts.failed,
    errors,
    errorCount: log.total,
    eventsAppended: counts.events,
  };
}
