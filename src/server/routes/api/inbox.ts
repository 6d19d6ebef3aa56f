/**
 * The inbox: senders the ledger does not know (any staff user reads it, numbers masked); register
 * one to a worker of your scope or as a worker's family contact (ADMIN, OPERATOR).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { registerSender } from '../../../conversations/register-sender.js';
import { FamilyRelation } from '../../../generated/prisma/enums.js';
import { listInbox } from '../../../ledger/inbox.js';
import { enqueueSends } from '../../../queues/queues.js';
import { viaOf } from '../../auth.js';
import { BigRowId, errorResponses, RowId } from './schemas.js';

const Entry = z.object({
  id: z.string().describe('the sender’s latest message: register with it'),
  channel: z.string(),
  from: z.string().describe('masked'),
  messages: z.number(),
  firstAt: z.date(),
  lastAt: z.date(),
  texts: z.array(z.string()).describe('the latest texts, newest first'),
});

export const inboxRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps = app.deps;
  const tags = ['inbox'];

  app.get(
    '/inbox',
    {
      schema: {
        tags,
        summary: 'Messages from numbers and chats not in the ledger, one entry per sender, most recent first',
        querystring: z.object({
          days: z.coerce.number().int().min(1).max(90).default(7),
          channel: z.enum(['SMS', 'VOICE', 'TELEGRAM']).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: BigRowId.optional().describe('nextCursor of the previous page'),
        }),
        response: { 200: z.object({ items: z.array(Entry), nextCursor: z.string().nullable() }), ...errorResponses(400) },
      },
    },
    async (req) => {
      const q = req.query;
      const items = await listInbox(deps.db.pool, { ...q, before: q.cursor, limit: q.limit + 1 });
      const more = items.length > q.limit;
      if (more) items.length = q.limit;
      return { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.post(
    '/inbox/:id/register',
    {
      schema: {
        tags,
        summary:
          'Register the sender of an inbox message to a worker of your scope, or as their family contact (ADMIN, OPERATOR)',
        params: z.object({ id: BigRowId }),
        body: z.discriminatedUnion('as', [
          z
            .object({
              as: z.literal('worker'),
              workerId: RowId,
              replace: z.boolean().default(false).describe('replace the number or chat the worker has on file'),
            })
            .strict(),
          z
            .object({
              as: z.literal('family'),
              workerId: RowId,
              name: z.string().trim().min(1).max(60),
              relation: z.enum(FamilyRelation),
              verified: z.boolean().default(false).describe('you checked the number belongs to this family member'),
            })
            .strict(),
        ]),
        response: {
          200: z.object({
            channel: z.string(),
            workerId: z.number(),
            familyContactId: z.number().nullable(),
            messages: z.number().describe('earlier messages now shown on the worker or contact'),
            greeted: z.boolean().describe('a registered worker was sent the menu'),
          }),
          ...errorResponses(400, 403, 404, 409),
        },
      },
    },
    async (req) => {
      const { language: _language, ...done } = await registerSender(
        { db: deps.db, texts: deps.texts, enqueue: (rows) => enqueueSends(deps.queues, rows) },
        req.staff,
        req.params.id,
        req.body,
        viaOf(req),
      );
      return done;
    },
  );
};
