/**
 * Records inbound messages in the ledger before any work is queued, then queues one job per new
 * message. Webhooks arrive hundreds per second, so writes are grouped: while one INSERT is in
 * flight, the next requests gather into the following batch (group commit). A request waits for
 * at most one batch, and nothing waits on a timer.
 *
 * The ledger row is the durable copy: if Redis refuses the job, the row stays unhandled and the
 * inbound sweep (inbound-sweep.ts) queues it again.
 */
import type pg from 'pg';
import { createGroupCommit } from '../db/group-commit.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Logger } from '../logging.js';

/** An inbound message normalised from any provider, before it is recorded. */
export interface InboundEnvelope {
  channel: Channel;
  /** The provider's own id (MessageSid, update_id, CallSid + step): the dedup key. */
  providerId: string;
  /** E.164 number, or the Telegram chat id as a string. */
  from: string;
  text: string | null;
  /** What the provider sent, minus credentials; kept in the ledger for audit. */
  payload: Record<string, unknown>;
}

export interface RecordResult {
  id: bigint;
  /** True when this provider id was already recorded (a provider retry): nothing more is done. */
  duplicate: boolean;
}

export interface InboundRecorder {
  record(msg: InboundEnvelope): Promise<RecordResult>;
}

/** Queues processing of newly recorded messages; failures are logged, the sweep retries. */
export type EnqueueInbound = (ids: bigint[]) => Promise<void>;

export interface RecorderOptions {
  pool: pg.Pool;
  enqueue: EnqueueInbound;
  logger: Logger;
  maxBatch?: number;
  /**
   * Concurrent INSERTs (default 1). One at a time keeps ledger ids in arrival order, and a
   * person's messages are handled in id order: two in flight could number a later STOP before an
   * earlier START. Batches still grow with load, so one in flight keeps up.
   */
  maxInFlight?: number;
}

const INSERT = `
INSERT INTO "InboundMessage" (channel, "providerId", "fromAddress", text, payload)
SELECT * FROM unnest($1::"Channel"[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
ON CONFLICT (channel, "providerId") DO NOTHING
RETURNING id, channel::text AS channel, "providerId"`;

const LOOKUP = `
SELECT id, channel::text AS channel, "providerId" FROM "InboundMessage"
WHERE (channel::text, "providerId") IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

const key = (channel: string, providerId: string) => `${channel}\u0000${providerId}`;

export function createInboundRecorder(opts: RecorderOptions): InboundRecorder {
  async function flush(batch: InboundEnvelope[]): Promise<RecordResult[]> {
    // The same provider id twice in one batch: insert once, answer both.
    const unique = new Map<string, InboundEnvelope>();
    for (const m of batch) unique.set(key(m.channel, m.providerId), m);
    const rows = [...unique.values()];
    const inserted = await opts.pool.query<{ id: string; channel: string; providerId: string }>(INSERT, [
      rows.map((r) => r.channel),
      rows.map((r) => r.providerId),
      rows.map((r) => r.from),
      rows.map((r) => r.text),
      rows.map((r) => JSON.stringify(r.payload)),
    ]);
    const fresh = new Map(inserted.rows.map((r) => [key(r.channel, r.providerId), BigInt(r.id)]));
    const known = new Map<string, bigint>();
    const missing = rows.filter((r) => !fresh.has(key(r.channel, r.providerId)));
    if (missing.length) {
      const found = await opts.pool.query<{ id: string; channel: string; providerId: string }>(LOOKUP, [
        missing.map((r) => r.channel),
        missing.map((r) => r.providerId),
      ]);
      for (const r of found.rows) known.set(key(r.channel, r.providerId), BigInt(r.id));
    }
    if (fresh.size) {
      try {
        await opts.enqueue([...fresh.values()]);
      } catch (err) {
        opts.logger.warn({ err, count: fresh.size }, 'inbound recorded but not queued; the sweep will queue it');
      }
    }
    const answered = new Set<string>();
    return batch.map((m) => {
      const k = key(m.channel, m.providerId);
      const id = fresh.get(k);
      if (id !== undefined && !answered.has(k)) {
        answered.add(k);
        return { id, duplicate: false };
      }
      const existing = id ?? known.get(k);
      if (existing === undefined) throw new Error('inbound message neither inserted nor found');
      return { id: existing, duplicate: true };
    });
  }

  const group = createGroupCommit<InboundEnvelope, RecordResult>({
    flush,
    maxBatch: opts.maxBatch ?? 200,
    maxInFlight: opts.maxInFlight ?? 1,
  });
  return { record: (msg) => group.submit(msg) };
}
