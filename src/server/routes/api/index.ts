/**
 * The staff API, registered by the app under /api/v1. Authentication comes first, so every route
 * below runs with `request.staff`; then one route plugin per resource.
 *
 * To add routes: write a `FastifyPluginAsyncZod` in this folder (zod schemas for params,
 * querystring, body and responses; see schemas.ts) and add one `await app.register(...)` line
 * at the end of the list below.
 */
import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { invalid } from '../../../errors.js';
import { nulPath } from '../../../validation.js';
import { staffAuth } from '../../auth.js';
import { agencyRoutes } from './agencies.js';
import { campaignRoutes } from './campaigns.js';
import { confirmationRoutes } from './confirmations.js';
import { consistencyRoutes } from './consistency.js';
import { employerRoutes } from './employers.js';
import { importRoutes } from './imports.js';
import { inboxRoutes } from './inbox.js';
import { jobLeadRoutes } from './job-leads.js';
import { meRoutes } from './me.js';
import { programRoutes } from './programs.js';
import { reportRoutes } from './reports.js';
import { staffUserRoutes } from './staff-users.js';
import { taskRoutes } from './tasks.js';
import { transferRoutes } from './transfers.js';
import { workerRoutes } from './workers.js';

export const apiRoutes: FastifyPluginAsync = async (app) => {
  // zod schemas validate requests and serialise responses in this scope only; other routes keep Fastify's defaults.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Every API route needs a bearer token: say so in the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }] } as typeof route.schema;
  });

  // PostgreSQL text cannot hold NUL: any string that carries one is refused here, for every route,
  // before validation, so it never reaches a query (400 naming the field).
  app.addHook('preValidation', async (req) => {
    const where = nulPath(req.params, 'params') ?? nulPath(req.query, 'querystring') ?? nulPath(req.body, 'body');
    if (where) throw invalid(where, 'must not contain NUL characters (\\u0000)');
  });

  await app.register(staffAuth);

  await app.register(meRoutes);
  await app.register(jobLeadRoutes);
  await app.register(workerRoutes);
  await app.register(importRoutes);
  await app.register(programRoutes);
  await app.register(reportRoutes);
  await app.register(campaignRoutes);
  await app.register(confirmationRoutes);
  await app.register(taskRoutes);
  await app.register(inboxRoutes);
  await app.register(staffUserRoutes);
  await app.register(transferRoutes);
  await app.register(consistencyRoutes);
  await app.register(agencyRoutes);
  await app.register(employerRoutes);
};
