/**
 * `outreach report NAME --region CODE [--format json|csv|xlsx] [--out FILE] [--month YYYY-MM]
 * [--by village|township|county]`: writes one program report for a region subtree to a file or
 * to standard output. Lists stream from the ledger in batches whatever their size.
 *
 * Exit status: 0 on success, 1 for an unknown report or region or a failed write, 2 for
 * configuration errors (as every command).
 */
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EXPORT_FORMATS, type ExportFormat, formatFromFileName, type HeaderLanguage } from '../reports/export.js';
import { findReport, listReports, REPORT_NAMES, writeReport } from '../reports/index.js';
import { GROUP_BYS, type GroupBy, resolveScope } from '../reports/scope.js';
import { loadSubsidyRules } from '../reports/subsidy-rules.js';
import { withDb } from './context.js';

type Format = ExportFormat | 'json';

function month(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError('expected YYYY-MM');
  return value;
}

export interface ReportCommandOptions {
  region: string;
  format?: Format;
  out?: string;
  month?: string;
  by?: GroupBy;
  headers: HeaderLanguage;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(`write a program report for a region and everything below it (${REPORT_NAMES.join(', ')})`)
    .argument('<name>', 'the report', (v) => {
      if (!findReport(v)) throw new InvalidArgumentError(`unknown report; one of: ${REPORT_NAMES.join(', ')}`);
      return v;
    })
    .requiredOption('--region <code>', "region code: '61', '6109', '610921', '610921101' or '610921101205'")
    .addOption(
      new Option('--format <format>', 'output format (default: from --out, else json)').choices(['json', ...EXPORT_FORMATS]),
    )
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--month <YYYY-MM>', 'month, China time (zero-employment-monthly, national-export, subsidies, subsidy-lines)', month)
    .addOption(new Option('--by <level>', 'group summaries by this level (default: one below the region)').choices(GROUP_BYS))
    .addOption(new Option('--headers <lang>', 'header row language of CSV and XLSX').choices(['zh-CN', 'en']).default('zh-CN'))
    .addHelpText(
      'after',
      `\nReports:\n${listReports()
        .map((r) => `  ${r.name.padEnd(25)} ${r.zh} — ${r.en}`)
        .join('\n')}`,
    )
    .action(async (name: string, opts: ReportCommandOptions) => {
      const def = findReport(name)!;
      const format: Format = opts.format ?? (opts.out ? (formatFromFileName(opts.out) ?? 'json') : 'json');
      if (format === 'xlsx' && !opts.out && process.stdout.isTTY) {
        throw new Error('XLSX is binary: give --out FILE or redirect standard output');
      }
      await withDb(async (db, config) => {
        const scope = await resolveScope(db.pool, opts.region);
        const out: Writable = opts.out ? createWriteStream(opts.out) : stdoutWriter();
        await writeReport(
          def,
          db.pool,
          scope,
          { by: opts.by, month: opts.month, subsidyRules: loadSubsidyRules(config.SUBSIDY_RULES_FILE) },
          format,
          out,
          { headers: opts.headers },
        );
        if (opts.out) console.error(`已写入 / written: ${opts.out} (${def.zh}, ${scope.name} ${scope.code})`);
      });
    });
}

/**
 * Standard output as a stream the report may end (process.stdout itself must stay open). A reader
 * that goes away (`| head`) ends the command quietly.
 */
function stdoutWriter(): Writable {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return new Writable({
    write(chunk, _encoding, callback) {
      process.stdout.write(chunk, (err) => callback(err ?? null));
    },
  });
}
