/**
 * npm run bench:machine — the machine's own reference figures, without the service: raw BullMQ
 * (no-op jobs/s), a multi-row INSERT and COPY into an unindexed table (rows/s), and statements
 * one after another on one connection (round trips/s). The service's figures from the other
 * benchmarks are read against these: two machines that differ here differ there too.
 * Env: BENCH_DATABASE_URL (see bench/defaults.ts), BENCH_REDIS_URL. Last line: one JSON object.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { ADMIN_URL } from './defaults.js';
import { copyRows, multiRowInsert, rawBullmq, roundTrips } from './reference.js';
import { REDIS_URL } from './service.js';

const out: Record<string, unknown> = { load_at_start: Math.round(loadavg()[0]! * 100) / 100 };
out.database_connection = new URL(ADMIN_URL).searchParams.has('host') ? 'unix socket' : 'tcp';
out.bullmq_raw_jobs_per_s = await rawBullmq(REDIS_URL);
console.log(`raw BullMQ: ${out.bullmq_raw_jobs_per_s} no-op jobs/s`);
const client = new pg.Client({ connectionString: ADMIN_URL });
await client.connect();
try {
  out.multirow_insert_rows_per_s = await multiRowInsert(client);
  console.log(`multi-row INSERT: ${out.multirow_insert_rows_per_s} rows/s`);
  out.copy_rows_per_s = await copyRows(client);
  console.log(`COPY: ${out.copy_rows_per_s} rows/s`);
  out.round_trips_per_s = await roundTrips(client);
  console.log(`SELECT 1 one after another (${out.database_connection}): ${out.round_trips_per_s}/s`);
} finally {
  await client.end();
}
console.log(JSON.stringify(out));
