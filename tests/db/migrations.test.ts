/**
 * The committed migrations and prisma/schema.prisma must describe the same database: a change to
 * the schema without a migration (or a hand-edited migration) fails here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDb } from '../../src/db/database.js';
import { applyMigrations, migrationNames, pendingMigrations, SCHEMA_PATH, SNAPSHOT_PATH } from '../../src/db/migrations.js';
import { diffSchemas, EMPTY_MIGRATION } from '../../src/db/schema-diff.js';
import { createPgDatabase, createTestDb } from '../helpers/db.js';

/** Schema of a database as pg_dump prints it, without the migrations bookkeeping table. */
function dumpSchema(url: string): string {
  const out = execFileSync(
    'pg_dump',
    ['--schema-only', '--no-owner', '--no-privileges', '--exclude-table=_prisma_migrations', '--dbname', url],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter(
      (l) =>
        !l.startsWith('--') &&
        !l.startsWith('SET ') &&
        !l.startsWith('SELECT pg_catalog') &&
        !l.startsWith('\\restrict') &&
        !l.startsWith('\\unrestrict') &&
        l.trim() !== '',
    )
    .join('\n');
}

describe('migrations', () => {
  const schema = readFileSync(SCHEMA_PATH, 'utf8');
  const dbs: Array<{ url: string; drop(): Promise<void> }> = [];
  beforeAll(async () => {
    dbs.push(await createPgDatabase('outreach_mig'), await createPgDatabase('outreach_mig'));
  });
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
  });

  it('build the same PostgreSQL schema as schema.prisma', async () => {
    const [fromMigrations, fromSchema] = dbs as [(typeof dbs)[0], (typeof dbs)[0]];
    expect(await applyMigrations(fromMigrations.url)).toEqual(migrationNames());

    const script = await diffSchemas(null, schema, fromSchema.url);
    const client = new pg.Client({ connectionString: fromSchema.url });
    await client.connect();
    await client.query(script);
    await client.end();

    const a = dumpSchema(fromMigrations.url);
    expect(a).toContain('CREATE TABLE public."Worker"');
    expect(a).toBe(dumpSchema(fromSchema.url));
  });

  it('are in step with the snapshot that the next migration is generated from', async () => {
    const snapshot = readFileSync(SNAPSHOT_PATH, 'utf8');
    expect((await diffSchemas(snapshot, schema, dbs[0]!.url)).trim()).toBe(EMPTY_MIGRATION);
  });

  it('apply once: a second run applies nothing and nothing is pending', async () => {
    const url = dbs[0]!.url;
    expect(await applyMigrations(url)).toEqual([]);
    const db = connectDb(url, 2);
    expect(await pendingMigrations(db.pool)).toEqual([]);
    await db.close();
  });

  it('apply to embedded PGlite too, and the ledger is usable there', async () => {
    const db = await createTestDb('pglite');
    try {
      expect(await pendingMigrations(db.pool)).toEqual([]);
      const province = await db.prisma.region.create({ data: { code: '610000000000', name: '陕西省', level: 'PROVINCE' } });
      const city = await db.prisma.region.create({
        data: { code: '610100000000', name: '西安市', level: 'CITY', parentId: province.id },
      });
      const found = await db.prisma.region.findUnique({ where: { code: '610100000000' }, include: { parent: true } });
      expect(found?.parent?.name).toBe('陕西省');
      expect(city.level).toBe('CITY');
    } finally {
      await db.close();
    }
  });

  it('report what a fresh database is missing', async () => {
    const empty = await createPgDatabase('outreach_mig');
    const db = connectDb(empty.url, 2);
    try {
      expect(await pendingMigrations(db.pool)).toEqual(migrationNames());
    } finally {
      await db.close();
      await empty.drop();
    }
  });
});
