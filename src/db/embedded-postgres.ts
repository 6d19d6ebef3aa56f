/**
 * Embedded PostgreSQL: PGlite persisted under DATA_DIR, served over the PostgreSQL wire protocol
 * on loopback so that Prisma (adapter-pg), raw SQL and the schema engine all use the same
 * connection string as with a real server. PGlite runs one query at a time; the socket server
 * queues statements and keeps a transaction on its own connection.
 *
 * One process owns the data directory: a lock file stops a second one, since two PGlite
 * instances on one directory would corrupt it. The owner writes its address to `server.json`
 * beside the lock, so that commands run while it serves (`outreach import`, `token`, `report`…)
 * reach the same ledger through its socket instead of opening the directory themselves.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDir, lockHolder, pidAlive } from '../dir-lock.js';
import { createProtocolQueue, type ProtocolQueue } from './pglite-queue.js';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Where the serving process keeps its address (pid and connection string). */
const serverFile = (dataDir: string) => join(dataDir, 'server.json');

/**
 * The embedded ledger another process is serving on `dataDir` right now, or null when none is:
 * its lock is held by a live process that wrote its address.
 */
export function runningEmbeddedPostgres(dataDir: string): { pid: number; url: string } | null {
  const file = serverFile(dataDir);
  if (!existsSync(file)) return null;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; url: string };
    return s.pid !== process.pid && s.pid === lockHolder(dataDir) && pidAlive(s.pid) ? s : null;
  } catch {
    return null; // being written or removed
  }
}

/** Starts PGlite on `dataDir` and serves it on 127.0.0.1 at a free port. */
export async function startEmbeddedPostgres(dataDir: string, maxConnections = 8): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDir(dataDir, 'database');
  try {
    const db = await PGlite.create({ dataDir: join(dataDir, 'pgdata') });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    // The server's own queue lets connections' statements interleave (see pglite-queue.ts).
    (server as unknown as { queryQueue: ProtocolQueue }).queryQueue = createProtocolQueue(db);
    await server.start();
    const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    writeFileSync(serverFile(dataDir), JSON.stringify({ pid: process.pid, url }), { mode: 0o600 });
    return {
      url,
      async stop() {
        rmSync(serverFile(dataDir), { force: true });
        await server.stop();
        await db.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
