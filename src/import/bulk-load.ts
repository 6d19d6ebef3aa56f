/**
 * The first load of an empty ledger on PostgreSQL, done the way pg_restore loads a dump: rows
 * first, then the secondary indexes and the foreign keys. Row by row, PostgreSQL checks every
 * foreign key with a query of its own and updates every index of every row it writes; on a
 * province's first sheet those checks and index updates were most of the database's work (a
 * benchmark of 200,000 rows: foreign-key checks about 40 ms and six Worker indexes about 30 ms of
 * the database's ~120 ms of CPU per 1,000 rows). Built once at the end, an index is a sort and a
 * foreign key one join.
 *
 * Nothing about the ledger's shape changes and nothing is skipped: the whole load is one
 * transaction that holds the import tables exclusively, drops the deferred indexes and foreign
 * keys, writes every batch, then creates the same indexes from their own definitions and adds
 * the same foreign keys back, which PostgreSQL validates against every row before the commit. If
 * anything fails, the transaction rolls back to the empty ledger with its indexes and keys.
 * Other sessions wait for the commit instead of reading a half-loaded ledger.
 *
 * Only when no household and no worker exists yet: later sheets go batch by batch, each batch
 * committed on its own, so a county's upload never locks the ledger other counties work in.
 */
import type pg from 'pg';

/** The tables an import writes rows into (regions and sites are few and keep their keys). */
const LOAD_TABLES = ['Household', 'Worker', 'EmploymentEvent', 'FamilyContact', 'ZeroEmploymentSpell'];

/**
 * Indexes the import's own statements probe while it loads (write-batch.ts and
 * household-counts.ts): a lookup by household code or ID hash, the ON CONFLICT key of family
 * contacts, workers and open spells of a household, events of a worker. These stay in place.
 */
const PROBED_INDEXES = [
  'Household_code_key',
  'Worker_idHash_key',
  'Worker_householdId_idx',
  'FamilyContact_workerId_phone_key',
  'EmploymentEvent_workerId_effectiveDate_idx',
  'ZeroEmploymentSpell_householdId_clearedAt_idx',
];

/** How long the load waits for other sessions to leave the import tables before importing batch by batch. */
const LOCK_TIMEOUT_MS = 3000;

interface Deferred {
  indexes: { name: string; def: string }[];
  foreignKeys: { table: string; name: string; def: string }[];
}

export interface BulkLoad {
  /** Builds the deferred indexes, adds the foreign keys back (validating every row) and commits. */
  finish(): Promise<void>;
  /** Rolls the whole load back. */
  abort(): Promise<void>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Starts a bulk load on `client` when the ledger has no household and no worker; null (and
 * nothing changed) when it has, or when other sessions hold the import tables for longer than
 * LOCK_TIMEOUT_MS. The caller then writes every batch inside this transaction.
 */
export async function beginBulkLoad(client: pg.PoolClient): Promise<BulkLoad | null> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    await client.query(`LOCK TABLE ${LOAD_TABLES.map(quote).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    const empty = await client.query<{ empty: boolean }>(
      'SELECT NOT EXISTS (SELECT 1 FROM "Household") AND NOT EXISTS (SELECT 1 FROM "Worker") AS empty',
    );
    if (!empty.rows[0]?.empty) {
      await client.query('ROLLBACK');
      return null;
    }
    const deferred = await deferredDefinitions(client);
    for (const fk of deferred.foreignKeys) {
      await client.query(`ALTER TABLE ${quote(fk.table)} DROP CONSTRAINT ${quote(fk.name)}`);
    }
    for (const ix of deferred.indexes) await client.query(`DROP INDEX ${quote(ix.name)}`);
    await client.query('SET LOCAL lock_timeout = 0');
    return {
      async finish() {
        // Index builds sort in memory up to this much (the default 64 MB spills a province to disk).
        await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
        for (const ix of deferred.indexes) await client.query(ix.def);
        for (const fk of deferred.foreignKeys) {
          await client.query(`ALTER TABLE ${quote(fk.table)} ADD CONSTRAINT ${quote(fk.name)} ${fk.def}`);
        }
        await client.query('COMMIT');
      },
      async abort() {
        await client.query('ROLLBACK');
      },
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    // Another session kept the tables: import batch by batch instead.
    if ((err as { code?: string }).code === '55P03') return null;
    throw err;
  }
}

/**
 * The foreign keys of the import tables and their indexes other than primary keys, the probed
 * ones and those a constraint stands on (a foreign key elsewhere may reference a unique index),
 * with the definitions to create them again.
 */
async function deferredDefinitions(client: pg.PoolClient): Promise<Deferred> {
  const tables = `SELECT oid FROM pg_class WHERE relname = ANY($1::text[]) AND relnamespace = current_schema()::regnamespace`;
  const fks = await client.query<{ table: string; name: string; def: string }>(
    `SELECT t.relname AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      WHERE c.contype = 'f' AND c.conrelid IN (${tables})
      ORDER BY t.relname, c.conname`,
    [LOAD_TABLES],
  );
  const indexes = await client.query<{ name: string; def: string }>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid IN (${tables}) AND NOT i.indisprimary AND ic.relname <> ALL($2::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY ic.relname`,
    [LOAD_TABLES, PROBED_INDEXES],
  );
  return { indexes: indexes.rows, foreignKeys: fks.rows };
}
