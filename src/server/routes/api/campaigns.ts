/**
 * Campaigns for staff: create, preview, launch, pause, resume, cancel, progress. A campaign
 * targets a region inside the caller's scope (403 otherwise); campaigns outside it read as 404.
 * Launch, pause, resume and cancel are audited (src/campaigns/control.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  campaignProgress,
  cancelCampaign,
  createCampaign,
  createCampaignSchema,
  getCampaign,
  launchCampaign,
  listCampaigns,
  pauseCampaign,
  previewCampaign,
  resumeCampaign,
} from '../../../campaigns/control.js';
import { requireRole } from '../../auth.js';
import { errorResponses, IdParams, Limit } from './schemas.js';

const Campaign = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.string(),
  status: z.string(),
  regionCode: z.string(),
  audience: z.unknown(),
  content: z.unknown(),
  scheduleAt: z.date().nullable(),
  cron: z.string().nullable().describe('recurrence (minute hour day month weekday), China time'),
  parentId: z.number().nullable().describe('the recurring campaign this run was started from'),
  recipients: z.number(),
  stats: z.unknown(),
  launchedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  pausedAt: z.date().nullable(),
  cancelledAt: z.date().nullable(),
  createdAt: z.date(),
});

const Preview = z.object({
  audience: z.number().describe('people the filter selects in the region'),
  optedOut: z.number(),
  capped: z.number().describe('left out by the per-day or per-week frequency cap'),
  noAddress: z.number(),
  recipients: z.number().describe('people a launch now would freeze'),
  byChannel: z.record(z.string(), z.number()),
});

const Progress = z.object({
  id: z.number(),
  status: z.string(),
  recipients: z.number(),
  queued: z.number(),
  sent: z.number(),
  delivered: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  replied: z.number(),
  percent: z.number(),
  ratePerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  launchedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  stats: z.unknown(),
});

const WRITE = requireRole('ADMIN', 'OPERATOR');

export const campaignRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps = app.deps;
  const tags = ['campaigns'];

  app.get(
    '/campaigns',
    {
      schema: {
        tags,
        summary: 'Campaigns of your scope, newest first',
        querystring: z.object({ limit: Limit }),
        response: { 200: z.object({ items: z.array(Campaign) }) },
      },
    },
    async (req) => ({ items: await listCampaigns(deps.db.pool, req.staff, req.query.limit) }),
  );

  app.post(
    '/campaigns',
    {
      preHandler: WRITE,
      schema: {
        tags,
        summary: 'Create a campaign (a draft until launched): kind, region, audience, content, schedule',
        body: createCampaignSchema,
        response: { 201: Campaign, ...errorResponses(400, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(await createCampaign(deps, req.staff, req.body)),
  );

  app.get(
    '/campaigns/:id',
    { schema: { tags, summary: 'One campaign', params: IdParams, response: { 200: Campaign, ...errorResponses(404) } } },
    async (req) => getCampaign(deps.db.pool, req.staff, req.params.id),
  );

  app.get(
    '/campaigns/:id/preview',
    {
      schema: {
        tags,
        summary: 'How many people a launch would reach now, per channel, and who is left out',
        params: IdParams,
        response: { 200: Preview, ...errorResponses(404) },
      },
    },
    async (req) => previewCampaign(deps, req.staff, req.params.id),
  );

  app.get(
    '/campaigns/:id/progress',
    {
      schema: {
        tags,
        summary: 'Queued, sent, delivered, failed, replied; percent and ETA; final statistics once completed',
        params: IdParams,
        response: { 200: Progress, ...errorResponses(404) },
      },
    },
    async (req) => campaignProgress(deps, req.staff, req.params.id),
  );

  const actions = { launch: launchCampaign, pause: pauseCampaign, resume: resumeCampaign, cancel: cancelCampaign } as const;
  for (const [name, run] of Object.entries(actions)) {
    app.post(
      `/campaigns/:id/${name}`,
      {
        preHandler: WRITE,
        schema: {
          tags,
          summary: `${name[0]!.toUpperCase()}${name.slice(1)} a campaign (ADMIN, OPERATOR; audited)`,
          params: IdParams,
          response: { 200: Campaign, ...errorResponses(403, 404, 409) },
        },
      },
      async (req) => run(deps, req.staff, req.params.id),
    );
  }
};
