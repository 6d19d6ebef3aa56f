/**
 * npm run bench:campaign — a policy SMS campaign to a generated province of 1,000,000 workers
 * (bench/province.ts) through the Twilio simulator, end to end: freeze, provider call, ledger
 * status, status callback applied.
 *
 * In this order, each part noting the machine's load average when it starts:
 * 1. raw BullMQ first, on the idle system (addBulk 200,000 no-op jobs, drained by one worker at
 *    concurrency 50): the reference for the ratio;
 * 2. the province campaign with the service as one process (`outreach start`);
 * 3. the same campaign again with a second worker process (`outreach worker`) sharing the
 *    dispatch (duplicates and missing counted again);
 * 4. one township limited to BENCH_LIMITED_RATE messages/s, measured as the provider sees it
 *    (arrival times: rate achieved, most in any one second).
 *
 * The simulator runs here and sends only the final status callback per message (delivered), which
 * is what the ledger records as the end. Its callbacks lag the sends on a province (hundreds of
 * thousands waiting at once, ~5 GB), so npm run bench:campaign gives this process a 12 GB heap. Between parts the campaign's rows are removed and the
 * table vacuumed, so each part starts from the same ledger.
 *
 * Env: BENCH_WORKERS (default 1,000,000), BENCH_LIMITED_RATE (200), BENCH_REGION (region code of
 * the campaign; default the province), BENCH_PARTS (comma list of raw, one, two, limited; default
 * all), BENCH_FREEZE_ONLY (freeze and stop), BENCH_PROFILE_SECONDS (sample the dispatch, then exit).
 * Last line: one JSON object with the figures.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { applyMigrations } from '../src/db/migrations.js';
import { issueToken } from '../src/staff/tokens.js';
import { ensureStaffUser } from '../src/staff/users.js';
import { backendCpu, backendCpuSince, cpuSeconds, peakRssMb } from './cpu.js';
import { ensureProvince } from './province.js';
import { rawBullmq } from './reference.js';
import { type BenchService, REDIS_URL, startBenchService } from './service.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 1_000_000);
const LIMITED_RATE = Number(process.env.BENCH_LIMITED_RATE ?? 200);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'raw,one,two,limited').split(','));
const RAW_JOBS = 200_000;
const NAME = 'bench:campaign';

const log = (...a: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => Math.round(loadavg()[0]! * 100) / 100;

/** CPU milliseconds per message of each part of the pipeline over a stretch of the run. */
function cpuMeter(pids: { service: number[]; database: string }) {
  const start = { svc: pids.service.map(cpuSeconds), self: cpuSeconds('self'), pg: backendCpu(pids.database) };
  return (messages: number) => {
    const pgSec = backendCpuSince(pids.database, start.pg);
    const per = (sec: number) => Math.round((sec * 1000 * 1000) / messages) / 1000;
    return {
      service: per(pids.service.reduce((s, p, i) => s + cpuSeconds(p) - start.svc[i]!, 0)),
      bench_and_simulator: per(cpuSeconds('self') - start.self),
      postgres: per(pgSec),
    };
  };
}

async function api<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Removes the benchmark's campaigns and vacuums what they left, so the next part starts alike. */
async function cleanUp(pool: pg.Pool): Promise<void> {
  const ids = `SELECT id FROM "Campaign" WHERE name LIKE $1`;
  await pool.query(`DELETE FROM "OutboundMessage" WHERE "campaignId" IN (${ids})`, [`${NAME}%`]);
  await pool.query(`DELETE FROM "CampaignSlice" WHERE "campaignId" IN (${ids})`, [`${NAME}%`]);
  await pool.query(
    `DELETE FROM "AuditLog" WHERE entity = 'Campaign' AND "entityId" IN (SELECT id::text FROM "Campaign" WHERE name LIKE $1)`,
    [`${NAME}%`],
  );
  await pool.query(`DELETE FROM "Campaign" WHERE name LIKE $1`, [`${NAME}%`]);
  await pool.query(`VACUUM (ANALYZE) "OutboundMessage"`);
  await pool.query(`VACUUM (ANALYZE) "CampaignSlice"`);
}

interface Campaign {
  id: number;
  status: string;
  stats: { freeze?: { frozen: number; ms: number } };
}

