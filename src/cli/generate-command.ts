/**
 * `outreach generate --workers N --counties C [--out FILE] [--seed S]`: writes a synthetic
 * province in the import format (CSV, or XLSX when FILE ends in .xlsx), for trials and benchmarks.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { generateLedgerFile } from '../import/generate.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('write a synthetic province ledger (fictional people, valid ID numbers) in the import format')
    .requiredOption('--workers <n>', 'number of workers (rows)', count)
    .requiredOption('--counties <n>', 'number of counties', count)
    .option('--out <file>', 'output file; .xlsx writes a workbook, anything else CSV', 'synthetic-ledger.csv')
    .option('--seed <seed>', 'same seed, same file', '1')
    .action(async (opts: { workers: number; counties: number; out: string; seed: string }) => {
      const out = resolve(opts.out);
      const s = await generateLedgerFile(out, { workers: opts.workers, counties: opts.counties, seed: opts.seed });
      console.log(
        `wrote ${s.path} (${s.format}): ${s.workers} workers in ${s.households} households, ` +
          `${s.counties} counties, ${s.townships} townships, ${s.villages} villages, ` +
          `${s.familyContacts} family contacts, ${s.zeroEmploymentHouseholds} zero-employment households`,
      );
    });
}
