import type pg from 'pg';

/**
 * Something that runs SQL: the pool, or one client inside a transaction. Ledger functions take
 * this so a caller can run them inside its own transaction. (On embedded PGlite a transaction
 * holds the only engine, so work inside one must not wait for another pool connection.)
 */
export interface Sql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** A statement with a name (src/db/prepared.ts). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

/** A parameterized statement to run as part of another (a CTE), its parameters numbered from $1. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** Runs `fn` in a transaction on one pooled client. */
export async function inTransaction<T>(pool: pg.Pool, fn: (sql: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Runs a single-statement write again when PostgreSQL aborted it to break a deadlock (40P01).
 * Batch UPDATEs from two writers (a dispatch batch marking rows SENT, a batch of delivery
 * callbacks marking some of the same rows DELIVERED) can meet their rows in different orders;
 * the statement is idempotent, so repeating it is safe. Only for statements run outside a
 * transaction: inside one, the whole transaction is aborted.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 5 * i + Math.random() * 20));
    }
  }
}

/** What `sqlIn` needs of a Prisma client or transaction client. */
interface RawRunner {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/**
 * The ledger's set-based statements (status refresh, household counts, audit) inside a Prisma
 * transaction: record-level work goes through Prisma and shares its transaction with them. Only
 * for statements that return rows (SELECT, or a write with RETURNING): `rowCount` is the number
 * of rows returned.
 */
export function sqlIn(tx: RawRunner): Sql {
  return {
    // A named statement runs unnamed here: Prisma prepares its own.
    async query<R extends pg.QueryResultRow>(q: string | pg.QueryConfig, values: unknown[] = []) {
      const [text, vals] = typeof q === 'string' ? [q, values] : [q.text, q.values ?? []];
      const rows = await tx.$queryRawUnsafe<R[]>(text, ...vals);
      return { rows, rowCount: rows.length, command: '', oid: 0, fields: [] } as pg.QueryResult<R>;
    },
  };
}
