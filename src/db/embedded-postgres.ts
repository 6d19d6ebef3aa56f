/**
 * Embedded PostgreSQL: PGlite persisted under DATA_DIR, served over the PostgreSQL wire protocol
 * on loopback so that Prisma (adapter-pg), raw SQL and the schema engine all use the same
 * connection string as with a real server. PGlite runs one query at a time; the socket server
 * queues statements and keeps a transaction on its own connection.
 *
 * One process owns the data directory: a lock file stops a second one, since two PGlite
 * instances on one directory would corrupt it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDir } from '../dir-lock.js';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Starts PGlite on `dataDir` and serves it on 127.0.0.1 at a free port. */
export async function startEmbeddedPostgres(dataDir: string, maxConnections = 8): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDir(dataDir, 'database');
  try {
    const db = await PGlite.create({ dataDir: join(dataDir, 'pgdata') });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    return {
      url,
      async stop() {
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
