/**
 * bench:webhooks — signed inbound SMS webhooks under load against the API process on PostgreSQL.
 *
 * The service runs as its own process (`outreach serve`: webhooks only, so queue workers do not
 * share the CPU with the load generator's measurements) on a fresh database and a private Redis
 * prefix. autocannon sends 50 connections for 20 s; every request carries a distinct MessageSid
 * and a valid X-Twilio-Signature, precomputed so signing does not slow the load generator.
 * Afterwards the InboundMessage rows are counted: every request answered 2xx must be stored.
 *
 * Last line: {"requests", "req_per_s", "p99_ms", "stored", "lost", ...}.
 * Env: BENCH_SECONDS (20), BENCH_CONNECTIONS (50), and those of bench/service.ts.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { twilioSignature } from '../src/simulators/index.js';
import { SERVICE_NUMBER, startBenchService } from './service.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

async function main() {
  const svc = await startBenchService({ role: 'serve', env: { DATABASE_POOL_SIZE: '10' } });
  const { base, dbUrl, twilio: twilioSim } = svc;
  try {
    // Distinct signed bodies, more than the run can use.
    const total = Math.max(200_000, SECONDS * 8000);
    const signedUrl = `${base}/webhooks/twilio/sms`;
    const bodies: Array<{ sid: string; body: string; signature: string }> = [];
    for (let i = 0; i < total; i++) {
      const params = {
        MessageSid: `SM${randomBytes(16).toString('hex')}`,
        AccountSid: twilioSim.accountSid,
        From: `+86138${String(10_000_000 + (i % 89_999_999)).padStart(8, '0')}`,
        To: SERVICE_NUMBER,
        Body: i % 3 === 0 ? '帮助' : i % 3 === 1 ? '状态' : '找工作',
        NumMedia: '0',
        NumSegments: '1',
        ApiVersion: '2010-04-01',
      };
      bodies.push({
        sid: params.MessageSid,
        body: new URLSearchParams(params).toString(),
        signature: twilioSignature(twilioSim.authToken, signedUrl, params),
      });
    }
    let next = 0;
    const accepted = new Set<string>();
    let exhausted = false;

    const result = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/webhooks/twilio/sms',
          setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
            const b = bodies[next++];
            if (!b) {
              exhausted = true;
              return null;
            }
            context.sid = b.sid;
            return {
              ...req,
              body: b.body,
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': b.signature },
            };
          },
          onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
            if (status >= 200 && status < 300) accepted.add(context.sid as string);
          },
        },
      ],
    } as unknown as autocannon.Options);

    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    const stored = Number((await c.query(`SELECT count(*) FROM "InboundMessage"`)).rows[0].count);
    const storedSids = new Set(
      (await c.query<{ providerId: string }>(`SELECT "providerId" FROM "InboundMessage"`)).rows.map((r) => r.providerId),
    );
    await c.end();
    const lost = [...accepted].filter((s) => !storedSids.has(s)).length;
    const summary = {
      requests: result.requests.total,
      req_per_s: Math.round(result.requests.average),
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      non_2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      accepted: accepted.size,
      stored,
      lost,
      connections: CONNECTIONS,
      seconds: SECONDS,
      bodies_exhausted: exhausted,
    };
    console.log(
      `requests ${summary.requests}, ${summary.req_per_s} req/s, p99 ${summary.p99_ms} ms, stored ${stored}, lost ${lost}`,
    );
    console.log(JSON.stringify(summary));
  } finally {
    await svc.stop();
  }
}

await main();
process.exit(0);
