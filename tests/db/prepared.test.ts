/**
 * Named statements (src/db/prepared.ts): on PostgreSQL a hot statement is prepared once per
 * connection and then executed by name; on the embedded ledger, whose connections share one
 * session, statements stay unnamed so no two connections' names clash. Either way the results are
 * the statement's, on the pool, on a client in a transaction and through Prisma's raw runner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { canPrepare, prepared } from '../../src/db/prepared.js';
import { inTransaction, sqlIn } from '../../src/db/sql.js';
import { createTestDb, DB_KINDS } from '../helpers/db.js';

const TEXT = `SELECT $1::int + 1 AS n`;

for (const kind of DB_KINDS) {
  describe(`named statements (${kind})`, () => {
    let db: Db;
    beforeAll(async () => {
      db = await createTestDb(kind);
    });
    afterAll(async () => {
      await db?.close();
    });

    it(kind === 'postgres' ? 'are prepared once per connection' : 'stay unnamed', async () => {
      expect(canPrepare(db.pool)).toBe(kind === 'postgres');
      const q = prepared(db.pool, TEXT, [1]);
      expect(q.name !== undefined).toBe(kind === 'postgres');
      // The same text always gets the same name; another text another.
      expect(prepared(db.pool, TEXT, [2]).name).toBe(q.name);
      if (q.name) expect(prepared(db.pool, `${TEXT} -- other`, [2]).name).not.toBe(q.name);

      const held = await Promise.all([db.pool.connect(), db.pool.connect()]);
      try {
        for (const [i, client] of held.entries()) {
          expect(canPrepare(client)).toBe(kind === 'postgres');
          for (const v of [i, i + 10]) {
            const r = await client.query<{ n: number }>(prepared(client, TEXT, [v]));
            expect(r.rows).toEqual([{ n: v + 1 }]);
          }
          const names = await client.query<{ name: string }>(`SELECT name FROM pg_prepared_statements`);
          expect(names.rows.map((r) => r.name)).toEqual(kind === 'postgres' ? [q.name] : []);
        }
      } finally {
        for (const c of held) c.release();
      }
    });

    it('run the same inside a transaction and through Prisma', async () => {
      const inTx = await inTransaction(db.pool, (sql) => sql.query<{ n: number }>(prepared(sql, TEXT, [41])));
      expect(inTx.rows).toEqual([{ n: 42 }]);
      const viaPrisma = await db.prisma.$transaction((tx) => {
        const sql = sqlIn(tx);
        return sql.query<{ n: number }>(prepared(sql, TEXT, [6]));
      });
      expect(viaPrisma.rows).toEqual([{ n: 7 }]);
    });
  });
}