/** Launches and waits for the freeze; returns the campaign and when sending could start. */
async function launch(base: string, token: string, body: unknown): Promise<{ c: Campaign; frozenAt: number }> {
  const created = await api<Campaign>(base, token, 'POST', '/campaigns', body);
  await api(base, token, 'POST', `/campaigns/${created.id}/launch`);
  for (;;) {
    const c = await api<Campaign>(base, token, 'GET', `/campaigns/${created.id}`);
    if (c.stats.freeze) return { c, frozenAt: Date.now() };
    await sleep(100);
  }
}

/** Polls the ledger until every row of the campaign reached a final status; returns when. */
async function waitFinal(
  pool: pg.Pool,
  campaignId: number,
  total: number,
): Promise<{ at: number; delivered: number; failed: number }> {
  let last = '';
  for (;;) {
    const r = await pool.query<{ delivered: number; failed: number; sent: number; queued: number }>(
      `SELECT count(*) FILTER (WHERE status = 'DELIVERED')::int AS delivered, count(*) FILTER (WHERE status IN ('FAILED', 'CANCELLED'))::int AS failed,
              count(*) FILTER (WHERE status = 'SENT')::int AS sent, count(*) FILTER (WHERE status = 'QUEUED')::int AS queued
         FROM "OutboundMessage" WHERE "campaignId" = $1`,
      [campaignId],
    );
    const { delivered, failed, sent, queued } = r.rows[0]!;
    const line = `delivered ${delivered} sent ${sent} queued ${queued} failed ${failed} of ${total}`;
    if (line !== last) log(line);
    last = line;
    if (delivered + failed >= total) return { at: Date.now(), delivered, failed };
    await sleep(total > 50_000 ? 3000 : 500);
  }
}

async function deadlocks(pool: pg.Pool): Promise<number> {
  const r = await pool.query<{ n: string }>(`SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`);
  return Number(r.rows[0]!.n);
}

interface Dispatch {
  recipients: number;
  freezeMs: number;
  seconds: number;
  delivered: number;
  failed: number;
  duplicates: number;
  missing: number;
  deadlocks: number;
  load: number;
  rssService: number;
  rssWorkers: number[];
  cpu: Record<string, number>;
}

