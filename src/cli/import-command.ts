/**
 * `outreach import FILE`: loads a county ledger sheet (CSV or XLSX) into the ledger and prints
 * what happened. Rows with problems are listed by line and column and skipped; the others are
 * imported, and importing the same file again changes nothing.
 *
 * Exit status: 0 when the file was read (even if some rows were rejected: they are printed and
 * kept on the ImportRun); 1 when the file cannot be imported at all (missing, unreadable, no
 * header row with the required columns) or the database fails; with --strict, 3 when any row was
 * rejected.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { type ImportReport, importLedgerFile } from '../import/import-ledger.js';
import { closeQueues, createQueues } from '../queues/queues.js';
import { producerConnection } from '../redis/connections.js';
import { idHashKey } from '../secrets.js';
import { createUploads } from '../uploads.js';
import { cliConfig, withDb } from './context.js';

/** Exit status of `import --strict` when rows were rejected (2 is taken by configuration errors). */
export const EXIT_ROWS_REJECTED = 3;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** The summary and the first `show` errors, as printed by the command. */
export function formatImportReport(report: ImportReport, show: number): string {
  const lines = [
    `导入完成 / import finished: ${report.fileName} (ImportRun #${report.importId})`,
    `  行数 rows ${report.rows} · 已导入 imported ${report.imported} · 未导入 rejected ${report.failed} · ` +
      `新增就业记录 employment events ${report.eventsAppended}`,
  ];
  for (const e of report.errors.slice(0, show)) lines.push(`  第${e.line}行 line ${e.line} [${e.field}] ${e.message}`);
  const more = report.errorCount - Math.min(show, report.errors.length);
  if (more > 0) {
    lines.push(
      `  … 另有 ${more} 条错误 / ${more} more errors (the first ${report.errors.length} are kept on ImportRun #${report.importId})`,
    );
  }
  return lines.join('\n');
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a county ledger sheet (CSV or XLSX): regions, households, workers and family contacts')
    .argument('<file>', 'the ledger file; CSV (UTF-8 or GBK) or XLSX, told apart by content')
    .option('--staff-user <id>', 'staff user id recorded as the importer', positiveInt)
    .option('--errors <n>', 'how many row errors to print', positiveInt, 20)
    .option('--strict', `exit with status ${EXIT_ROWS_REJECTED} when any row was rejected`)
    .option('--queue', 'hand the file to the running workers instead of importing here (needs REDIS_URL and a shared DATA_DIR)')
    .action(async (file: string, opts: { staffUser?: number; errors: number; strict?: boolean; queue?: boolean }) => {
      if (opts.queue) return queueImport(file, opts.staffUser);
      const report = await withDb((db, config) =>
        importLedgerFile(db, file, {
          idHashKey: idHashKey(config),
          staffUserId: opts.staffUser,
          onProgress: process.stderr.isTTY
            ? (p) => process.stderr.write(`\r  已处理 processed ${p.rows} · 已导入 imported ${p.imported}`)
            : undefined,
        }),
      );
      if (process.stderr.isTTY) process.stderr.write('\n');
      console.log(formatImportReport(report, opts.errors));
      if (opts.strict && report.failed > 0) process.exitCode = EXIT_ROWS_REJECTED;
    });
}

/** Copies the file into DATA_DIR/uploads and queues it for a worker process. */
async function queueImport(file: string, staffUserId?: number): Promise<void> {
  const config = cliConfig();
  if (!config.REDIS_URL) throw new Error('--queue needs REDIS_URL: the workers take their jobs from that Redis');
  const stored = await createUploads(config.DATA_DIR).store(file);
  const redis = producerConnection({ url: config.REDIS_URL });
  const queues = createQueues(redis, config.REDIS_PREFIX);
  try {
    await queues.import.waitUntilReady();
    const job = await queues.import.add('ledger', { file: stored, staffUserId });
    console.log(`已排队 / queued as job ${job.id}: a worker imports it and records an ImportRun`);
  } finally {
    await closeQueues(queues);
    redis.disconnect();
  }
}
