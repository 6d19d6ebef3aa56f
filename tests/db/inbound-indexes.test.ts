/**
 * The two readers of InboundMessage by handling state read it through partial indexes that hold
 * only the rows they want: the sweep (unhandled messages) and the staff inbox (unknown senders).
 * A province keeps millions of handled messages from known workers; neither reader may walk them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { UNKNOWN_SENDERS_SQL } from '../../src/ledger/inbox.js';
import { UNHANDLED_INBOUND_SQL } from '../../src/queues/workers/sweep.worker.js';
import { createTestDb } from '../helpers/db.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every scan of the plan: "Seq Scan" or "Index Scan on <index>". */
function scans(node: PlanNode): string[] {
  const own = node['Node Type'].includes('Scan')
    ? [node['Index Name'] ? `${node['Node Type']} on ${node['Index Name']}` : node['Node Type']]
    : [];
  return [...own, ...(node.Plans ?? []).flatMap(scans)];
}

describe('InboundMessage partial indexes', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb('postgres');
    // 20,000 handled messages of known senders (a family contact id needs no row here), 40 of
    // unknown senders over the last days, and 30 waiting, 15 s to 5 min 5 s.
    await db.pool.query(
      `INSERT INTO "InboundMessage" (channel, "providerId", "fromAddress", text, "familyContactId", "receivedAt", "handledAt")
       SELECT 'SMS', 'known-' || g, '+861390000' || lpad((g % 5000)::text, 4, '0'), '1', 1 + g % 5000,
              now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
         FROM generate_series(1, 20000) g`,
    );
    await db.pool.query(
      `INSERT INTO "InboundMessage" (channel, "providerId", "fromAddress", text, "receivedAt", "handledAt")
       SELECT 'SMS', 'unknown-' || g, '+861370000' || lpad((g % 10)::text, 4, '0'), '你好', now() - (g || ' hours')::interval,
              now() - (g || ' hours')::interval
         FROM generate_series(1, 40) g`,
    );
    await db.pool.query(
      `INSERT INTO "InboundMessage" (channel, "providerId", "fromAddress", text, "receivedAt")
       SELECT 'SMS', 'waiting-' || g, '+861360000' || lpad(g::text, 4, '0'), '状态', now() - (g * 10 + 5 || ' seconds')::interval
         FROM generate_series(1, 30) g`,
    );
    await db.pool.query('ANALYZE "InboundMessage"');
  });
  afterAll(async () => {
    await db.close();
  });

  async function plan(sql: string, params: unknown[]): Promise<string[]> {
    const r = await db.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    return scans((r.rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan);
  }

  it('the sweep reads the unhandled messages alone, oldest first', async () => {
    expect(await plan(UNHANDLED_INBOUND_SQL, ['1 minute', 5000])).toEqual(['Index Scan on InboundMessage_unhandled_idx']);
    const due = await db.pool.query<{ id: string }>(UNHANDLED_INBOUND_SQL, ['1 minute', 5000]);
    // Waiting for more than a minute: those received 65 s to 5 min 5 s ago, in the order they came.
    expect(due.rows.length).toBe(25);
    const ids = due.rows.map((r) => BigInt(r.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('the inbox reads the unknown senders’ messages alone, and a message handled later joins them', async () => {
    const params = [7, null, null, 50];
    expect(await plan(UNKNOWN_SENDERS_SQL, params)).toEqual(['Index Scan on InboundMessage_unknown_sender_idx']);
    const before = await db.pool.query<{ messages: number }>(UNKNOWN_SENDERS_SQL, params);
    expect(before.rows.length).toBe(10);
    expect(before.rows.reduce((n, r) => n + r.messages, 0)).toBe(40);

    // A waiting message from a new number, handled without finding its sender.
    await db.pool.query(`UPDATE "InboundMessage" SET "handledAt" = now() WHERE "providerId" = 'waiting-1'`);
    const after = await db.pool.query<{ messages: number }>(UNKNOWN_SENDERS_SQL, params);
    expect(after.rows.length).toBe(11);
    expect((await db.pool.query(UNHANDLED_INBOUND_SQL, ['0 seconds', 5000])).rows.length).toBe(29);
  });
});
