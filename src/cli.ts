/**
 * `outreach` command line. Each command validates its input and exits non-zero with a clear
 * message on error.
 */
import { Command } from 'commander';
import { registerAgencyCommand } from './cli/agency-command.js';
import { registerCampaignCommand } from './cli/campaign-command.js';
import { registerConfirmationCommand } from './cli/confirmation-command.js';
import { registerConsistencyCommand } from './cli/consistency-command.js';
import { registerEmployerCommand } from './cli/employer-command.js';
import { registerGenerateCommand } from './cli/generate-command.js';
import { registerImportCommand } from './cli/import-command.js';
import { registerInboxCommand } from './cli/inbox-command.js';
import { registerProgramCommands } from './cli/program-command.js';
import { registerReportCommand } from './cli/report-command.js';
import { registerSimulateCommand } from './cli/simulate-command.js';
import { registerStaffCommand } from './cli/staff-command.js';
import { registerTaskCommand } from './cli/task-command.js';
import { registerTokenCommand } from './cli/token-command.js';
import { registerTransferCommand } from './cli/transfer-command.js';
import { registerWorkerCommand } from './cli/worker-command.js';
import { ConfigError, loadConfig } from './config.js';
import { openDb } from './db/database.js';
import { applyMigrations } from './db/migrations.js';
import type { Role } from './main.js';

/** Set by the commands that run until a signal; every other command exits when it is done. */
let longRunning = false;
const serve = (role: Role) => async () => {
  longRunning = true;
  // Loaded here: the whole service is not needed by the commands that only call its API.
  const { runUntilSignal } = await import('./main.js');
  return runUntilSignal(role);
};

const program = new Command('outreach')
  .description('Employment-assistance outreach service: conversations, broadcasts and the ledger')
  .showHelpAfterError();

program
  .command('start')
  .description('run the API and all workers in one process (the default for npm start)')
  .action(serve('all'));

program
  .command('serve')
  .description('run only the HTTP API (webhooks, staff API); pair with `outreach worker`')
  .action(serve('api'));

// `outreach worker` alone runs the queue workers; `outreach worker show|update|…` reads and
// corrects a worker's record (src/cli/worker-command.ts).
const workerCommand = program
  .command('worker')
  .description('run the queue workers (the default), or read and correct a worker’s record');
workerCommand
  .command('run', { isDefault: true })
  .description('run only the queue workers; several can share one Redis and one PostgreSQL')
  .action(serve('worker'));

program
  .command('migrate')
  .description('apply pending ledger migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, migrate: false, shareRunning: true });
    try {
      const applied = await applyMigrations(db.url);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the ledger is up to date');
    } finally {
      await db.close();
    }
  });

registerImportCommand(program);
registerGenerateCommand(program);
registerSimulateCommand(program);
registerInboxCommand(program);
registerTokenCommand(program);
registerCampaignCommand(program);
registerReportCommand(program);
registerProgramCommands(program);
registerStaffCommand(program);
registerTaskCommand(program);
registerTransferCommand(program);
registerConfirmationCommand(program);
registerConsistencyCommand(program);
registerAgencyCommand(program);
registerEmployerCommand(program);
registerWorkerCommand(workerCommand);

try {
  await program.parseAsync(process.argv);
  // The schema engine leaves timers behind; a finished command should not wait for them.
  if (!longRunning) process.exit(process.exitCode ?? 0);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
