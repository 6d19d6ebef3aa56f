/**
 * bench:conversations — many workers at once, each completing a status report by SMS.
 *
 * The service runs as its own process (`outreach start`: API and queue workers) on a fresh
 * PostgreSQL database and a private Redis prefix, with SMS_RATE_PER_SECOND=0. This process runs
 * the Twilio simulator the service sends through and plays the workers: each texts "状态", then
 * answers 3 (came home), 今天 (today) and 1 (confirm), sending each answer when the reply to the
 * previous one reaches the simulator. A reply's latency is from just before the inbound webhook
 * is posted to the moment the service's reply is created at the simulator (its onMessage hook):
 * the whole path webhook → ledger → queue → flow turn → ledger → send queue → provider.
 *
 * The workers are seeded with SQL. Afterwards every conversation must have its EmploymentEvent.
 *
 * Last line: {"conversations", "completed", "conversations_per_s", "p95_reply_ms", ...}.
 * All the workers are in their conversations at the same time, answering at a person's pace: each
 * answer follows its reply after a pause of half to one and a half times BENCH_THINK_MS (30 s by
 * default), and the first messages are spread over BENCH_RAMP_MS (30 s). BENCH_THINK_MS=0
 * BENCH_RAMP_MS=0 has everyone answer instantly, which measures the service saturated.
 * Before the measured run, BENCH_WARMUP (50) other workers complete the script at full speed, so the
 * figures are those of a warm service (not of lazy module loading and first connections).
 * Env: BENCH_WORKERS (2000), BENCH_THINK_MS, BENCH_RAMP_MS, BENCH_WARMUP, BENCH_DATABASE_URL (admin
 * URL), BENCH_REDIS_URL, BENCH_TIMEOUT_S (600): see bench/service.ts.
 * BENCH_COUNT_QUERIES=1 counts the service's SQL statements (bench/count-queries.mjs) over the
 * measured run: `sql_per_reply` in the JSON, and the statements most sent per reply on stderr.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { backendCpu, backendCpuSince, cpuSeconds } from './cpu.js';
import { SERVICE_NUMBER, startBenchService } from './service.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 2000);
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 30_000);
const RAMP_MS = Number(process.env.BENCH_RAMP_MS ?? 30_000);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 600);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 50);
/** The conversation: start, came home, today, confirm. */
const SCRIPT = ['状态', '3', '今天', '1'];

const COUNT_QUERIES = process.env.BENCH_COUNT_QUERIES === '1';
const countFile = COUNT_QUERIES ? join(mkdtempSync(join(tmpdir(), 'bench-sql-')), 'counts.json') : '';
if (COUNT_QUERIES) {
  const preload = fileURLToPath(new URL('./count-queries.mjs', import.meta.url));
  process.env.BENCH_NODE_ARGS = `${process.env.BENCH_NODE_ARGS ?? ''} --import ${preload}`;
}

interface QueryCounts {
  total: number;
  byStatement: Record<string, number>;
}
/** The service's statement counts so far (the preload writes them every 500 ms). */
async function queryCounts(): Promise<QueryCounts> {
  await new Promise((r) => setTimeout(r, 700));
  return existsSync(countFile) ? (JSON.parse(readFileSync(countFile, 'utf8')) as QueryCounts) : { total: 0, byStatement: {} };
}

const phoneOf = (i: number) => `+86139${String(10_000_000 + i).padStart(8, '0')}`;

