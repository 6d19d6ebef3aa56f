import type pg from 'pg';

/**
 * Something that runs SQL: the pool, or one client inside a transaction. Ledger functions take
 * this so a caller can run them inside its own transaction. (On embedded PGlite a transaction
 * holds the only engine, so work inside one must not wait for another pool connection.)
 */
export interface Sql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
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
