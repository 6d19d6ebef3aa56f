/**
 * Report benchmark (`npm run bench:reports`): on the generated province of bench/province.ts
 * (1,000,000 workers in PostgreSQL, built once and reused), times
 *
 * - five clears for the province (grouped by city) and for one county (grouped by township);
 * - the zero-employment list: the first page (100 households) and the full list of one county
 *   written as CSV (to a counting sink, so the rows are formatted as for a download);
 * - service-quota compliance for the province and for one county (summary by group).
 *
 * Each is run twice; the figures are the second (warm) run. The last line is one JSON object with
 * the milliseconds of each. BENCH_WORKERS changes the province's size (default 1,000,000).
 */
import { Writable } from 'node:stream';
import { connectDb } from '../src/db/database.js';
import { writeCsv } from '../src/reports/export.js';
import { fiveClears } from '../src/reports/five-clears.js';
import { quotaCompliance } from '../src/reports/quota.js';
import { resolveScope } from '../src/reports/scope.js';
import { ZERO_EMPLOYMENT_COLUMNS, zeroEmploymentPage, zeroEmploymentRows } from '../src/reports/zero-employment.js';
import { ensureProvince } from './province.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 1_000_000);
const TARGET_MS = 2000;

const province = await ensureProvince({ workers: WORKERS });
const db = connectDb(province.databaseUrl, 4);
const sql = db.pool;

const provinceScope = await resolveScope(sql, province.provinceCode);
const countyScope = await resolveScope(sql, province.countyCodes[0] as string);

async function time(label: string, fn: () => Promise<string>): Promise<number> {
  await fn(); // cold run: fills the cache
  const started = performance.now();
  const what = await fn();
  const ms = Math.round(performance.now() - started);
  console.log(`${label.padEnd(44)} ${String(ms).padStart(6)} ms  ${ms > TARGET_MS ? 'OVER TARGET ' : ''}${what}`);
  return ms;
}

function countingSink(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      sink.bytes += chunk.length;
      cb();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

console.log(
  `province: ${province.workers} workers, ${province.households} households; county ${countyScope.code} ${countyScope.name}`,
);
const results = {
  fiveClearsProvinceMs: await time('five clears, province by city', async () => {
    const r = await fiveClears(sql, provinceScope);
    return `${r.total.workers.total} workers, ${r.total.employed.count} employed, median wage ${r.total.employed.medianWage}`;
  }),
  fiveClearsCountyMs: await time('five clears, county by township', async () => {
    const r = await fiveClears(sql, countyScope);
    return `${r.groups.length} townships, ${r.total.workers.total} workers, ${r.total.policy.messages} policy messages`;
  }),
  zeroEmploymentFirstPageMs: await time('zero-employment list, county, first 100', async () => {
    const r = await zeroEmploymentPage(sql, countyScope, { limit: 100 });
    return `${r.length} households`;
  }),
  zeroEmploymentCountyCsvMs: await time('zero-employment list, county, full CSV', async () => {
    const sink = countingSink();
    const n = await writeCsv(zeroEmploymentRows(sql, countyScope), ZERO_EMPLOYMENT_COLUMNS, sink);
    return `${n} households, ${Math.round(sink.bytes / 1024)} KiB`;
  }),
  quotaProvinceMs: await time('quota compliance, province by city', async () => {
    const r = await quotaCompliance(sql, provinceScope);
    return `${r.total.willingWorkers} willing, ${r.total.workersShort} short; ${r.total.zeroHouseholds} zero households, ${r.total.householdsShort} short`;
  }),
  quotaCountyMs: await time('quota compliance, county by township', async () => {
    const r = await quotaCompliance(sql, countyScope);
    return `${r.total.willingWorkers} willing, ${r.total.zeroHouseholds} zero households`;
  }),
};
await db.close();
console.log(JSON.stringify({ workers: province.workers, ...results }));
