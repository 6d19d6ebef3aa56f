/**
 * Runs the service in one of three roles: `all` (API and every worker in one process, the
 * default), `api` (HTTP only) or `worker` (queues only). Several api and worker processes can
 * share one PostgreSQL and one Redis.
 *
 * Shutdown on SIGINT/SIGTERM: stop taking requests, let running jobs finish (or hand them back
 * after a grace period), then close the database and, last, the embedded Redis (which runs in a
 * process group of its own, so Ctrl-C reaches it only through the service).
 */
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { type Config, loadConfig } from './config.js';
import { firstRunLink } from './console/session.js';
import { type Container, createContainer } from './container.js';
import { createLogger } from './logging.js';
import { startWorkers, type Workers } from './queues/workers/index.js';
import { buildApp } from './server/app.js';

export type Role = 'all' | 'api' | 'worker';

export interface Running {
  container: Container;
  app?: FastifyInstance;
  workers?: Workers;
  /** The address the API listens on, when it runs. */
  address?: string;
  /** On a ledger where nobody can sign in to the console yet: a one-time link for its first admin. */
  firstRunUrl?: string;
  stop(): Promise<void>;
}

/** Starts the given role; resolves once it is listening / consuming. */
export async function start(
  role: Role,
  config: Config = loadConfig(),
  logger = createLogger(config.LOG_LEVEL),
): Promise<Running> {
  const container = await createContainer(config, { logger, serveWebhooks: role !== 'worker' });
  let app: FastifyInstance | undefined;
  let workers: Workers | undefined;
  try {
    if (role !== 'worker') {
      app = await buildApp(container);
    }
    if (role !== 'api') {
      workers = startWorkers(container);
    }
    const address = app ? await app.listen({ port: config.PORT, host: config.HOST }) : undefined;
    logger.info({ role, address }, 'outreach service started');
    const firstRun = app ? await firstRunLink(container.db.prisma) : null;
    const firstRunUrl = firstRun ? `${address}/console/link/${firstRun}` : undefined;
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await app?.close(); // stops accepting connections, finishes in-flight requests
        await workers?.close();
        await container.close();
        logger.info('outreach service stopped');
      })();
      return stopping;
    };
    return { container, app, workers, address, firstRunUrl, stop };
  } catch (err) {
    await app?.close();
    await workers?.close();
    await container.close();
    throw err;
  }
}

/** Entry for the CLI: start, then stop cleanly on a signal. */
export async function runUntilSignal(role: Role): Promise<void> {
  const running = await start(role);
  if (running.firstRunUrl) {
    // Plain text on purpose: the newcomer who just ran `npm start` needs to see and click it.
    process.stderr.write(
      `\nStaff console: ${running.address}/console\nFirst sign-in (one-time link for the admin, valid 24 h): ${running.firstRunUrl}\n\n`,
    );
  }
  closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
    if (err) running.container.logger.error({ err }, 'stopping after an uncaught error');
    else running.container.logger.info({ signal }, 'stopping');
    await running.stop();
  });
}
