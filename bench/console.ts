/**
 * npm run bench:console — the staff console on a generated province in PostgreSQL (bench/province.ts,
 * 1,000,000 workers by default, BENCH_WORKERS to change): the service's API role in this process,
 * signed-in sessions of a province ADMIN and a county OPERATOR, then BENCH_REQUESTS (default 200)
 * sequential requests per page after a warm-up, and the page weights a browser downloads
 * (compressed: the HTML and every asset it references on a first visit; on a later visit the
 * assets are cached for a year under content-hashed URLs, so only the HTML).
 *
 * Targets (issue): dashboard and ledger list p95 < 300 ms; first visit ≤ 150 KB, repeat ≤ 30 KB.
 * Prints one line per page and a JSON last line: p95_ms per page, first_visit_kb, repeat_visit_kb,
 * figures_refresh_ms (the routine that keeps the dashboard's region figures).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { refreshRegionFigures } from '../src/console/figures.js';
import { createSession, SESSION_COOKIE } from '../src/console/session.js';
import { createLogger } from '../src/logging.js';
import { start } from '../src/main.js';
import { ensureStaffUser } from '../src/staff/users.js';
import { ensureProvince } from './province.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const TARGET_P95_MS = 300;

const province = await ensureProvince({ workers: WORKERS });
const config = loadConfig({
  DATABASE_URL: province.databaseUrl,
  REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `bench-console-${randomBytes(4).toString('hex')}`,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-console-')),
  PORT: '0',
  LOG_LEVEL: 'warn',
});
const running = await start('api', config, createLogger('warn'));
const base = running.address!;
const { prisma, pool } = running.container.db;

let started = performance.now();
await refreshRegionFigures(pool);
const figuresRefreshMs = Math.round(performance.now() - started);
console.log(`region figures refreshed for every region in ${figuresRefreshMs} ms`);

async function sessionFor(regionCode: string, role: 'ADMIN' | 'OPERATOR'): Promise<string> {
  const { user } = await ensureStaffUser(pool, { regionCode, role, username: `bench-${role.toLowerCase()}-${regionCode}` });
  return `${SESSION_COOKIE}=${await createSession(prisma, user.id, 'bench')}`;
}
const provinceAdmin = await sessionFor(province.provinceCode, 'ADMIN');
const countyOperator = await sessionFor(province.countyCodes[0]!, 'OPERATOR');
const aWorker = await prisma.worker.findFirstOrThrow({ orderBy: { id: 'asc' }, select: { id: true } });

const pages: Array<{ name: string; path: string; cookie: string }> = [
  { name: 'dashboard_province', path: '/console', cookie: provinceAdmin },
  { name: 'dashboard_county', path: '/console', cookie: countyOperator },
  { name: 'ledger_province', path: '/console/ledger', cookie: provinceAdmin },
  { name: 'ledger_province_page_100', path: '/console/ledger?page=100', cookie: provinceAdmin },
  { name: 'ledger_county_unemployed_stale', path: '/console/ledger?status=UNEMPLOYED&stale=true', cookie: countyOperator },
  { name: 'ledger_county_search', path: '/console/ledger?q=%E5%BC%A0', cookie: countyOperator },
  { name: 'households_county_zero', path: '/console/ledger/households?zero=true', cookie: countyOperator },
  { name: 'worker_page', path: `/console/workers/${aWorker.id}`, cookie: provinceAdmin },
  { name: 'tasks', path: '/console/tasks', cookie: countyOperator },
];

async function get(
  path: string,
  cookie: string,
  encoding = 'br, gzip',
): Promise<{ status: number; bytes: number; body: string }> {
  const res = await fetch(`${base}${path}`, { headers: { cookie, 'accept-encoding': encoding }, redirect: 'manual' });
  const raw = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes: raw.length, body: res.headers.get('content-encoding') ? '' : raw.toString('utf8') };
}

const p95: Record<string, number> = {};
for (const page of pages) {
  for (let i = 0; i < 5; i++) await get(page.path, page.cookie);
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    started = performance.now();
    const r = await get(page.path, page.cookie);
    times.push(performance.now() - started);
    if (r.status !== 200) throw new Error(`${page.path} answered ${r.status}`);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 10) / 10;
  p95[page.name] = at(0.95);
  console.log(
    `${page.name.padEnd(34)} p50 ${String(at(0.5)).padStart(7)} ms  p95 ${String(at(0.95)).padStart(7)} ms${at(0.95) > TARGET_P95_MS ? '  OVER TARGET' : ''}`,
  );
}

// Page weights: what a browser downloads, compressed as it asks (br), HTML plus every asset.
const weights: Record<string, { first: number; repeat: number }> = {};
for (const page of [pages[0]!, pages[2]!, pages[7]!]) {
  const plain = await get(page.path, page.cookie, 'identity');
  const html = await get(page.path, page.cookie);
  const assets = [...plain.body.matchAll(/(?:href|src)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  let first = html.bytes;
  for (const a of new Set(assets)) first += (await get(a, page.cookie)).bytes;
  weights[page.name] = { first: Math.round(first / 102.4) / 10, repeat: Math.round(html.bytes / 102.4) / 10 };
  console.log(
    `${page.name.padEnd(34)} first visit ${weights[page.name]!.first} KB, repeat visit ${weights[page.name]!.repeat} KB`,
  );
}

await running.stop();
console.log(
  JSON.stringify({
    workers: WORKERS,
    requests_per_page: REQUESTS,
    p95_ms: p95,
    first_visit_kb: Math.max(...Object.values(weights).map((w) => w.first)),
    repeat_visit_kb: Math.max(...Object.values(weights).map((w) => w.repeat)),
    weights_kb: weights,
    figures_refresh_ms: figuresRefreshMs,
  }),
);
