/**
 * Fresh, migrated ledgers for tests: a new database on the real PostgreSQL
 * (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres), or a new embedded
 * PGlite in a temporary directory. Each call returns an empty ledger of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectDb, type Db } from '../../src/db/database.js';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { applyMigrations } from '../../src/db/migrations.js';

export type DbKind = 'postgres' | 'pglite';
export const DB_KINDS: DbKind[] = ['postgres', 'pglite'];

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty PostgreSQL database and returns its URL and a drop function. */
export async function createPgDatabase(prefix = 'outreach_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return {
    url: databaseUrl(name),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A migrated, empty ledger of the given kind. `close()` removes it. */
export async function createTestDb(kind: DbKind): Promise<Db> {
  if (kind === 'postgres') {
    const { url, drop } = await createPgDatabase();
    await applyMigrations(url);
    return connectDb(url, 10, drop);
  }
  const dir = mkdtempSync(join(tmpdir(), 'outreach-pglite-'));
  const embedded = await startEmbeddedPostgres(dir, 4);
  await applyMigrations(embedded.url);
  return connectDb(
    embedded.url,
    4,
    async () => {
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    true,
  );
}
