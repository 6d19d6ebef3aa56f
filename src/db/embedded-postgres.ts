/**
 * Embedded PostgreSQL: PGlite persisted under DATA_DIR, served over the PostgreSQL wire protocol
 * on loopback so that Prisma (adapter-pg), raw SQL and the schema engine all use the same
 * connection string as with a real server. PGlite runs one query at a time; the socket server
 * queues statements and keeps a transaction on its own connection.
 *
 * One process owns the data directory: a lock file stops a second one, since two PGlite
 * instances on one directory would corrupt it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function takeLock(lockPath: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `The embedded database in ${lockPath.replace(/\/[^/]+$/, '')} is in use by process ${holder}. ` +
            'Stop it, or set DATABASE_URL to a PostgreSQL server to run several processes.',
        );
      }
      rmSync(lockPath, { force: true }); // left by a process that died
    }
  }
  throw new Error(`Could not lock ${lockPath}`);
}

/** Starts PGlite on `dataDir` and serves it on 127.0.0.1 at a free port. */
export async function startEmbeddedPostgres(dataDir: string, maxConnections = 8): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, 'outreach.lock');
  takeLock(lockPath);
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
        rmSync(lockPath, { force: true });
      },
    };
  } catch (err) {
    rmSync(lockPath, { force: true });
    throw err;
  }
}
