/**
 * The Fastify app. Load order is the architecture: external plugins, then app services
 * (decorated from the container), then routes. Tests build it with a container and call inject.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { consolePlugin } from '../console/plugin.js';
import type { Container } from '../container.js';
import { DomainError } from '../errors.js';
import { apiRoutes } from './routes/api/index.js';
import { healthRoutes } from './routes/health.js';
import { telegramWebhook } from './routes/webhooks/telegram.js';
import { twilioWebhooks } from './routes/webhooks/twilio.js';

declare module 'fastify' {
  interface FastifyInstance {
    deps: Container;
  }
}

export async function buildApp(deps: Container): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Explicit timeouts: a slow client cannot hold a connection forever.
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    bodyLimit: 1_048_576,
    // Request ids for log correlation; providers' own ids are recorded on ledger rows.
    genReqId: () => crypto.randomUUID(),
  });

  app.decorate('deps', deps);

  // One error handler: 4xx keep their message (they describe the caller's mistake), 5xx are logged
  // and answered with a generic message so internals never leak.
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(status).send({ error: 'internal_error', message: 'Internal server error' });
    }
    req.log.info({ err: { message: err.message } }, 'request rejected');
    const error = err instanceof DomainError ? err.code : err.validation ? 'validation_error' : 'bad_request';
    return reply.status(status).send({ error, message: err.message });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: 'not_found', message: `No route for ${req.method} ${req.url.split('?')[0]}` }),
  );

  // The staff API's OpenAPI document (/docs/json) and viewer (/docs). Only /api routes are
  // documented: their zod schemas are turned into JSON Schema by the type provider's transform.
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'outreach staff API',
        description: 'Employment-assistance outreach: the ledger for county, township and village staff. See README, Staff API.',
        version: '1',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'otk_… API token' } } },
    },
    transform: (doc) => (doc.url.startsWith('/api/') ? jsonSchemaTransform(doc) : { schema: { hide: true }, url: doc.url }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes);
  await app.register(twilioWebhooks);
  await app.register(telegramWebhook);
  await app.register(apiRoutes, { prefix: '/api/v1' });
  // The staff console (HTML): its own cookies, CSRF, CSP and error pages, encapsulated.
  await app.register(consolePlugin, { prefix: '/console' });
  return app as unknown as FastifyInstance;
}
