/**
 * The order in which the embedded ledger's socket runs what its connections send. PGlite has a
 * single session, so the socket server (pglite-socket) queues the frontend messages of every
 * connection and runs them one at a time. Its own queue (0.2.17) keeps a connection's turn only
 * while a transaction is open: outside one, the messages of two connections' extended-protocol
 * batches (Parse, Bind, Describe, Execute, Sync) interleave, so one connection binds another's
 * unnamed statement ("bind message supplies 5 parameters, but prepared statement requires 3",
 * "portal does not exist"), and a failure inside the queue left it stopped for good
 * (electric-sql/pglite#1046). This queue keeps the turn with a connection until the session is
 * ready for a query outside a transaction (ReadyForQuery with status 'I'), as a real PostgreSQL
 * backend would serve that connection alone, and goes on after any failure.
 */
import type { PGlite } from '@electric-sql/pglite';

interface Entry {
  handlerId: number;
  message: Uint8Array;
  onData(data: Uint8Array): void;
  resolve(bytes: number): void;
  reject(err: unknown): void;
}

/** The interface pglite-socket's handlers call (its QueryQueueManager). */
export interface ProtocolQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  getQueueLength(): number;
  clearQueueForHandler(handlerId: number): void;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

/** ReadyForQuery: 'Z', length 5, then the transaction status ('I' idle, 'T' in a block, 'E' failed block). */
const READY_FOR_QUERY = 0x5a;
const IDLE = 0x49;

export function createProtocolQueue(db: PGlite): ProtocolQueue {
  let queue: Entry[] = [];
  let processing = false;
  /** The connection whose batch or transaction is under way: only its messages run. */
  let owner: number | null = null;

  async function run(entry: Entry): Promise<void> {
    // The last 6 bytes of the answer tell whether the session is idle again.
    let tail = new Uint8Array(0);
    let bytes = 0;
    try {
      await db.runExclusive(() =>
        db.execProtocolRawStream(entry.message, {
          onRawData: (data: Uint8Array) => {
            bytes += data.length;
            const joined = new Uint8Array(tail.length + data.length);
            joined.set(tail);
            joined.set(data, tail.length);
            tail = joined.slice(-6);
            entry.onData(data);
          },
        }),
      );
      const ready = tail.length === 6 && tail[0] === READY_FOR_QUERY && tail[4] === 5;
      owner = ready && tail[5] === IDLE && !db.isInTransaction() ? null : entry.handlerId;
      entry.resolve(bytes);
    } catch (err) {
      owner = db.isInTransaction() ? entry.handlerId : null;
      entry.reject(err);
    }
  }

  async function drain(): Promise<void> {
    if (processing) return;
    processing = true;
    try {
      while (queue.length > 0) {
        const at = owner === null ? 0 : queue.findIndex((e) => e.handlerId === owner);
        // The owner's next message has not arrived yet: the others wait for it.
        if (at === -1) break;
        const [entry] = queue.splice(at, 1);
        await run(entry!);
      }
    } finally {
      processing = false;
    }
  }

  return {
    enqueue(handlerId, message, onData) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ handlerId, message, onData, resolve, reject });
        void drain();
      });
    },
    getQueueLength: () => queue.length,
    clearQueueForHandler(handlerId) {
      const gone = queue.filter((e) => e.handlerId === handlerId);
      queue = queue.filter((e) => e.handlerId !== handlerId);
      for (const e of gone) e.reject(new Error('connection closed'));
    },
    async clearTransactionIfNeeded(handlerId) {
      if (owner !== handlerId) return;
      // The connection went away mid-batch or mid-transaction: end what it left open, then let the others in.
      if (db.isInTransaction()) await db.runExclusive(() => db.exec('ROLLBACK'));
      owner = null;
      await drain();
    },
  };
}
