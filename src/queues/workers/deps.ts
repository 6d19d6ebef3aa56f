import type { Redis } from 'ioredis';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../logging.js';
import type { Uploads } from '../../uploads.js';

/** What worker files get: built once by the container, shared by all workers of a process. */
export interface WorkerDeps {
  db: Db;
  logger: Logger;
  idHashKey: string;
  uploads: Uploads;
  /** A new blocking connection (each BullMQ Worker needs its own). */
  connection(): Redis;
}
