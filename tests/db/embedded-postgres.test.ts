/**
 * The embedded ledger served over its socket to several connections at once (the service's pool
 * and a command beside it): PGlite has one session, so each connection's extended-protocol batch
 * (Parse, Bind, Execute, Sync) must run whole before another connection's starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'outreach-pglite-'));
let server: EmbeddedPostgres;
beforeAll(async () => {
  server = await startEmbeddedPostgres(dir, 8);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded PostgreSQL over its socket', () => {
  it('keeps concurrent statements and transactions of several connections apart', async () => {
    const service = new pg.Pool({ connectionString: server.url, max: 4 });
    const command = new pg.Pool({ connectionString: server.url, max: 2 });
    try {
      await service.query('CREATE TABLE w (id int PRIMARY KEY, a int, b text)');
      // A transaction (as the inbound worker's) beside single statements of other shapes (as the
      // webhook recorder's and a command's): a statement bound to another connection's fails.
      const transaction = async (pool: pg.Pool, i: number) => {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          await c.query('INSERT INTO w (id, a, b) VALUES ($1, $2, $3)', [i, i, `t${i}`]);
          await c.query('UPDATE w SET a = a + $1 WHERE id = $2', [1, i]);
          await c.query('COMMIT');
        } finally {
          c.release();
        }
      };
      const single = (pool: pg.Pool, i: number) =>
        pool
          .query<{ b: string }>('INSERT INTO w (id, a, b) VALUES ($1, $2, $3) RETURNING b', [i, i, `s${i}`])
          .then((r) => expect(r.rows[0]!.b).toBe(`s${i}`));
      const results = await Promise.allSettled(
        Array.from({ length: 150 }, (_, i) => (i % 2 ? transaction(service, i) : single(i % 3 ? service : command, i))),
      );
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      const rows = await service.query<{ n: number; t: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE b LIKE 't%' AND a = id + 1)::int AS t FROM w`,
      );
      expect(rows.rows[0]).toEqual({ n: 150, t: 75 });
    } finally {
      await service.end();
      await command.end();
    }
  });

  it('keeps a transaction to its connection, and goes on after a failed statement', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 4 });
    try {
      await pool.query('CREATE TABLE t (n int PRIMARY KEY)');
      const tx = await pool.connect();
      await tx.query('BEGIN');
      await tx.query('INSERT INTO t VALUES ($1)', [1]);
      const outside = pool.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
      await expect(tx.query('INSERT INTO t VALUES ($1)', [1])).rejects.toThrow(/duplicate key/);
      await tx.query('ROLLBACK');
      tx.release();
      expect((await outside).rows[0]!.n).toBe(0);
      expect((await pool.query<{ n: number }>('SELECT $1::int AS n', [7])).rows[0]!.n).toBe(7);
    } finally {
      await pool.end();
    }
  });
});
