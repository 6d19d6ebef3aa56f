/**
 * Tasks for staff: what workers and families said that needs a person (转人工, a conversation that
 * escalated, interest in a job lead) and the zero-employment plan's follow-ups with deadlines.
 * List, read, assign, close with an outcome; a call made about it becomes a service contact.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TaskStatus } from '../../../generated/prisma/enums.js';
import { assignTask, closeTask, getTask, listTasks } from '../../../ledger/staff-tasks.js';
import { viaOf } from '../../auth.js';
import { Cursor, errorResponses, IdParams, Limit, RegionCode, RowId, RowIdParam } from './schemas.js';

const Person = z.object({ id: z.number(), username: z.string(), name: z.string() }).nullable();

const Task = z.object({
  id: z.number(),
  kind: z.string().describe('human_help, escalated_conversation, job_lead_interest, zero_employment_follow_up'),
  title: z.string(),
  status: z.enum(TaskStatus),
  details: z.unknown(),
  dueAt: z.date().nullable(),
  overdue: z.boolean().describe('open and past its deadline'),
  createdAt: z.date(),
  closedAt: z.date().nullable(),
  outcome: z.string().nullable(),
  inboundMessageId: z.string().nullable().describe('the message that raised it'),
  region: z.object({ id: z.number(), code: z.string(), name: z.string() }),
  worker: z.object({ id: z.number(), name: z.string(), phone: z.string().nullable() }).nullable(),
  household: z.object({ id: z.number(), code: z.string(), headName: z.string().nullable() }).nullable(),
  assignee: Person,
  closedBy: Person,
});

export const taskRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.deps.db;
  const tags = ['tasks'];

  app.get(
    '/tasks',
    {
      schema: {
        tags,
        summary: 'Tasks of your scope, newest first',
        querystring: z.object({
          status: z.enum(TaskStatus).optional().describe('default: all; OPEN for the work to do'),
          assigned: z.enum(['me', 'none']).optional().describe('me: assigned to you; none: unassigned'),
          kind: z.string().trim().min(1).max(60).optional(),
          regionCode: RegionCode.optional(),
          due: z
            .enum(['overdue', 'today', 'week'])
            .optional()
            .describe('open tasks past their deadline, or due within a day or a week'),
          workerId: RowIdParam.optional(),
          limit: Limit,
          cursor: Cursor,
        }),
        response: { 200: z.object({ items: z.array(Task), nextCursor: z.number().nullable() }), ...errorResponses(400, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const items = await listTasks(prisma, req.staff, { ...q, before: q.cursor, limit: q.limit + 1 });
      const more = items.length > q.limit;
      if (more) items.length = q.limit;
      return { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/tasks/:id',
    {
      schema: { tags, summary: 'One task', params: IdParams, response: { 200: Task, ...errorResponses(400, 404) } },
    },
    async (req) => getTask(prisma, req.staff, req.params.id),
  );

  app.post(
    '/tasks/:id/assign',
    {
      schema: {
        tags,
        summary: 'Give an open task to a staff user who sees its region (ADMIN, OPERATOR); assigneeId null takes it back',
        params: IdParams,
        body: z
          .object({
            assigneeId: RowId.nullable().optional(),
            assignee: z.string().trim().min(1).max(40).optional().describe('a username, or "me"'),
          })
          .strict()
          .refine((b) => (b.assigneeId === undefined) !== (b.assignee === undefined), {
            message: 'give exactly one of assigneeId and assignee',
          }),
        response: { 200: Task, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => {
      const { assigneeId, assignee } = req.body;
      const target =
        assignee === 'me'
          ? { id: req.staff.userId }
          : assignee !== undefined
            ? { username: assignee }
            : assigneeId === null || assigneeId === undefined
              ? null
              : { id: assigneeId };
      return assignTask(prisma, req.staff, req.params.id, target, viaOf(req));
    },
  );

  app.post(
    '/tasks/:id/close',
    {
      schema: {
        tags,
        summary: 'Close an open task with what was done (ADMIN, OPERATOR); called: true records the call as a service',
        params: IdParams,
        body: z
          .object({
            outcome: z.string().trim().min(1).max(1000),
            status: z.enum(['DONE', 'CANCELLED']).default('DONE'),
            called: z.boolean().default(false).describe('you called the worker about it: a STAFF_CALL service contact'),
            calledAt: z.iso.datetime({ offset: true }).optional(),
            workerId: RowId.optional().describe('for a household’s task: the member called'),
          })
          .strict(),
        response: { 200: Task.extend({ serviceContactId: z.string().nullable() }), ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => {
      const b = req.body;
      return closeTask(prisma, req.staff, req.params.id, {
        ...b,
        calledAt: b.calledAt ? new Date(b.calledAt) : undefined,
        via: viaOf(req),
      });
    },
  );
};