/** One province campaign through a service with `extraWorkers` more worker processes. */
async function provinceRun(
  ctx: { databaseUrl: string; token: string; pool: pg.Pool; env: Record<string, string>; region: string },
  extraWorkers: number,
): Promise<Dispatch | null> {
  const load0 = load();
  const svc: BenchService = await startBenchService({
    role: 'start',
    databaseUrl: ctx.databaseUrl,
    env: { ...ctx.env, SMS_RATE_PER_SECOND: '0' },
    extraWorkers,
  });
  svc.twilio.configure({ statusCallbacks: 'final', statusCallbackDelays: 0, webhookLog: false, keepMessages: false });
  // Messages per recipient, counted as the provider takes them (the simulator keeps its own record too).
  const perRecipient = new Map<string, number>();
  svc.twilio.onMessage((m) => {
    if (m.direction === 'outbound-api') perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
  });
  log(`service up with ${1 + extraWorkers} process(es) running workers (load ${load0}); launching the campaign`);
  const dl0 = await deadlocks(ctx.pool);
  const run = await launch(svc.base, ctx.token, {
    name: `${NAME} province ${extraWorkers}`,
    kind: 'POLICY_NOTICE',
    regionCode: ctx.region,
    content: { text: { 'zh-CN': '【县人社局】外出务工人员一次性交通补贴开始申领，请到村委会登记。' }, channel: 'SMS' },
  });
  const freeze = run.c.stats.freeze!;
  log(`frozen ${freeze.frozen} in ${freeze.ms} ms (${Math.round(freeze.frozen / (freeze.ms / 1000))} rows/s)`);
  if (process.env.BENCH_FREEZE_ONLY || process.env.BENCH_PROFILE_SECONDS) {
    if (process.env.BENCH_PROFILE_SECONDS) await sleep(Number(process.env.BENCH_PROFILE_SECONDS) * 1000);
    else await api(svc.base, ctx.token, 'POST', `/campaigns/${run.c.id}/cancel`);
    await svc.stop();
    await cleanUp(ctx.pool);
    console.log(
      JSON.stringify({
        recipients: freeze.frozen,
        freeze_ms: freeze.ms,
        freeze_rows_per_s: Math.round(freeze.frozen / (freeze.ms / 1000)),
      }),
    );
    process.exit(0);
  }
  const meter = cpuMeter({ service: [svc.pid, ...svc.workerPids], database: new URL(ctx.databaseUrl).pathname.slice(1) });
  const end = await waitFinal(ctx.pool, run.c.id, freeze.frozen);
  const cpu = meter(freeze.frozen);
  log(`CPU ms per message: ${JSON.stringify(cpu)}`);
  const seconds = (end.at - run.frozenAt) / 1000;
  const expected = await ctx.pool.query<{ phone: string }>(
    `SELECT w.phone FROM "CampaignSlice" s CROSS JOIN LATERAL unnest(s."workerIds") AS u(wid) JOIN "Worker" w ON w.id = u.wid
      WHERE s."campaignId" = $1`,
    [run.c.id],
  );
  const duplicates = [...perRecipient.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
  const missing = expected.rows.filter((r) => !perRecipient.has(r.phone)).length;
  const result: Dispatch = {
    recipients: freeze.frozen,
    freezeMs: freeze.ms,
    seconds,
    delivered: end.delivered,
    failed: end.failed,
    duplicates,
    missing,
    deadlocks: (await deadlocks(ctx.pool)) - dl0,
    load: load0,
    rssService: peakRssMb(svc.pid),
    rssWorkers: svc.workerPids.map(peakRssMb),
    cpu,
  };
  log(
    `dispatch (${1 + extraWorkers} process(es)): ${freeze.frozen} in ${seconds.toFixed(1)} s (${Math.round(freeze.frozen / seconds)}/s), duplicates ${duplicates}, missing ${missing}, deadlocks ${result.deadlocks}`,
  );
  await svc.stop();
  await cleanUp(ctx.pool);
  return result;
}

async function limitedRun(ctx: {
  databaseUrl: string;
  token: string;
  pool: pg.Pool;
  env: Record<string, string>;
  provinceCode: string;
}) {
  const load0 = load();
  const svc = await startBenchService({
    role: 'start',
    databaseUrl: ctx.databaseUrl,
    env: { ...ctx.env, SMS_RATE_PER_SECOND: String(LIMITED_RATE) },
  });
  svc.twilio.configure({ statusCallbacks: 'final', statusCallbackDelays: 0, webhookLog: false, keepMessages: false });
  const township = await ctx.pool.query<{ code: string }>(
    `SELECT code FROM "Region" WHERE level = 'TOWNSHIP' AND code LIKE $1 ORDER BY code LIMIT 1`,
    [`${ctx.provinceCode}%`],
  );
  const arrivals: number[] = [];
  svc.twilio.onMessage((m) => {
    if (m.direction === 'outbound-api') arrivals.push(performance.now());
  });
  const limited = await launch(svc.base, ctx.token, {
    name: `${NAME} limited`,
    kind: 'POLICY_NOTICE',
    regionCode: township.rows[0]!.code,
    content: { text: { 'zh-CN': '【县人社局】外出务工人员一次性交通补贴开始申领，请到村委会登记。' }, channel: 'SMS' },
  });
  log(`limited run: ${limited.c.stats.freeze!.frozen} recipients at ${LIMITED_RATE}/s (load ${load0})`);
  await waitFinal(ctx.pool, limited.c.id, limited.c.stats.freeze!.frozen);
  arrivals.sort((a, b) => a - b);
  let maxInSecond = 0;
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (arrivals[i]! - arrivals[j]! >= 1000) j++;
    maxInSecond = Math.max(maxInSecond, i - j + 1);
  }
  const rate = (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000);
  log(`limited run: ${rate.toFixed(1)}/s, at most ${maxInSecond} in any second`);
  await svc.stop();
  await cleanUp(ctx.pool);
  return { recipients: arrivals.length, rate, maxInSecond, load: load0 };
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = {};
  // ---- 1. raw BullMQ, first, while nothing else of the benchmark runs ----
  let raw: number | undefined;
  if (PARTS.has('raw')) {
    out.load_raw = load();
    log(`raw BullMQ: addBulk and drain (load ${out.load_raw})`);
    raw = await rawBullmq(REDIS_URL, RAW_JOBS);
    log(`raw BullMQ: ${raw} jobs/s`);
    out.bullmq_raw_jobs_per_s = raw;
  }

  const province = await ensureProvince({ workers: WORKERS, log });
  await applyMigrations(province.databaseUrl); // a province built by an older version catches up
  const pool = new pg.Pool({ connectionString: province.databaseUrl, max: 4 });
  await cleanUp(pool);
  const { user } = await ensureStaffUser(pool, { regionCode: province.provinceCode, role: 'ADMIN', username: 'bench-campaign' });
  const { token } = await issueToken(pool, { staffUserId: user.id, name: NAME });
  const env = {
    QUIET_HOURS_SMS: 'off',
    QUIET_HOURS_TELEGRAM: 'off',
    QUIET_HOURS_VOICE: 'off',
    CAMPAIGN_MAX_PER_DAY: '1000',
    CAMPAIGN_MAX_PER_WEEK: '1000',
    WEEKLY_CHECK_IN: 'off',
    DATABASE_POOL_SIZE: '20',
  };
  const ctx = { databaseUrl: province.databaseUrl, token, pool, env, region: process.env.BENCH_REGION ?? province.provinceCode };

  // ---- 2. the province, one process ----
  if (PARTS.has('one')) {
    const one = await provinceRun(ctx, 0);
    if (one) {
      const perS = one.recipients / one.seconds;
      Object.assign(out, {
        recipients: one.recipients,
        freeze_ms: one.freezeMs,
        freeze_rows_per_s: Math.round(one.recipients / (one.freezeMs / 1000)),
        dispatch_seconds: Math.round(one.seconds * 10) / 10,
        dispatch_msgs_per_s: Math.round(perS),
        delivered: one.delivered,
        failed: one.failed,
        ...(raw ? { ratio: Math.round((perS / raw) * 1000) / 1000 } : {}),
        duplicates: one.duplicates,
        missing: one.missing,
        deadlocks: one.deadlocks,
        load_one: one.load,
        peak_rss_mb_service: one.rssService,
        cpu_ms_per_msg: one.cpu,
        status_callbacks: 'final',
      });
    }
  }

  // ---- 3. the province again, a second worker process sharing the dispatch ----
  if (PARTS.has('two')) {
    const two = await provinceRun(ctx, 1);
    if (two) {
      const perS = two.recipients / two.seconds;
      Object.assign(out, {
        freeze_rows_per_s_two_processes: Math.round(two.recipients / (two.freezeMs / 1000)),
        dispatch_seconds_two_processes: Math.round(two.seconds * 10) / 10,
        dispatch_msgs_per_s_two_processes: Math.round(perS),
        ...(raw ? { ratio_two_processes: Math.round((perS / raw) * 1000) / 1000 } : {}),
        delivered_two_processes: two.delivered,
        duplicates_two_processes: two.duplicates,
        missing_two_processes: two.missing,
        deadlocks_two_processes: two.deadlocks,
        load_two: two.load,
        peak_rss_mb_service_two_processes: two.rssService,
        peak_rss_mb_second_worker: two.rssWorkers[0],
        cpu_ms_per_msg_two_processes: two.cpu,
      });
    }
  }

  // ---- 4. a limited run: one township at LIMITED_RATE messages/s ----
  if (PARTS.has('limited')) {
    const l = await limitedRun({ ...ctx, provinceCode: province.provinceCode });
    Object.assign(out, {
      limited_recipients: l.recipients,
      limited_target_per_s: LIMITED_RATE,
      limited_rate_achieved: Math.round(l.rate * 10) / 10,
      limited_max_in_any_second: l.maxInSecond,
      load_limited: l.load,
    });
  }
  await pool.end();
  out.peak_rss_mb_bench_and_simulator = peakRssMb('self');
  out.peak_rss_mb = Math.max(
    out.peak_rss_mb_bench_and_simulator as number,
    (out.peak_rss_mb_service as number | undefined) ?? 0,
    (out.peak_rss_mb_service_two_processes as number | undefined) ?? 0,
  );
  console.log(JSON.stringify(out));
}

// Exit when done: the simulators' servers would keep it alive.
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
