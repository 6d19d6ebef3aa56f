/**
 * Group commit: callers submit one item each and wait; items that arrive while a write is in
 * flight gather into the next batch, written with one statement. A caller waits for at most one
 * batch, and nothing waits on a timer, so a lone request is written at once and a burst of
 * thousands costs a few dozen statements. A batch starts after the event loop's current turn
 * (setImmediate), so everything submitted in one turn (webhooks read from the same poll, outcomes
 * of calls answered together) goes in the same statement instead of the first alone.
 */
export interface GroupCommit<T, R> {
  submit(item: T): Promise<R>;
}

export interface GroupCommitOptions<T, R> {
  /** Writes a batch; returns one result per item, in order. */
  flush(items: T[]): Promise<R[]>;
  maxBatch?: number;
  /** Batches written at once; keep below the pool size so other work still gets connections. */
  maxInFlight?: number;
}

interface Pending<T, R> {
  item: T;
  resolve(r: R): void;
  reject(e: unknown): void;
}

export function createGroupCommit<T, R>(opts: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const maxBatch = opts.maxBatch ?? 200;
  const maxInFlight = opts.maxInFlight ?? 3;
  let queue: Array<Pending<T, R>> = [];
  let inFlight = 0;
  let scheduled = false;

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight++;
      opts
        .flush(batch.map((p) => p.item))
        .then((results) => {
          for (const [i, p] of batch.entries()) p.resolve(results[i] as R);
        })
        .catch((err) => {
          for (const p of batch) p.reject(err);
        })
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          pump();
        });
      });
    },
  };
}
