/**
 * Redis connections as BullMQ's production guide describes: workers block and must retry forever
 * (maxRetriesPerRequest: null); producers on the request path fail fast instead of hanging a
 * webhook when Redis is away. Reconnects back off up to 2 s.
 */
import { Redis, type RedisOptions } from 'ioredis';

export type RedisTarget = { url: string } | { path: string };

const base: RedisOptions = {
  retryStrategy: (times) => Math.min(times * 100, 2000),
  // Reconnect after READONLY (a failed-over replica) instead of erroring forever.
  reconnectOnError: (err) => err.message.startsWith('READONLY'),
};

function make(target: RedisTarget, opts: RedisOptions): Redis {
  const r = 'url' in target ? new Redis(target.url, { ...base, ...opts }) : new Redis({ ...base, ...opts, path: target.path });
  // Connection errors are reported by readiness checks and retried; an unhandled 'error' event would crash.
  r.on('error', () => {});
  return r;
}

/** For BullMQ Workers (and QueueEvents): blocking commands, never give up. */
export function workerConnection(target: RedisTarget): Redis {
  return make(target, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** For Queues that add jobs from HTTP handlers: fail fast while Redis is down. */
export function producerConnection(target: RedisTarget): Redis {
  return make(target, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
}
