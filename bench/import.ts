/**
 * Ledger import benchmark (`npm run bench:import`): generates a synthetic province of
 * BENCH_ROWS workers (default 200,000), imports it into a fresh PostgreSQL database and into a
 * fresh embedded PGlite, and prints rows per second and peak resident memory. The last line is
 * one JSON object.
 *
 * Each import runs in a child process of its own, after the parent has created and migrated the
 * database, so that a leg's peak memory is the import's (with PGlite, the embedded database's
 * WebAssembly heap included) and not the schema engine's.
 *
 * BENCH_DATABASE_URL: admin connection used to create and drop the outreach_bench_* database
 * (default: the local server's Unix socket, see bench/defaults.ts). BENCH_SKIP_PGLITE=1 skips that leg.
 * BENCH_REIMPORT=1 also times a second import of the same file into PostgreSQL (nothing changes).
 *
 * The first PostgreSQL leg imports into an empty ledger, which is a bulk load (src/import/bulk-load.ts);
 * a second leg imports the same file into a ledger that already holds its first 100 rows, so that
 * every batch commits on its own as a county's later upload does
 * (`rows_per_s_postgres_batches`). BENCH_SKIP_BATCHES=1 skips it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectDb, type Db } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { applyMigrations } from '../src/db/migrations.js';
import { generateLedgerFile } from '../src/import/generate.js';
import { importLedgerFile } from '../src/import/import-ledger.js';
import { backendCpu, backendCpuSince } from './cpu.js';
import { ADMIN_URL } from './defaults.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);

const SKIP_PGLITE = process.env.BENCH_SKIP_PGLITE === '1';
const REIMPORT = process.env.BENCH_REIMPORT === '1';
const SKIP_BATCHES = process.env.BENCH_SKIP_BATCHES === '1';

interface LegResult {
  rowsPerSecond: number[];
  peakRssMb: number;
  /** CPU milliseconds per 1,000 rows of the first import: the import process, and PostgreSQL's backends. */
  cpuMsPerKRows: { import: number; postgres: number | null };
}

// ───────────────────────────── Child: one import leg ─────────────────────────────

const BENCH_ID_KEY = 'bench-'.padEnd(64, 'k');

