/**
 * Server-side prepared statements for the statements every conversation turn and every send
 * runs. node-postgres plans a statement without a name again at every execution, and on
 * PostgreSQL planning these (CTEs over several tables) cost about as much of the database's time
 * as running them. A named statement is planned once per connection (PostgreSQL then keeps a
 * generic plan when it is as good).
 *
 * Only on PostgreSQL: connectDb marks its pool, and every client the pool connects, as able to
 * prepare. The embedded ledger's connections share one session, where a name one connection
 * prepared would clash with the next connection's.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Sql } from './sql.js';

const mayPrepare = new WeakSet<object>();

/** Lets `prepared` name statements run on this pool and on its clients. */
export function allowPrepared(pool: pg.Pool): void {
  mayPrepare.add(pool);
  pool.on('connect', (client) => mayPrepare.add(client));
}

/** Whether statements on `sql` may be prepared (PostgreSQL's pool or one of its clients). */
export function canPrepare(sql: object): boolean {
  return mayPrepare.has(sql);
}

/** Names by statement text: the same text always gets the same name, in every connection. */
const names = new Map<string, string>();
/** Statement shapes are the code's, a few dozen; past this, something builds texts it should not name. */
const MAX_NAMES = 500;

/** The statement to run on `sql`: named (prepared once per connection) where the database allows it. */
export function prepared(sql: Sql, text: string, values: unknown[]): pg.QueryConfig {
  if (!canPrepare(sql)) return { text, values };
  let name = names.get(text);
  if (!name) {
    if (names.size >= MAX_NAMES) return { text, values };
    name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text, values };
}
