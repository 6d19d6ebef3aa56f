/**
 * Ledger consistency (§3: 账实相符、账账相符) for staff: a region's overview (share of consistent
 * records, last run, open findings per village and rule), its findings with the rule each breaks,
 * the runs, and a check asked for now (queued on the programs worker; ADMIN or OPERATOR, audited).
 * A region outside the caller's scope answers 403; a finding or run outside it 404.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RULES } from '../../../consistency/rules.js';
import {
  consistencyOverview,
  findingInScope,
  listFindings,
  listRuns,
  runInScope,
  scopeRegion,
  startRun,
} from '../../../consistency/staff.js';
import { requireRole } from '../../auth.js';
import { Cursor, errorResponses, IdParams, Limit, RegionCode } from './schemas.js';

const RuleEnum = z.enum(RULES);
const Ref = z.object({ id: z.number(), code: z.string(), name: z.string() });
const Counts = z.record(z.string(), z.number());

const Run = z.object({
  id: z.number(),
  region: Ref,
  trigger: z.string().describe('nightly, or staff (asked for through the API, CLI or console)'),
  staffUserId: z.number().nullable(),
  status: z.enum(['queued', 'running', 'finished', 'failed']),
  queuedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  checked: z.number().describe('workers and households of the region'),
  found: z.number().describe('findings open after the run'),
  opened: z.number(),
  resolved: z.number(),
  tasksOpened: z.number(),
  byRule: Counts,
  timings: Counts.describe('milliseconds per rule and per write'),
  error: z.string().nullable(),
});

const Share = z.object({
  regionId: z.number(),
  checked: z.number(),
  consistent: z.number(),
  share: z.number().nullable().describe('consistent / checked; null before any run covered the region'),
  checkedAt: z.date().nullable(),
});

const Finding = z.object({
  id: z.number(),
  rule: RuleEnum,
  entity: z.enum(['Worker', 'Household', 'FamilyContact']),
  entityId: z.number(),
  worker: z.object({ id: z.number(), name: z.string() }).nullable(),
  household: z.object({ id: z.number(), code: z.string(), headName: z.string().nullable() }),
  village: Ref,
  details: z.record(z.string(), z.unknown()).describe('what the record says against what it should (never a phone or ID number)'),
  foundAt: z.date(),
  lastSeenAt: z.date(),
  resolvedAt: z.date().nullable(),
});

const RegionQuery = z.object({ regionCode: RegionCode.optional().describe('a region inside your scope; default your own') });

export const consistencyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool } = app.deps.db;
  const tags = ['consistency'];

  app.get(
    '/consistency',
    {
      schema: {
        tags,
        summary: 'Share of consistent records, the last run and the open findings per village and rule',
        querystring: RegionQuery,
        response: {
          200: z.object({
            region: Ref.extend({ level: z.string() }),
            share: Share,
            lastRun: Run.nullable(),
            open: z.number(),
            byRule: Counts,
            villages: z.array(z.object({ village: Ref, township: z.string().nullable(), open: z.number(), byRule: Counts })),
          }),
          ...errorResponses(400, 403),
        },
      },
    },
    async (req) => consistencyOverview(pool, await scopeRegion(pool, req.staff, req.query.regionCode)),
  );

  app.get(
    '/consistency/findings',
    {
      schema: {
        tags,
        summary: 'Findings of the region (a village code lists that village’s), newest first',
        querystring: RegionQuery.extend({
          rule: RuleEnum.optional(),
          state: z.enum(['open', 'resolved', 'all']).default('open'),
          limit: Limit,
          cursor: Cursor,
        }),
        response: { 200: z.object({ items: z.array(Finding), nextCursor: z.number().nullable() }), ...errorResponses(400, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const region = await scopeRegion(pool, req.staff, q.regionCode);
      return listFindings(pool, region, { rule: q.rule, state: q.state, before: q.cursor, limit: q.limit });
    },
  );

  app.get(
    '/consistency/findings/:id',
    { schema: { tags, summary: 'One finding', params: IdParams, response: { 200: Finding, ...errorResponses(400, 404) } } },
    async (req) => findingInScope(pool, req.staff, req.params.id),
  );

  app.get(
    '/consistency/runs',
    {
      schema: {
        tags,
        summary: 'Runs over the region, inside it or above it (the nightly province run), newest first',
        querystring: RegionQuery.extend({ limit: Limit }),
        response: { 200: z.object({ items: z.array(Run) }), ...errorResponses(400, 403) },
      },
    },
    async (req) => ({ items: await listRuns(pool, await scopeRegion(pool, req.staff, req.query.regionCode), req.query.limit) }),
  );

  app.get(
    '/consistency/runs/:id',
    { schema: { tags, summary: 'One run', params: IdParams, response: { 200: Run, ...errorResponses(400, 404) } } },
    async (req) => runInScope(pool, req.staff, req.params.id),
  );

  app.post(
    '/consistency/runs',
    {
      preHandler: requireRole('ADMIN', 'OPERATOR'),
      schema: {
        tags,
        summary: 'Check the region now (queued; poll the run): findings, village tasks and the share follow',
        body: z.object({ regionCode: RegionCode.optional().describe('a region inside your scope; default your own') }).strict(),
        response: { 202: Run, ...errorResponses(400, 403) },
      },
    },
    async (req, reply) => {
      const region = await scopeRegion(pool, req.staff, req.body.regionCode);
      return reply.code(202).send(await startRun(app.deps, req.staff, region));
    },
  );
};