async function importTimes(db: Db, file: string, label: string, times: number, again = false): Promise<number[]> {
  const rates: number[] = [];
  for (let run = 0; run < times; run++) {
    const started = performance.now();
    let lastPrint = started;
    const report = await importLedgerFile(db, file, {
      idHashKey: BENCH_ID_KEY,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastPrint > 5000) {
          lastPrint = now;
          console.error(`  ${label}: ${p.rows} rows, ${Math.round(p.rows / ((now - started) / 1000))} rows/s`);
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (report.failed > 0 || report.imported !== report.rows) {
      throw new Error(`${label}: ${report.failed} of ${report.rows} rows failed: ${JSON.stringify(report.errors.slice(0, 3))}`);
    }
    if ((again || run > 0) && report.eventsAppended !== 0)
      throw new Error(`${label}: re-import appended ${report.eventsAppended} events`);
    rates.push(Math.round(report.rows / seconds));
    console.error(`${label}${again || run > 0 ? ' re-import' : ''}: ${report.rows} rows in ${seconds.toFixed(1)} s`);
  }
  const workers = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM "Worker"');
  if (workers.rows[0]?.n !== ROWS) throw new Error(`${label}: ${workers.rows[0]?.n} workers in the ledger, expected ${ROWS}`);
  return rates;
}

async function child(kind: string, file: string, target: string, seed?: string): Promise<void> {
  const database = kind === 'postgres' ? new URL(target).pathname.slice(1) : null;
  let db: Db;
  if (kind === 'postgres') {
    db = connectDb(target, 4);
  } else {
    const embedded = await startEmbeddedPostgres(target, 4);
    db = connectDb(embedded.url, 4, () => embedded.stop(), true);
  }
  try {
    if (seed) await importLedgerFile(db, seed, { idHashKey: BENCH_ID_KEY });
    const cpu0 = { self: process.cpuUsage(), pg: database ? backendCpu(database) : null };
    const rowsPerSecond = await importTimes(db, file, seed ? `${kind} (batches)` : kind, 1);
    const self = process.cpuUsage(cpu0.self);
    const pgSec = database && cpu0.pg ? backendCpuSince(database, cpu0.pg) : null;
    const perK = (sec: number) => Math.round(((sec * 1000) / ROWS) * 1000 * 10) / 10;
    const cpuMsPerKRows = { import: perK((self.user + self.system) / 1e6), postgres: pgSec === null ? null : perK(pgSec) };
    if (kind === 'postgres' && REIMPORT) rowsPerSecond.push(...(await importTimes(db, file, kind, 1, true)));
    const result: LegResult = { rowsPerSecond, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), cpuMsPerKRows };
    console.log(JSON.stringify(result));
  } finally {
    await db.close();
  }
}

// ───────────────────────────── Parent ─────────────────────────────

function runLeg(kind: 'postgres' | 'pglite', file: string, target: string, seed?: string): Promise<LegResult> {
  return new Promise((resolve, reject) => {
    const args = [...process.execArgv, fileURLToPath(import.meta.url), '--leg', kind, file, target, ...(seed ? [seed] : [])];
    const proc = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${kind} leg exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() as string) as LegResult);
    });
  });
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function postgresLeg(file: string, seed?: string): Promise<LegResult> {
  const name = `outreach_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  try {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    await applyMigrations(url.toString());
    return await runLeg('postgres', file, url.toString(), seed);
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

async function pgliteLeg(file: string, dir: string): Promise<LegResult> {
  const dataDir = join(dir, 'pglite');
  const embedded = await startEmbeddedPostgres(dataDir, 4);
  try {
    await applyMigrations(embedded.url);
  } finally {
    await embedded.stop();
  }
  return runLeg('pglite', file, dataDir);
}

/** The file's first 100 rows, imported before the timed import, which then re-reads them unchanged. */
function fileHead(file: string, head: string): string {
  writeFileSync(head, `${readFileSync(file, 'utf8').split('\n').slice(0, 101).join('\n')}\n`);
  return head;
}

async function parent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outreach-bench-import-'));
  try {
    const file = join(dir, 'province.csv');
    const started = performance.now();
    const counties = Math.max(1, Math.round(ROWS / 20_000));
    const summary = await generateLedgerFile(file, { workers: ROWS, counties, seed: 'bench' });
    const generateSeconds = (performance.now() - started) / 1000;
    const fileMb = statSync(file).size / 1024 / 1024;
    console.log(
      `generated ${summary.workers} workers in ${summary.households} households, ${summary.counties} counties ` +
        `(${fileMb.toFixed(0)} MB) in ${generateSeconds.toFixed(1)} s`,
    );
    const loadAtStart = Math.round(loadavg()[0]! * 100) / 100;
    const postgres = await postgresLeg(file);
    const batches = SKIP_BATCHES ? undefined : await postgresLeg(file, fileHead(file, join(dir, 'head.csv')));
    const pglite = SKIP_PGLITE ? undefined : await pgliteLeg(file, dir);
    console.log(
      JSON.stringify({
        rows: ROWS,
        load_at_start: loadAtStart,
        households: summary.households,
        file_mb: Math.round(fileMb),
        generate_s: Number(generateSeconds.toFixed(1)),
        rows_per_s_postgres: postgres.rowsPerSecond[0],
        ...(postgres.rowsPerSecond[1] ? { rows_per_s_postgres_reimport: postgres.rowsPerSecond[1] } : {}),
        rows_per_s_postgres_batches: batches?.rowsPerSecond[0] ?? null,
        cpu_ms_per_1000_rows_postgres_batches: batches?.cpuMsPerKRows ?? null,
        rows_per_s_pglite: pglite?.rowsPerSecond[0] ?? null,
        peak_rss_mb_postgres: postgres.peakRssMb,
        cpu_ms_per_1000_rows_postgres: postgres.cpuMsPerKRows,
        peak_rss_mb_pglite: pglite?.peakRssMb ?? null,
        // The larger of the two import processes.
        peak_rss_mb: Math.max(postgres.peakRssMb, pglite?.peakRssMb ?? 0),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const legAt = process.argv.indexOf('--leg');
if (legAt >= 0) {
  const [kind, file, target, seed] = process.argv.slice(legAt + 1);
  await child(kind as string, file as string, target as string, seed);
} else {
  await parent();
}
