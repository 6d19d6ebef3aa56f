/**
 * Consistency-check benchmark (`npx tsx bench/consistency.ts`): on a copy of the generated
 * province of bench/province.ts (1,000,000 workers in PostgreSQL; the copy keeps the findings and
 * tasks out of the shared one), times
 *
 * - a run over the province (every rule's statement, the findings, tallies and village tasks):
 *   the first run opens every finding, the second finds them again (the nightly steady state);
 * - a run over one county;
 * - consistentShare for the province and for a county.
 *
 * Prints each rule's milliseconds and, last, one JSON object with the figures.
 */
import pg from 'pg';
import { consistentShare, runConsistencyCheck } from '../src/consistency/index.js';
import { connectDb } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { findRegion } from '../src/staff/scope.js';
import { ensureProvince, PROVINCE_DB } from './province.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 1_000_000);
const COPY = `${PROVINCE_DB}_consistency`;

const province = await ensureProvince({ workers: WORKERS });
const admin = new pg.Client({
  connectionString: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
});
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${COPY} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${COPY} TEMPLATE ${PROVINCE_DB}`);
await admin.end();
const url = new URL(province.databaseUrl);
url.pathname = `/${COPY}`;
await applyMigrations(url.toString());
const db = connectDb(url.toString(), 4);
await db.pool.query('ANALYZE');

const provinceRegion = (await findRegion(db.pool, { code: province.provinceCode }))!;
const countyRegion = (await findRegion(db.pool, { code: province.countyCodes[0]! }))!;
const figures: Record<string, unknown> = { workers: province.workers, households: province.households };

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  const ms = Math.round(performance.now() - t0);
  figures[label] = ms;
  console.log(`${label.padEnd(32)} ${String(ms).padStart(7)} ms`);
  return r;
}

for (const label of ['province first run', 'province second run']) {
  const s = await timed(label, () =>
    runConsistencyCheck(db, { regionId: provinceRegion.id, trigger: 'nightly', taskTitle: 'bench' }),
  );
  console.log(`  checked ${s.checked} found ${s.found} opened ${s.opened} resolved ${s.resolved} tasks ${s.tasksOpened}`);
  console.log(`  ${JSON.stringify(s.byRule)}`);
  console.log(`  ms ${JSON.stringify(s.timings)}`);
  figures[`${label} found`] = s.found;
  figures[`${label} timings`] = s.timings;
}
const c = await timed('county run', () =>
  runConsistencyCheck(db, { regionId: countyRegion.id, trigger: 'staff', taskTitle: 'bench' }),
);
figures['county checked'] = c.checked;
figures['county timings'] = c.timings;
const share = await timed('consistentShare province', () => consistentShare(db, provinceRegion.id));
console.log(`  ${JSON.stringify(share)}`);
await timed('consistentShare county', () => consistentShare(db, countyRegion.id));
figures.share = share.share;
await db.close();
console.log(JSON.stringify(figures));
