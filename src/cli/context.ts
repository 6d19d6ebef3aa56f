/** What every CLI command needs: validated config and, for most, an open ledger. */
import { type Config, loadConfig } from '../config.js';
import { type Db, openDb } from '../db/database.js';

export function cliConfig(): Config {
  return loadConfig();
}

/**
 * Opens the ledger (applying pending migrations), runs `fn`, and always closes it. On embedded
 * defaults beside a running service, that is the service's own ledger, through its socket.
 */
export async function withDb<T>(fn: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = cliConfig();
  const db = await openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    migrate: true,
    poolSize: config.DATABASE_POOL_SIZE,
    shareRunning: true,
  });
  try {
    return await fn(db, config);
  } finally {
    await db.close();
  }
}
