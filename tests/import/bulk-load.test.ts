/**
 * The first import into an empty PostgreSQL ledger is one transaction that defers the import
 * tables' secondary indexes and foreign keys to its end (src/import/bulk-load.ts). These tests
 * check what that must never change: the schema afterwards, all or nothing, and that a ledger
 * already in use is imported batch by batch.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { importLedgerFile } from '../../src/import/import-ledger.js';
import { createTestDb } from '../helpers/db.js';
import { SAMPLE_CSV, sampleRows, tempDir, writeCsv } from './helpers.js';

const KEY = 'import-test-key-0123456789abcdef0123456789';
const TABLES = ['Household', 'Worker', 'EmploymentEvent', 'FamilyContact', 'ZeroEmploymentSpell'];

/** Every index and constraint of the import tables, as PostgreSQL would create them. */
async function schemaOf(db: Db): Promise<string[]> {
  const r = await db.pool.query<{ def: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END AS def
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY($1::text[])
     UNION ALL
     SELECT t.relname || ': ' || c.conname || ' ' || pg_get_constraintdef(c.oid) || CASE WHEN c.convalidated THEN '' ELSE ' NOT VALID' END
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY($1::text[])
     ORDER BY 1`,
    [TABLES],
  );
  return r.rows.map((row) => row.def);
}

async function workerCount(db: Db): Promise<number> {
  const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM "Worker"');
  return r.rows[0]?.n ?? -1;
}

/** Import tables another session finds locked exclusively right now. */
async function exclusivelyLocked(db: Db): Promise<string[]> {
  const r = await db.pool.query<{ name: string }>(
    `SELECT DISTINCT c.relname AS name FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE l.mode = 'AccessExclusiveLock' AND l.granted AND c.relname = ANY($1::text[]) ORDER BY 1`,
    [TABLES],
  );
  return r.rows.map((row) => row.name);
}

/** Makes the database refuse a worker called `name`: a failure half-way through an import. */
async function refuseWorkerNamed(db: Db, name: string): Promise<void> {
  await db.pool.query(`CREATE FUNCTION refuse_worker() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.name = '${name}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
  await db.pool.query(`CREATE TRIGGER refuse_worker BEFORE INSERT ON "Worker" FOR EACH ROW EXECUTE FUNCTION refuse_worker()`);
}

describe('first import into an empty PostgreSQL ledger', () => {
  let db: Db;
  const dir = tempDir();
  // The sample's last worker, so that earlier batches are written before the failure.
  const rows = sampleRows();
  const lastName = (rows[rows.length - 1] as string[])[(rows[0] as string[]).indexOf('姓名')] as string;

  beforeEach(async () => {
    db = await createTestDb('postgres');
  }, 60_000);
  afterEach(async () => {
    await db?.close();
  });

  it('holds the import tables while it loads and leaves every index and foreign key as the schema has them', async () => {
    const before = await schemaOf(db);
    // Sampled from another connection after each batch, while the load's transaction is open.
    const locked: Promise<string[]>[] = [];
    const report = await importLedgerFile(db, SAMPLE_CSV, {
      idHashKey: KEY,
      batchSize: 5,
      onProgress: () => locked.push(exclusivelyLocked(db)),
    });
    expect(report.imported).toBe(33);
    const seen = await Promise.all(locked);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen[0]).toEqual([...TABLES].sort());
    expect(await exclusivelyLocked(db)).toEqual([]);
    expect(await schemaOf(db)).toEqual(before);
    // The foreign keys came back validated: a worker of a household that does not exist is refused.
    await expect(
      db.pool.query(`UPDATE "Worker" SET "householdId" = 2147483647 WHERE id = (SELECT min(id) FROM "Worker")`),
    ).rejects.toThrow(/foreign key/);
  });

  it('rolls back as a whole when it stops half-way: the ledger stays empty with its schema, and the run says so', async () => {
    await refuseWorkerNamed(db, lastName);
    const before = await schemaOf(db);
    await expect(importLedgerFile(db, SAMPLE_CSV, { idHashKey: KEY, batchSize: 5 })).rejects.toThrow(/refused by the test/);
    expect(await workerCount(db)).toBe(0);
    const households = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM "Household"');
    expect(households.rows[0]?.n).toBe(0);
    expect(await schemaOf(db)).toEqual(before);
    const run = await db.pool.query<{ errors: { line: number; message: string }[]; imported: number }>(
      'SELECT errors, imported FROM "ImportRun" ORDER BY id DESC LIMIT 1',
    );
    expect(run.rows[0]?.imported).toBe(0);
    expect(run.rows[0]?.errors.at(-1)?.message).toMatch(/rolled back as a whole: nothing was written/);
    // The file imports once the cause is gone.
    await db.pool.query('DROP TRIGGER refuse_worker ON "Worker"');
    expect((await importLedgerFile(db, SAMPLE_CSV, { idHashKey: KEY })).imported).toBe(33);
  });

  it('imports batch by batch into a ledger in use: nothing locked exclusively, earlier batches kept when one fails', async () => {
    const first = writeCsv(join(dir, 'first.csv'), rows.slice(0, 2));
    expect((await importLedgerFile(db, first, { idHashKey: KEY })).imported).toBe(1);
    await refuseWorkerNamed(db, lastName);
    const locked: Promise<string[]>[] = [];
    await expect(
      importLedgerFile(db, SAMPLE_CSV, { idHashKey: KEY, batchSize: 5, onProgress: () => locked.push(exclusivelyLocked(db)) }),
    ).rejects.toThrow(/refused by the test/);
    expect((await Promise.all(locked)).flat()).toEqual([]);
    expect(await workerCount(db)).toBeGreaterThan(1);
    expect(await workerCount(db)).toBeLessThan(33);
    const run = await db.pool.query<{ errors: { message: string }[] }>('SELECT errors FROM "ImportRun" ORDER BY id DESC LIMIT 1');
    expect(run.rows[0]?.errors.at(-1)?.message).toMatch(/batches already written are kept/);
  });

  it('imports batch by batch when another session keeps the tables busy, instead of waiting for it', async () => {
    const reader = await db.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM "Household"');
      const started = Date.now();
      const report = await importLedgerFile(db, SAMPLE_CSV, { idHashKey: KEY });
      expect(report.imported).toBe(33);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
      await reader.query('COMMIT');
    } finally {
      reader.release();
    }
    expect(await workerCount(db)).toBe(33);
  }, 20_000);
});
