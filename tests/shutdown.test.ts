/**
 * Ctrl-C on `npm start`: the terminal sends SIGINT to the whole foreground process group (npm,
 * the service, and anything they spawned), and npm forwards it to its child once more. The
 * service must stop taking requests, let running jobs finish, close Redis last, say little, and
 * leave every queued job in the embedded Redis's append-only file for the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../src/db/database.js';
import { pidAlive } from '../src/dir-lock.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { closeQueues, createQueues } from '../src/queues/queues.js';
import { producerConnection } from '../src/redis/connections.js';
import { startEmbeddedRedis } from '../src/redis/embedded-redis.js';
import { twilioSignature } from '../src/simulators/twilio/index.js';
import { freePort } from './helpers/net.js';

const dataDir = mkdtempSync(join(tmpdir(), 'outreach-sigint-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface Service {
  child: ChildProcess;
  lines: string[];
  url: string;
  /** How npm ended, once it exited and its output was read to the end. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start` in a process group of its own, as a terminal runs a foreground job. */
function npmStart(env: Record<string, string>): Promise<Service> {
  return run(['npm', 'start'], env);
}

/** A command in a process group of its own; resolves once the service has started. */
async function run(command: string[], env: Record<string, string>): Promise<Service> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...env,
  };
  delete childEnv.DATABASE_URL;
  delete childEnv.REDIS_URL;
  const child = spawn(command[0]!, command.slice(1), {
    cwd: PROJECT_ROOT,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      lines.push(...parts.filter((l) => l.trim() !== ''));
    });
  }
  await expect
    .poll(() => lines.some((l) => l.includes('outreach service started')) || child.exitCode !== null, { timeout: 120_000 })
    .toBe(true);
  const started = lines.find((l) => l.includes('outreach service started'));
  if (!started) throw new Error(`the service did not start:\n${lines.join('\n')}`);
  return { child, lines, url: JSON.parse(started).address, closed };
}

/**
 * Ctrl-C: SIGINT to every process of the group. Resolves with whether it ended as Ctrl-C should
 * (npm re-raises the signal on itself once its child has exited, as a shell expects) and what was
 * said after.
 */
async function ctrlC(svc: Service): Promise<{ clean: boolean; after: string[] }> {
  const from = svc.lines.length;
  process.kill(-svc.child.pid!, 'SIGINT');
  const { code, signal } = await svc.closed;
  return { clean: code === 0 || signal === 'SIGINT', after: svc.lines.slice(from) };
}

/** The pino level of a log line; anything else (a stack trace, a console message) counts as an error. */
const level = (line: string) => {
  try {
    return (JSON.parse(line) as { level?: number }).level ?? 50;
  } catch {
    return 50;
  }
};

/** The process group of a process (field 5 of /proc/PID/stat). */
const pgid = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);

describe('Ctrl-C on npm start', () => {
  it('stops quietly, Redis last, and loses nothing that was queued', async () => {
    const port = await freePort();
    // One SMS a second: the replies are still queued when the signal comes.
    const svc = await npmStart({ PORT: String(port), SMS_RATE_PER_SECOND: '1' });
    const redisPid = Number(readFileSync(join(dataDir, 'redis', 'redis.pid'), 'utf8'));
    expect(pgid(redisPid)).not.toBe(svc.child.pid); // redis-server is not in the terminal's group

    const sim = JSON.parse(readFileSync(join(dataDir, 'simulators.json'), 'utf8')) as { twilio: { authToken: string } };
    const senders = Array.from({ length: 30 }, (_, i) => `+86138001${String(40000 + i)}`);
    for (const [i, from] of senders.entries()) {
      const params = {
        MessageSid: `SM${(0xabc000 + i).toString(16).padStart(32, '0')}`,
        From: from,
        To: '+8610690000000',
        Body: '帮助',
      };
      const res = await fetch(`${svc.url}/webhooks/twilio/sms`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(sim.twilio.authToken, `${svc.url}/webhooks/twilio/sms`, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      expect(res.status).toBe(200);
    }

    const stop = await ctrlC(svc);
    expect(stop.clean).toBe(true);
    expect(stop.after.filter((l) => level(l) >= 40)).toEqual([]); // no warnings, no connection errors
    expect(stop.after.length).toBeLessThanOrEqual(8);
    expect(stop.after.some((l) => l.includes('outreach service stopped'))).toBe(true);
    expect(stop.after.filter((l) => /npm (ERR|error)/.test(l))).toEqual([]);
    expect(pidAlive(redisPid)).toBe(false);
    expect(existsSync(join(dataDir, 'redis', 'redis.pid'))).toBe(false);

    // Whatever the ledger still has to do is a job in the append-only file.
    const db = await openDb({ dataDir });
    const redis = await startEmbeddedRedis(join(dataDir, 'redis'));
    const conn = producerConnection({ path: redis.path });
    const queues = createQueues(conn, 'outreach');
    try {
      const unhandled = await db.pool.query<{ id: string }>(`SELECT id FROM "InboundMessage" WHERE "handledAt" IS NULL`);
      const unsent = await db.pool.query<{ id: string }>(`SELECT id FROM "OutboundMessage" WHERE status = 'QUEUED'`);
      expect(unhandled.rows.length + unsent.rows.length).toBeGreaterThan(0); // the signal came mid-work
      for (const r of unhandled.rows) expect(await queues.inbound.getJob(`in-${r.id}`), `inbound ${r.id}`).toBeDefined();
      for (const r of unsent.rows) expect(await queues.sendSms.getJob(`out-${r.id}`), `outbound ${r.id}`).toBeDefined();
    } finally {
      await closeQueues(queues);
      conn.disconnect();
      await redis.stop();
      await db.close();
    }

    // The next start finishes the work: every text answered once.
    const again = await npmStart({ PORT: String(port), SMS_RATE_PER_SECOND: '0' });
    const ledger = await openDb({ dataDir, shareRunning: true });
    try {
      await expect
        .poll(
          async () =>
            (
              await ledger.pool.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM "OutboundMessage" WHERE status <> 'QUEUED' AND kind = 'REPLY'`,
              )
            ).rows[0]!.n,
          { timeout: 60_000, interval: 500 },
        )
        .toBe(senders.length);
      expect(await ledger.prisma.inboundMessage.count({ where: { handledAt: null } })).toBe(0);
      expect(await ledger.prisma.outboundMessage.count()).toBe(senders.length);
    } finally {
      await ledger.close();
    }
    const last = await ctrlC(again);
    expect(last.clean).toBe(true);
    expect(last.after.filter((l) => level(l) >= 40)).toEqual([]);
    expect(last.after.some((l) => l.includes('outreach service stopped'))).toBe(true);
  }, 400_000);
});
