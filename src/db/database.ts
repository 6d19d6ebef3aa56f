/**
 * The ledger's database: embedded PGlite when DATABASE_URL is unset, else that PostgreSQL.
 * One pg pool serves Prisma (through its driver adapter) and the bulk SQL paths.
 */
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';
import { applyMigrations } from './migrations.js';
import { allowPrepared } from './prepared.js';

// The ledger's timestamps are UTC in columns without a time zone (Prisma's convention). Raw pg
// queries must read and write them as UTC too, whatever the process's TZ (Asia/Shanghai in a
// county office): by default node-postgres would treat them as local time.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (s) => new Date(`${s.replace(' ', 'T')}Z`));
pg.defaults.parseInputDatesAsUTC = true;

export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/** Connections a command takes on a running service's embedded ledger (which serves 8 in all, 4 its own). */
const SHARED_POOL_SIZE = 2;

export interface DbOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Apply pending migrations before returning (the service does; `outreach migrate` does only that). */
  migrate?: boolean;
  poolSize?: number;
  /**
   * Embedded defaults, with a service already running on DATA_DIR: use its ledger through the
   * socket it serves (CLI commands) rather than refusing. The service itself never shares.
   */
  shareRunning?: boolean;
}

/** Wraps a connection string into a Db with a shared pool. */
export function connectDb(url: string, poolSize = 10, onClose?: () => Promise<void>, embedded = false): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
  // An idle client that loses its server emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', () => {});
  if (!embedded) allowPrepared(pool);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    url,
    embedded,
    async close() {
      await prisma.$disconnect();
      await pool.end();
      await onClose?.();
    },
  };
}

export async function openDb(opts: DbOptions): Promise<Db> {
  let url = opts.databaseUrl;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    const dir = join(opts.dataDir, 'pglite');
    const running = opts.shareRunning ? runningEmbeddedPostgres(dir) : null;
    if (running) {
      // The service applied its migrations at start; `outreach migrate` applies any itself.
      return connectDb(running.url, SHARED_POOL_SIZE, undefined, true);
    }
    // PGlite runs one statement at a time, so a small pool is enough and avoids queueing in the server.
    const embedded = await startEmbeddedPostgres(dir, 8);
    url = embedded.url;
    stop = embedded.stop;
  }
  try {
    if (opts.migrate) await applyMigrations(url);
  } catch (err) {
    await stop?.();
    throw err;
  }
  return connectDb(url, opts.databaseUrl ? (opts.poolSize ?? 10) : 4, stop, !opts.databaseUrl);
}
