/**
 * Confirmations for staff (Annex 1: 家人代签 and 本人远程确认): request one, list them, read one
 * with its evidence (the conversation, the call, recordings played back through the service),
 * and review an answer. A worker outside the caller's scope reads as 404; VIEWER cannot write.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fetchRecording } from '../../../channels/twilio/recordings.js';
import { requestConfirmation } from '../../../conversations/request-confirmation.js';
import { notFound } from '../../../errors.js';
import { ConfirmationKind, ConfirmationStatus } from '../../../generated/prisma/enums.js';
import { confirmationRecording, getConfirmation, listConfirmations, reviewConfirmation } from '../../../ledger/confirmations.js';
import { enqueueSends } from '../../../queues/queues.js';
import { viaOf } from '../../auth.js';
import { Cursor, ErrorBody, errorResponses, IdParams, Limit, RegionCode, RowId, RowIdParam } from './schemas.js';

const Person = z.object({ id: z.number(), username: z.string(), name: z.string() }).nullable();

const Summary = z.object({
  id: z.number(),
  kind: z.enum(ConfirmationKind),
  status: z.enum(ConfirmationStatus),
  statement: z.string(),
  reason: z.string().nullable().describe('the answer given with it'),
  confirmerType: z.string().nullable().describe('FAMILY (家人代签) or WORKER (本人远程确认)'),
  relation: z.string().nullable(),
  confirmerPhone: z.string().nullable().describe('the number that answered, masked'),
  channel: z.string().nullable().describe('how it was answered'),
  requestedVia: z.string().nullable().describe('SMS or VOICE'),
  verificationMethod: z.string().nullable(),
  requestedAt: z.date(),
  expiresAt: z.date().nullable(),
  respondedAt: z.date().nullable(),
  reviewedAt: z.date().nullable(),
  reviewNote: z.string().nullable(),
  worker: z.object({ id: z.number(), name: z.string(), idLast4: z.string(), villageCode: z.string(), villageName: z.string() }),
  familyContact: z
    .object({ id: z.number(), name: z.string(), relation: z.string(), phone: z.string().nullable(), verified: z.boolean() })
    .nullable(),
  requestedBy: Person,
  reviewedBy: Person,
  recordings: z.array(z.object({ sid: z.string(), duration: z.string().nullable() })).describe('play at …/recordings/{sid}'),
});

const File = Summary.extend({
  messages: z.array(
    z.object({
      direction: z.enum(['in', 'out']),
      id: z.string(),
      at: z.date(),
      channel: z.string(),
      text: z.string(),
      status: z.string().nullable(),
    }),
  ),
  callSid: z.string().nullable(),
  interrupted: z.object({ conversation: z.string(), at: z.string() }).nullable(),
  backs: z.array(z.object({ eventId: z.string(), status: z.string(), effectiveDate: z.date() })),
});

const Statement = z.string().trim().min(2).max(300);

export const confirmationRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps = app.deps;
  const { prisma } = deps.db;
  const tags = ['confirmations'];

  app.post(
    '/confirmations',
    {
      schema: {
        tags,
        summary:
          'Ask a family member (家人代签) or the worker at their own number (本人远程确认) to confirm a statement (ADMIN, OPERATOR)',
        body: z
          .object({
            workerId: RowId,
            kind: z.enum(ConfirmationKind).describe('STATUS, or TEMPORARILY_UNWILLING for the Annex 1 record'),
            statement: Statement.describe('what is to be confirmed, in plain words'),
            confirmer: z.enum(['FAMILY', 'WORKER']).default('FAMILY'),
            familyContactId: RowId.optional().describe('default: the verified contact, else the first registered'),
            channel: z.enum(['SMS', 'VOICE']).default('SMS').describe('VOICE: a recorded call, for those who cannot read'),
          })
          .strict(),
        response: { 201: File, ...errorResponses(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const id = await requestConfirmation(
        { db: deps.db, texts: deps.texts, config: deps.config, enqueue: (rows) => enqueueSends(deps.queues, rows) },
        req.staff,
        req.body,
        viaOf(req),
      );
      return reply.code(201).send(await getConfirmation(prisma, req.staff, id));
    },
  );

  app.get(
    '/confirmations',
    {
      schema: {
        tags,
        summary: 'Confirmations of workers in your scope, newest first',
        querystring: z.object({
          status: z.enum(ConfirmationStatus).optional().describe('CONFIRMED and DISPUTED wait for review'),
          kind: z.enum(ConfirmationKind).optional(),
          regionCode: RegionCode.optional(),
          workerId: RowIdParam.optional(),
          limit: Limit,
          cursor: Cursor,
        }),
        response: { 200: z.object({ items: z.array(Summary), nextCursor: z.number().nullable() }), ...errorResponses(400, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const items = await listConfirmations(prisma, req.staff, { ...q, before: q.cursor, limit: q.limit + 1 });
      const more = items.length > q.limit;
      if (more) items.length = q.limit;
      return { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/confirmations/:id',
    {
      schema: {
        tags,
        summary: 'One confirmation with its evidence: the exchange, the call, recordings',
        params: IdParams,
        response: { 200: File, ...errorResponses(400, 404) },
      },
    },
    async (req) => getConfirmation(prisma, req.staff, req.params.id),
  );

  app.post(
    '/confirmations/:id/review',
    {
      schema: {
        tags,
        summary: 'Approve or reject an answered confirmation, with a note (ADMIN, OPERATOR)',
        params: IdParams,
        body: z.object({ decision: z.enum(['approve', 'reject']), note: z.string().trim().max(500).optional() }).strict(),
        response: { 200: File, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) =>
      reviewConfirmation(prisma, req.staff, {
        confirmationId: req.params.id,
        decision: req.body.decision,
        note: req.body.note,
        via: viaOf(req),
      }),
  );

  app.get(
    '/confirmations/:id/recordings/:sid',
    {
      schema: {
        tags,
        summary: 'Play a recording of the confirmation’s call (audio, streamed from the provider with the service’s credentials)',
        params: z.object({ id: IdParams.shape.id, sid: z.string().regex(/^RE[0-9a-f]{32}$/, 'a recording sid (RE…)') }),
        response: { ...errorResponses(400, 404), 502: ErrorBody },
      },
    },
    async (req, reply) => {
      const rec = await confirmationRecording(prisma, req.staff, req.params.id, req.params.sid);
      const media = await fetchRecording(deps.providers.twilio, rec.sid).catch((err: Error) => {
        req.log.warn({ err: { message: err.message } }, 'recording fetch failed');
        return 'failed' as const;
      });
      if (media === 'failed')
        return reply
          .code(502)
          .send({ error: 'provider_error', message: 'the provider did not give the recording; try again later' });
      if (!media) throw notFound(`the provider has no recording ${rec.sid}`);
      reply.header('content-type', media.contentType).header('cache-control', 'private, max-age=3600');
      if (media.length !== null) reply.header('content-length', media.length);
      return reply.send(media.body as never);
    },
  );
};
