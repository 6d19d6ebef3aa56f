import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type Container, createContainer } from '../../src/container.js';
import { buildApp } from '../../src/server/app.js';
import { createPgDatabase } from '../helpers/db.js';

describe('health routes on PostgreSQL and a shared Redis', () => {
  let container: Container;
  let app: FastifyInstance;
  let drop: () => Promise<void>;
  const dataDir = mkdtempSync(join(tmpdir(), 'outreach-health-'));

  beforeAll(async () => {
    const pgdb = await createPgDatabase();
    drop = pgdb.drop;
    container = await createContainer(
      loadConfig({ DATABASE_URL: pgdb.url, REDIS_URL: 'redis://127.0.0.1:6379', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    );
    app = await buildApp(container);
  });
  afterAll(async () => {
    await app.close();
    await container.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('/healthz answers while the process lives', async () => {
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when the database is migrated and Redis answers', async () => {
    const res = await app.inject('/readyz');
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'ok' } });
    expect(res.statusCode).toBe(200);
  });

  it('/readyz is 503 and names the migration when one is not applied', async () => {
    await container.db.pool.query(`UPDATE _prisma_migrations SET rolled_back_at = now()`);
    try {
      const res = await app.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.migrations).toMatch(/^pending: \d+_init/);
    } finally {
      await container.db.pool.query(`UPDATE _prisma_migrations SET rolled_back_at = NULL`);
    }
  });

  it('unknown routes get a JSON 404', async () => {
    const res = await app.inject('/nowhere?to=13812345678');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: 'No route for GET /nowhere' });
  });

  // Last: it takes Redis away from this container.
  it('/readyz is 503 when Redis is unreachable', async () => {
    container.redis.disconnect();
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().status).toBe('not_ready');
    expect(res.json().checks.redis).not.toBe('ok');
    expect(res.json().checks.database).toBe('ok');
  });
});
