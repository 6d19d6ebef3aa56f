/**
 * npm run bench:campaign — a policy SMS campaign to a generated province of 1,000,000 workers
 * (bench/province.ts) through the Twilio simulator, end to end: freeze, provider call, ledger
 * status, status callback applied. In the same run and on the same Redis, raw BullMQ (addBulk
 * 200,000 no-op jobs, drained by one worker at concurrency 50) for the ratio. Then a second
 * campaign limited to 200 messages/s, measured as the provider sees it (arrival times).
 *
 * The service runs as its own process (`outreach start`); the simulator runs here and sends only
 * the final status callback per message (delivered), which is what the ledger records as the end.
 * Env: BENCH_WORKERS (default 1,000,000), BENCH_LIMITED_RATE (200).
 * Last line: one JSON object with the figures.
 */
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { issueToken } from '../src/staff/tokens.js';
import { ensureStaffUser } from '../src/staff/users.js';
import { ensureProvince } from './province.js';
import { REDIS_URL, startBenchService } from './service.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 1_000_000);
const LIMITED_RATE = Number(process.env.BENCH_LIMITED_RATE ?? 200);
const RAW_JOBS = 200_000;
const NAME = 'bench:campaign';

const log = (...a: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Memory high-water mark of a process, from /proc (MB). */
function peakRssMb(pid: number | 'self'): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
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

async function cleanUp(pool: pg.Pool): Promise<void> {
  await pool.query(`DELETE FROM "OutboundMessage" WHERE "campaignId" IN (SELECT id FROM "Campaign" WHERE name LIKE $1)`, [
    `${NAME}%`,
  ]);
  await pool.query(
    `DELETE FROM "AuditLog" WHERE entity = 'Campaign' AND "entityId" IN (SELECT id::text FROM "Campaign" WHERE name LIKE $1)`,
    [`${NAME}%`],
  );
  await pool.query(`DELETE FROM "Campaign" WHERE name LIKE $1`, [`${NAME}%`]);
}

interface Campaign {
  id: number;
  status: string;
  stats: { freeze?: { frozen: number; ms: number } };
}

/** Launches and waits for the freeze; returns the campaign and when sending could start. */
async function launch(base: string, token: string, body: unknown): Promise<{ c: Campaign; frozenAt: number; launchMs: number }> {
  const created = await api<Campaign>(base, token, 'POST', '/campaigns', body);
  const t0 = Date.now();
  await api(base, token, 'POST', `/campaigns/${created.id}/launch`);
  for (;;) {
    const c = await api<Campaign>(base, token, 'GET', `/campaigns/${created.id}`);
    if (c.stats.freeze) return { c, frozenAt: Date.now(), launchMs: Date.now() - t0 };
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
    const r = await pool.query<{ delivered: number; failed: number; sent: number }>(
      `SELECT count(*) FILTER (WHERE status = 'DELIVERED')::int AS delivered, count(*) FILTER (WHERE status IN ('FAILED', 'CANCELLED'))::int AS failed,
              count(*) FILTER (WHERE status = 'SENT')::int AS sent
         FROM "OutboundMessage" WHERE "campaignId" = $1`,
      [campaignId],
    );
    const { delivered, failed, sent } = r.rows[0]!;
    const line = `delivered ${delivered} sent ${sent} failed ${failed} of ${total}`;
    if (line !== last) log(line);
    last = line;
    if (delivered + failed >= total) return { at: Date.now(), delivered, failed };
    await sleep(total > 50_000 ? 3000 : 500);
  }
}

async function rawBullmq(): Promise<number> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `bench-raw-${process.pid}`;
  const queue = new Queue('raw', { connection, prefix, defaultJobOptions: { removeOnComplete: true } });
  for (let i = 0; i < RAW_JOBS; i += 10_000) {
    await queue.addBulk(Array.from({ length: Math.min(10_000, RAW_JOBS - i) }, (_, j) => ({ name: 'noop', data: { n: i + j } })));
  }
  let done = 0;
  const t0 = Date.now();
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker('raw', async () => {}, {
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
      concurrency: 50,
    });
    worker.on('completed', () => {
      if (++done === RAW_JOBS) void worker.close().then(() => resolve());
    });
  });
  await finished;
  const rate = RAW_JOBS / ((Date.now() - t0) / 1000);
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return Math.round(rate);
}