/** Regions, one household per two workers, and the workers, in a few statements. */
async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const region = async (code: string, name: string, level: string, parentId: number | null) =>
    (
      await c.query<{ id: number }>(
        `INSERT INTO "Region" (code, name, level, "parentId") VALUES ($1, $2, $3::"RegionLevel", $4) RETURNING id`,
        [code, name, level, parentId],
      )
    ).rows[0]!.id;
  const province = await region('610000000000', '陕西省', 'PROVINCE', null);
  const city = await region('610800000000', '榆林市', 'CITY', province);
  const county = await region('610826000000', '绥德县', 'COUNTY', city);
  const township = await region('610826100000', '名州镇', 'TOWNSHIP', county);
  const village = await region('610826100201', '田庄村', 'VILLAGE', township);
  const households = Math.ceil((WORKERS + WARMUP) / 2);
  await c.query(
    `INSERT INTO "Household" (code, category, "villageId", "townshipId", "countyId", "cityId", "provinceId", "updatedAt")
     SELECT 'B-' || g, 'NOT_YET_OUT', $1, $2, $3, $4, $5, now() FROM generate_series(1, $6) g`,
    [village, township, county, city, province, households],
  );
  await c.query(
    // Without labour capacity: a household of people who all report coming home would otherwise become
    // zero-employment mid-run, and its follow-up plan (job leads by SMS, calls) would share the service.
    `INSERT INTO "Worker" ("householdId", "villageId", "townshipId", "countyId", "cityId", "provinceId", name, "idHash", "idLast4", phone,
                           "laborCapacity", "updatedAt")
     SELECT h.id, $1, $2, $3, $4, $5, '工人' || g, 'bench-' || g, '0000',
            '+86139' || lpad((10000000 + g)::text, 8, '0'), 'NONE', now()
       FROM generate_series(0, $6 - 1) g JOIN "Household" h ON h.code = 'B-' || (g / 2 + 1)`,
    [village, township, county, city, province, WORKERS + WARMUP],
  );
  await c.end();
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const svc = await startBenchService({
    role: 'start',
    env: {
      DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '20',
      SMS_RATE_PER_SECOND: '0',
      // The province's weekly check-in (Monday 09:00) would write to the same people mid-run.
      WEEKLY_CHECK_IN: 'off',
      ...(COUNT_QUERIES ? { QUERY_COUNT_FILE: countFile } : {}),
    },
    seed,
  });
  const { dbUrl, twilio: twilioSim } = svc;
  try {
    let onReply: (m: { to: string; body: string }) => void = () => {};
    twilioSim.onMessage((m) => {
      if (m.direction === 'outbound-api') onReply(m);
    });

    /** Plays the script for `phones`: each answer `think` ms (±50%) after its reply, starts spread over `ramp` ms. */
    const play = (phones: string[], think: number, ramp: number) => {
      // Per worker: which step it is at and when its last message went out.
      const stepOf = new Map<string, number>();
      const sentAt = new Map<string, number>();
      const run = { latencies: [] as number[], replyTimes: [] as number[], errors: [] as string[], completed: 0, maxInFlight: 0 };
      let inFlight = 0;
      let finish: () => void = () => {};
      const done = new Promise<void>((r) => {
        finish = r;
      });
      const send = (phone: string) => {
        sentAt.set(phone, performance.now());
        twilioSim.sendInbound({ from: phone, to: SERVICE_NUMBER, body: SCRIPT[stepOf.get(phone)!]! }).then(
          (res) => {
            if (res.status !== 200) run.errors.push(`webhook ${res.status}`);
          },
          (err: Error) => run.errors.push(err.message),
        );
      };
      onReply = (m) => {
        if (!stepOf.has(m.to)) return;
        const at = performance.now();
        run.latencies.push(at - sentAt.get(m.to)!);
        run.replyTimes.push(at);
        const next = stepOf.get(m.to)! + 1;
        if (next === SCRIPT.length) {
          stepOf.delete(m.to);
          inFlight--;
          if (m.body.includes('已记录')) run.completed++;
          else run.errors.push(`unexpected last reply: ${m.body.slice(0, 40)}`);
          if (stepOf.size === 0) finish();
          return;
        }
        stepOf.set(m.to, next);
        // People take a while to read and answer: a pause of half to one and a half times `think`.
        setTimeout(() => send(m.to), think * (0.5 + Math.random()));
      };
      phones.forEach((phone, i) => {
        stepOf.set(phone, 0);
        setTimeout(
          () => {
            inFlight++;
            run.maxInFlight = Math.max(run.maxInFlight, inFlight);
            send(phone);
          },
          ramp > 0 ? Math.floor((i / phones.length) * ramp) : 0,
        );
      });
      return { run, done };
    };

    // A warm service: the first conversations pay for lazy module loading, JIT and new connections.
    if (WARMUP > 0) {
      const warm = play(
        Array.from({ length: WARMUP }, (_, i) => phoneOf(WORKERS + i)),
        0,
        0,
      );
      await Promise.race([warm.done, new Promise((r) => setTimeout(r, 60_000))]);
      await new Promise((r) => setTimeout(r, 1000));
    }

    const sql0 = COUNT_QUERIES ? await queryCounts() : undefined;
    const database = new URL(dbUrl).pathname.slice(1);
    const cpu0 = { service: cpuSeconds(svc.pid), self: cpuSeconds('self'), pg: backendCpu(database) };
    const load0 = Math.round(loadavg()[0]! * 100) / 100;
    const started = performance.now();
    const { run, done } = play(
      Array.from({ length: WORKERS }, (_, i) => phoneOf(i)),
      THINK_MS,
      RAMP_MS,
    );
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), TIMEOUT_S * 1000)),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const { latencies, replyTimes, errors, completed } = run;

    const perReply = (sec: number) => Math.round((sec * 1000 * 10) / Math.max(1, run.latencies.length)) / 10;
    const cpuMsPerReply = {
      service: perReply(cpuSeconds(svc.pid) - cpu0.service),
      bench_and_simulator: perReply(cpuSeconds('self') - cpu0.self),
      postgres: perReply(backendCpuSince(database, cpu0.pg)),
    };
    const sql1 = sql0 ? await queryCounts() : undefined;
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    // Events of the measured workers only (the warm-up ones come after them).
    const events = Number(
      (
        await c.query(
          `SELECT count(*) FROM "EmploymentEvent" e JOIN "Worker" w ON w.id = e."workerId"
            WHERE e.status = 'RETURNED_HOME' AND e.channel = 'SMS' AND w.phone <= $1`,
          [phoneOf(WORKERS - 1)],
        )
      ).rows[0].count,
    );
    // Where the time goes: recorded → handled (queue + flow turn), reply queued → sent to the provider.
    const stages = (
      await c.query<{ handle_p95: number; send_p95: number }>(
        `SELECT (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "handledAt" - "receivedAt") * 1000)
                   FROM "InboundMessage" WHERE "fromAddress" <= $1)::int AS handle_p95,
                (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "sentAt" - "queuedAt") * 1000)
                   FROM "OutboundMessage" WHERE "toAddress" <= $1)::int AS send_p95`,
        [phoneOf(WORKERS - 1)],
      )
    ).rows[0]!;
    await c.end();

    const sorted = [...latencies].sort((a, b) => a - b);
    const sqlPerReply =
      sql0 && sql1 ? Math.round(((sql1.total - sql0.total) / Math.max(1, latencies.length)) * 10) / 10 : undefined;
    const summary = {
      conversations: WORKERS,
      completed,
      events,
      replies: latencies.length,
      seconds: Math.round(seconds * 10) / 10,
      conversations_per_s: Math.round((completed / seconds) * 10) / 10,
      replies_per_s: Math.round(latencies.length / seconds),
      p50_reply_ms: Math.round(percentile(sorted, 50)),
      p95_reply_ms: Math.round(percentile(sorted, 95)),
      p99_reply_ms: Math.round(percentile(sorted, 99)),
      max_reply_ms: Math.round(sorted.at(-1) ?? 0),
      p95_recorded_to_handled_ms: stages.handle_p95,
      p95_reply_queued_to_sent_ms: stages.send_p95,
      max_conversations_at_once: run.maxInFlight,
      warmup_workers: WARMUP,
      think_ms: THINK_MS,
      ramp_ms: RAMP_MS,
      timed_out: timedOut,
      errors: errors.length,
      load_at_start: load0,
      cpu_ms_per_reply: cpuMsPerReply,
      ...(sqlPerReply !== undefined ? { sql_per_reply: sqlPerReply } : {}),
    };
    if (sql0 && sql1) {
      const per = Object.entries(sql1.byStatement)
        .map(([k, n]) => [k, (n - (sql0.byStatement[k] ?? 0)) / Math.max(1, latencies.length)] as const)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1]);
      console.error(`SQL statements per reply (${sqlPerReply} in all):`);
      for (const [k, n] of per.slice(0, 40)) console.error(`  ${n.toFixed(2)}  ${k}`);
    }
    // p95 per 15-second window: shows whether slow replies cluster (start-up, bursts) or spread.
    const windows = new Map<number, number[]>();
    latencies.forEach((l, i) => {
      const w = Math.floor((replyTimes[i]! - started) / 15_000);
      windows.set(w, [...(windows.get(w) ?? []), l]);
    });
    console.error(
      `p95 by 15 s window: ${[...windows.entries()]
        .map(
          ([w, ls]) =>
            `${w * 15}s:${Math.round(
              percentile(
                ls.sort((a, b) => a - b),
                95,
              ),
            )}ms/${ls.length}`,
        )
        .join(' ')}`,
    );
    if (errors.length) console.error(`first errors: ${errors.slice(0, 5).join(' | ')}`);
    console.log(
      `${completed}/${WORKERS} conversations completed in ${summary.seconds} s (${summary.conversations_per_s}/s), ` +
        `${latencies.length} replies, p50 ${summary.p50_reply_ms} ms, p95 ${summary.p95_reply_ms} ms, p99 ${summary.p99_reply_ms} ms`,
    );
    console.log(JSON.stringify(summary));
  } finally {
    await svc.stop();
  }
}

await main();
process.exit(0);
