/**
 * Builds what the server and the workers share, once per process: config, logger, ledger,
 * Redis, queues. Embedded PGlite and Redis are started here when DATABASE_URL / REDIS_URL are unset.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { type Db, openDb } from './db/database.js';
import { createLogger, type Logger } from './logging.js';
import { closeQueues, createQueues, type Queues } from './queues/queues.js';
import { producerConnection, type RedisTarget, workerConnection } from './redis/connections.js';
import { startEmbeddedRedis } from './redis/embedded-redis.js';
import { idHashKey } from './secrets.js';
import { createUploads, type Uploads } from './uploads.js';

export interface Container {
  config: Config;
  logger: Logger;
  db: Db;
  redisTarget: RedisTarget;
  /** Fail-fast connection shared by the queues (producers) and readiness checks. */
  redis: Redis;
  queues: Queues;
  uploads: Uploads;
  idHashKey: string;
  /** A new blocking connection for a BullMQ Worker. */
  workerConnection(): Redis;
  close(): Promise<void>;
}

export async function createContainer(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<Container> {
  const stops: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.warn({ err }, 'error while closing');
      }
    }
  };
  try {
    const db = await openDb({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      migrate: true,
      poolSize: config.DATABASE_POOL_SIZE,
    });
    stops.push(() => db.close());
    logger.info({ database: db.embedded ? 'embedded PGlite' : 'PostgreSQL' }, 'ledger ready');

    let redisTarget: RedisTarget;
    if (config.REDIS_URL) {
      redisTarget = { url: config.REDIS_URL };
    } else {
      const embedded = await startEmbeddedRedis(join(config.DATA_DIR, 'redis'));
      stops.push(() => embedded.stop());
      redisTarget = { path: embedded.path };
      logger.info('embedded redis-server started');
    }
    const redis = producerConnection(redisTarget);
    stops.push(async () => {
      redis.disconnect();
    });
    const workerConns: Redis[] = [];
    stops.push(async () => {
      for (const c of workerConns) c.disconnect();
    });
    const queues = createQueues(redis);
    stops.push(() => closeQueues(queues));
    await Promise.all(Object.values(queues).map((q) => q.waitUntilReady()));

    return {
      config,
      logger,
      db,
      redisTarget,
      redis,
      queues,
      uploads: createUploads(config.DATA_DIR),
      idHashKey: idHashKey(config),
      workerConnection() {
        const c = workerConnection(redisTarget);
        workerConns.push(c);
        return c;
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