async function main(): Promise<void> {
  const province = await ensureProvince({ workers: WORKERS, log });
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
  const text = { 'zh-CN': '【县人社局】外出务工人员一次性交通补贴开始申领，请到村委会登记。' };

  // ---- 1. the whole province, no rate limit ----
  let svc = await startBenchService({
    role: 'start',
    databaseUrl: province.databaseUrl,
    env: { ...env, SMS_RATE_PER_SECOND: '0' },
  });
  svc.twilio.configure({ statusCallbacks: 'final', statusCallbackDelays: 0 });
  log('service up; launching the province campaign');
  const full = await launch(svc.base, token, {
    name: `${NAME} province`,
    kind: 'POLICY_NOTICE',
    regionCode: province.provinceCode,
    content: { text, channel: 'SMS' },
  });
  const freeze = full.c.stats.freeze!;
  log(`frozen ${freeze.frozen} rows in ${freeze.ms} ms (${Math.round(freeze.frozen / (freeze.ms / 1000))} rows/s)`);
  if (process.env.BENCH_FREEZE_ONLY) {
    // The freeze alone: the campaign is cancelled and removed again.
    await api(svc.base, token, 'POST', `/campaigns/${full.c.id}/cancel`);
    await svc.stop();
    await cleanUp(pool);
    console.log(
      JSON.stringify({
        recipients: freeze.frozen,
        freeze_ms: freeze.ms,
        freeze_rows_per_s: Math.round(freeze.frozen / (freeze.ms / 1000)),
      }),
    );
    process.exit(0);
  }
  if (process.env.BENCH_PROFILE_SECONDS) {
    // Profiling (NODE_OPTIONS=--cpu-prof): sample the dispatch for a while, then exit cleanly.
    await sleep(Number(process.env.BENCH_PROFILE_SECONDS) * 1000);
    await svc.stop();
    await cleanUp(pool);
    process.exit(0);
  }
  const end = await waitFinal(pool, full.c.id, freeze.frozen);
  const dispatchSeconds = (end.at - full.frozenAt) / 1000;
  const perRecipient = new Map<string, number>();
  for (const m of svc.twilio.messages({ direction: 'outbound-api' })) perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
  const expected = await pool.query<{ phone: string }>(
    `SELECT w.phone FROM "OutboundMessage" o JOIN "Worker" w ON w.id = o."workerId" WHERE o."campaignId" = $1`,
    [full.c.id],
  );
  const duplicates = [...perRecipient.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
  const missing = expected.rows.filter((r) => !perRecipient.has(r.phone)).length;
  const serviceRss = peakRssMb(svc.pid);
  log(
    `dispatch: ${freeze.frozen} in ${dispatchSeconds.toFixed(1)} s (${Math.round(freeze.frozen / dispatchSeconds)}/s), duplicates ${duplicates}, missing ${missing}`,
  );
  await svc.stop();

  // ---- 2. raw BullMQ on the same Redis ----
  log('raw BullMQ: addBulk and drain');
  const raw = await rawBullmq();
  log(`raw BullMQ: ${raw} jobs/s`);

  // ---- 3. a limited run: one township at LIMITED_RATE messages/s ----
  svc = await startBenchService({
    role: 'start',
    databaseUrl: province.databaseUrl,
    env: { ...env, SMS_RATE_PER_SECOND: String(LIMITED_RATE) },
  });
  svc.twilio.configure({ statusCallbacks: 'final', statusCallbackDelays: 0 });
  const township = await pool.query<{ code: string }>(
    `SELECT code FROM "Region" WHERE level = 'TOWNSHIP' AND code LIKE $1 ORDER BY code LIMIT 1`,
    [`${province.provinceCode}%`],
  );
  const arrivals: number[] = [];
  svc.twilio.onMessage((m) => {
    if (m.direction === 'outbound-api') arrivals.push(performance.now());
  });
  const limited = await launch(svc.base, token, {
    name: `${NAME} limited`,
    kind: 'POLICY_NOTICE',
    regionCode: township.rows[0]!.code,
    content: { text, channel: 'SMS' },
  });
  log(`limited run: ${limited.c.stats.freeze!.frozen} recipients at ${LIMITED_RATE}/s`);
  await waitFinal(pool, limited.c.id, limited.c.stats.freeze!.frozen);
  arrivals.sort((a, b) => a - b);
  let maxInSecond = 0;
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (arrivals[i]! - arrivals[j]! >= 1000) j++;
    maxInSecond = Math.max(maxInSecond, i - j + 1);
  }
  const limitedRate = (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000);
  await svc.stop();
  await cleanUp(pool);
  await pool.end();

  const dispatch = freeze.frozen / dispatchSeconds;
  console.log(
    JSON.stringify({
      recipients: freeze.frozen,
      freeze_ms: freeze.ms,
      freeze_rows_per_s: Math.round(freeze.frozen / (freeze.ms / 1000)),
      dispatch_seconds: Math.round(dispatchSeconds * 10) / 10,
      dispatch_msgs_per_s: Math.round(dispatch),
      delivered: end.delivered,
      failed: end.failed,
      bullmq_raw_jobs_per_s: raw,
      ratio: Math.round((dispatch / raw) * 1000) / 1000,
      duplicates,
      missing,
      peak_rss_mb: Math.max(serviceRss, peakRssMb('self')),
      peak_rss_mb_service: serviceRss,
      peak_rss_mb_bench_and_simulator: peakRssMb('self'),
      status_callbacks: 'final',
      limited_recipients: arrivals.length,
      limited_target_per_s: LIMITED_RATE,
      limited_rate_achieved: Math.round(limitedRate * 10) / 10,
      limited_max_in_any_second: maxInSecond,
    }),
  );
}

// Exit when done: the simulators' servers and the raw-BullMQ worker's connection would keep it alive.
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
