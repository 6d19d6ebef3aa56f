import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { type CopyValue, type RowColumns, RowStage } from '../../src/import/copy-rows.js';
import { createTestDb, DB_KINDS } from '../helpers/db.js';

const COLUMNS: RowColumns = [
  ['n', 'int'],
  ['t', 'text'],
  ['b', 'bool'],
  ['a', 'text[]'],
  ['s', '"EmploymentStatus"'],
  ['d', 'date'],
];

// Values that COPY's text format or an array literal must escape, and NULLs in every position.
const ROWS: CopyValue[][] = [
  [1, 'plain 张三', true, ['电工', '焊工'], 'EMPLOYED_LOCAL', '2026-11-01'],
  [2, 'tab\there\nnew line\r\\ back\\slash \\N', false, ['a,b', 'quo"te', 'back\\slash', '{brace}', 'NULL', ''], null, undefined],
  [3, '', undefined, [], undefined, '2020-02-29'],
  [null, null, null, null, 'UNKNOWN', null],
];

describe.each(DB_KINDS)('staged batch rows on %s', (kind) => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb(kind);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  // COPY where the server takes it (PostgreSQL), JSON elsewhere: the statement reads the same rows.
  for (const copy of kind === 'postgres' ? [true, false] : [false]) {
    it(`reads back every value as written (${copy ? 'COPY' : 'JSON'})`, async () => {
      const client = await db.pool.connect();
      try {
        const stage = new RowStage(client, 'test_rows', COLUMNS, copy);
        await stage.prepare();
        await client.query('BEGIN');
        const batch = await stage.load(ROWS, 1);
        const res = await client.query(
          `SELECT n, t, b, a, s::text, to_char(d, 'YYYY-MM-DD') AS d FROM ${batch.source} WHERE $1::int = 1 ORDER BY n NULLS LAST`,
          [1, ...batch.params],
        );
        await client.query('COMMIT');
        expect(res.rows.map((r) => Object.values(r))).toEqual(ROWS.map((r) => r.map((v) => (v === undefined ? null : v))));
        if (copy) {
          // The staging table is emptied at commit: the next batch starts from nothing.
          expect((await client.query(`SELECT count(*)::int AS n FROM ${batch.source}`)).rows[0].n).toBe(0);
        }
        await stage.dispose();
        expect((await client.query(`SELECT to_regclass('pg_temp.test_rows') AS t`)).rows[0].t).toBeNull();
      } finally {
        client.release();
      }
    });
  }
});
