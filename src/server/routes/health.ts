/**
 * /healthz: the process is alive. /readyz: it can do its work (database and Redis answer,
 * migrations applied); load balancers send traffic only when it says 200.
 */
import type { FastifyPluginAsync } from 'fastify';
import { pendingMigrations } from '../../db/migrations.js';

const TIMEOUT_MS = 2000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer in ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref(),
    ),
  ]);
}

export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    const { db, redis } = app.deps;
    const checks: Record<string, string> = {};
    await Promise.all([
      within(db.pool.query('SELECT 1'), 'database')
        .then(() => within(pendingMigrations(db.pool), 'database'))
        .then((pending) => {
          checks.database = 'ok';
          checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
        })
        .catch((err: Error) => {
          checks.database = err.message;
        }),
      within(redis.ping(), 'redis')
        .then(() => {
          checks.redis = 'ok';
        })
        .catch((err: Error) => {
          checks.redis = err.message;
        }),
    ]);
    const ready = checks.database === 'ok' && checks.migrations === 'ok' && checks.redis === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
};
