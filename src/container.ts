/**
 * Builds what the server and the workers share, once per process: config, logger, ledger,
 * Redis, queues. Embedded PGlite and Redis are started here when DATABASE_URL / REDIS_URL are unset.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { createProviders, type Providers } from './channels/providers.js';
import type { Config } from './config.js';
import { type Db, openDb } from './db/database.js';
import { createTexts, type Texts } from './i18n.js';
import { createInboundRecorder, type InboundRecorder } from './ledger/inbound-recorder.js';
import { createLogger, type Logger } from './logging.js';
import { createRateLimiter, type RateLimiter } from './outbound/rate-limiter.js';
import { createSendRecords, type SendRecords } from './outbound/records.js';
import { closeQueues, createQueues, enqueueInbound, type Queues } from './queues/queues.js';
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
  texts: Texts;
  providers: Providers;
  limiter: RateLimiter;
  /** Claims and outcomes of provider calls, group-committed for every send in this process. */
  sendRecords: SendRecords;
  recorder: InboundRecorder;
  /** A new blocking connection for a BullMQ Worker. */
  workerConnection(): Redis;
  close(): Promise<void>;
}

export interface ContainerOptions {
  /** This process receives webhooks (api or all): it may start the provider simulators. */
  serveWebhooks?: boolean;
  logger?: Logger;
}

export async function createContainer(config: Config, opts: ContainerOptions = {}): Promise<Container> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const stops: Array<() => Promise<void>> = [];
  // The embedded redis-server stops after everything else: nothing may still be talking to it.
  let stopRedis: (() => Promise<void>) | undefined;
  const closeAll = async () => {
    for (const stop of [...stops.reverse(), ...(stopRedis ? [stopRedis] : [])]) {
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
      stopRedis = () => embedded.stop();
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
    const queues = createQueues(redis, config.REDIS_PREFIX);
    stops.push(() => closeQueues(queues));
    await Promise.all(Object.values(queues).map((q) => q.waitUntilReady()));

    const limiterRedis = workerConnection(redisTarget);
    workerConns.push(limiterRedis);
    const providers = await createProviders(config, opts.serveWebhooks ?? true);
    stops.push(() => providers.close());
    if (providers.simulators) logger.info('no provider credentials: using the built-in Twilio and Telegram simulators');
    const recorder = createInboundRecorder({
      pool: db.pool,
      logger,
      enqueue: (ids) => enqueueInbound(queues, ids),
    });

    return {
      config,
      logger,
      db,
      redisTarget,
      redis,
      queues,
      uploads: createUploads(config.DATA_DIR),
      idHashKey: idHashKey(config),
      texts: await createTexts(),
      providers,
      limiter: createRateLimiter(limiterRedis, `${config.REDIS_PREFIX}:{ratelimit}`),
      sendRecords: createSendRecords(db.pool),
      recorder,
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
