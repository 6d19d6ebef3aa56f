/**
 * The ledger writes of the one send path (campaign messages and replies alike): the claim written
 * just before a provider call, and the outcome written after it. Both are group-committed: every
 * caller submits one row and waits, rows that arrive while a write is in flight go into the next
 * statement, so hundreds of sends in flight cost a few statements, never one round trip each.
 *
 * Each statement takes its rows in id order. A batch of delivery callbacks (src/ledger/
 * delivery-status.ts) also locks in id order, so the two writers cannot deadlock on each other.
 */
import type pg from 'pg';
import { createGroupCommit } from '../db/group-commit.js';
import { prepared } from '../db/prepared.js';
import { retryOnDeadlock } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import { recordOptOut } from '../ledger/opt-outs.js';

/** What became of one claimed message. */
export type SendOutcome =
  /** The provider took it. */
  | { kind: 'sent'; id: string; providerId: string; segments: number }
  /** It can never go (rejected, no address) or its outcome is lost for good (`outcome_unknown`). */
  | { kind: 'failed'; id: string; code: string }
  /** The provider surely did not take it (outage, throttling): claim released, sent later. */
  | { kind: 'released'; id: string }
  /** The provider says the recipient opted out: recorded as an opt-out, and the message failed. */
  | { kind: 'opted-out'; id: string; channel: Channel; address: string; workerId: number | null; code: string };

export interface SendRecords {
  /**
   * Claims a QUEUED message for one provider call: compare-and-set on claimedAt against the value
   * the caller read (`seen`, null when unclaimed). False when another sender got there first.
   */
  claim(id: string, seen: Date | null): Promise<boolean>;
  /** Writes an outcome; resolves once it is in the ledger. */
  record(outcome: SendOutcome): Promise<void>;
}

const byId = <T extends { id: string }>(rows: T[]) => rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));

/**
 * Claims rows by compare-and-set on claimedAt; returns the ids now claimed. Rows go in id order
 * (see the module note). Used for one batch at a time by campaign dispatch, and by the group
 * commit below for single sends.
 */
export async function claimRows(
  sql: Pick<pg.Pool, 'query'>,
  rows: Array<{ id: string; seen: Date | null }>,
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const sorted = byId([...rows]);
  const r = await retryOnDeadlock(() =>
    sql.query<{ id: string }>(
      prepared(
        sql,
        `UPDATE "OutboundMessage" m SET "claimedAt" = now(), attempts = m.attempts + 1
         FROM (SELECT * FROM unnest($1::bigint[], $2::timestamp(3)[]) AS u(id, seen) ORDER BY id) v
        WHERE m.id = v.id AND m.status = 'QUEUED' AND m."claimedAt" IS NOT DISTINCT FROM v.seen
        RETURNING m.id`,
        [sorted.map((r) => r.id), sorted.map((r) => r.seen?.toISOString() ?? null)],
      ),
    ),
  );
  return new Set(r.rows.map((x) => x.id));
}

/** Writes outcomes: one statement per kind, rows in id order. */
export async function writeOutcomes(sql: Pick<pg.Pool, 'query'>, outcomes: SendOutcome[]): Promise<void> {
  const write = (text: string, values: unknown[]) => retryOnDeadlock(() => sql.query(prepared(sql, text, values)));
  const sent = byId(outcomes.filter((o) => o.kind === 'sent'));
  const failed = outcomes.filter((o) => o.kind === 'failed');
  const released = byId(outcomes.filter((o) => o.kind === 'released'));
  for (const o of outcomes) {
    if (o.kind !== 'opted-out') continue;
    await recordOptOut(sql, { channel: o.channel, address: o.address, workerId: o.workerId, source: `provider:${o.code}` });
    failed.push({ kind: 'failed', id: o.id, code: o.code });
  }
  if (sent.length) {
    // A delivery callback that beat this write already set the provider id and a later status:
    // such a row is left alone, so SENT and DELIVERED cost one write, not two.
    await write(
      `UPDATE "OutboundMessage" m
          SET "providerId" = v.sid, segments = v.seg, "sentAt" = now(),
              status = CASE WHEN m.status = 'QUEUED' THEN 'SENT'::"MessageStatus" ELSE m.status END
         FROM (SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[]) AS u(id, sid, seg) ORDER BY id) v
        WHERE m.id = v.id AND m."providerId" IS NULL`,
      [sent.map((s) => s.id), sent.map((s) => s.providerId), sent.map((s) => s.segments)],
    );
  }
  if (failed.length) {
    byId(failed);
    await write(
      `UPDATE "OutboundMessage" m SET status = 'FAILED', "errorCode" = v.code, "failedAt" = now()
         FROM (SELECT * FROM unnest($1::bigint[], $2::text[]) AS u(id, code) ORDER BY id) v
        WHERE m.id = v.id AND m.status = 'QUEUED'`,
      [failed.map((f) => f.id), failed.map((f) => f.code)],
    );
  }
  if (released.length) {
    await write(
      `UPDATE "OutboundMessage" m SET "claimedAt" = NULL
         FROM (SELECT * FROM unnest($1::bigint[]) AS u(id) ORDER BY id) v
        WHERE m.id = v.id AND m.status = 'QUEUED'`,
      [released.map((r) => r.id)],
    );
  }
}

/** The process's claim and outcome writers, shared by every send in it. */
export function createSendRecords(pool: pg.Pool): SendRecords {
  const claims = createGroupCommit<{ id: string; seen: Date | null }, boolean>({
    flush: async (items) => {
      const won = await claimRows(pool, items);
      // The same row twice in one batch: only the first caller holds the claim.
      return items.map((i) => won.delete(i.id));
    },
    maxBatch: 500,
    maxInFlight: 2,
  });
  const outcomes = createGroupCommit<SendOutcome, void>({
    flush: async (items) => {
      await writeOutcomes(pool, items);
      return items.map(() => undefined);
    },
    maxBatch: 1000,
    maxInFlight: 2,
  });
  return {
    claim: (id, seen) => claims.submit({ id, seen }),
    record: (outcome) => outcomes.submit(outcome),
  };
}
