/**
 * Workers for staff: search inside your scope and read one worker's file. A worker outside the
 * scope answers 404, exactly as a worker that does not exist, so ids cannot be probed across
 * counties. Phone numbers come masked to their last 4 digits; the ID-number hash never leaves.
 */

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError, notFound } from '../../../errors.js';
import { FamilyRelation, LaborCapacity } from '../../../generated/prisma/enums.js';
import { normaliseMobile } from '../../../ledger/phone.js';
import { recordServiceContact, STAFF_SERVICE_KINDS } from '../../../ledger/service-contacts.js';
import { getWorkerFile, searchWorkers } from '../../../ledger/worker-directory.js';
import { workerMessages } from '../../../ledger/worker-messages.js';
import {
  addFamilyContact,
  recordStaffEvent,
  removeFamilyContact,
  updateFamilyContact,
  updateWorker,
  verifyEvent,
} from '../../../ledger/worker-record.js';
import { type Staff, scopeFilter, subtreeFilter } from '../../../staff/scope.js';
import { requireRegionInScope, viaOf } from '../../auth.js';
import {
  BigRowId,
  Cursor,
  EmploymentStatusEnum,
  errorResponses,
  IdParams,
  IntValue,
  Limit,
  QueryBool,
  RegionCode,
  RowId,
  RowIdParam,
} from './schemas.js';

const SearchQuery = z.object({
  name: z.string().trim().min(1).max(50).optional().describe('part of the name'),
  idLast4: z
    .string()
    .regex(/^[0-9Xx]{4}$/, 'the last 4 characters of an ID number')
    .transform((v) => v.toUpperCase())
    .optional(),
  phone: z.string().trim().min(1).max(30).optional().describe('a mainland mobile number, written in any common way'),
  regionCode: RegionCode.optional().describe('only workers of this region and below (inside your scope)'),
  status: EmploymentStatusEnum.optional(),
  stale: QueryBool.optional().describe('true: only workers whose status is older than 7 days or was never confirmed'),
  limit: Limit,
  cursor: Cursor,
});

const WorkerSummary = z.object({
  id: z.number(),
  name: z.string(),
  idLast4: z.string(),
  gender: z.string().nullable(),
  birthYear: z.number().nullable(),
  phone: z.string().nullable().describe('masked: only the last 4 digits'),
  householdId: z.number(),
  householdCode: z.string(),
  villageCode: z.string(),
  villageName: z.string(),
  currentStatus: EmploymentStatusEnum,
  statusConfirmedAt: z.date().nullable(),
  stale: z.boolean(),
});

const Event = z.object({
  id: z.string(),
  status: EmploymentStatusEnum,
  employer: z.string().nullable(),
  place: z.string().nullable(),
  industry: z.string().nullable(),
  monthlyWage: z.number().nullable(),
  insured: z.boolean().nullable(),
  reason: z.string().nullable(),
  effectiveDate: z.string().describe('YYYY-MM-DD'),
  reportedAt: z.date(),
  source: z.string().describe('WORKER, FAMILY, STAFF, IMPORT or SYSTEM'),
  channel: z.string(),
  inboundMessageId: z.string().nullable(),
  callSid: z.string().nullable(),
  familyContactId: z.number().nullable(),
  familyRelation: z.string().nullable(),
  reportedBy: z.string().nullable().describe('username of the staff member who recorded it'),
  importId: z.number().nullable(),
  jobLeadId: z.number().nullable(),
  confirmationId: z.number().nullable(),
  verifiedBy: z.string().nullable(),
  verifiedAt: z.date().nullable(),
});

const WorkerFile = z.object({
  id: z.number(),
  name: z.string(),
  idLast4: z.string(),
  gender: z.string().nullable(),
  birthYear: z.number().nullable(),
  phone: z.string().nullable().describe('masked: only the last 4 digits'),
  telegramLinked: z.boolean(),
  language: z.string(),
  needsVoice: z.boolean(),
  laborCapacity: z.string(),
  willingToWorkAway: z.boolean().nullable(),
  skills: z.array(z.string()),
  isReturnee: z.boolean(),
  countyConfirmed: z.boolean(),
  currentStatus: EmploymentStatusEnum,
  statusConfirmedAt: z.date().nullable(),
  stale: z.boolean(),
  regions: z.object({
    provinceId: z.number(),
    cityId: z.number(),
    countyId: z.number(),
    townshipId: z.number(),
    villageId: z.number(),
  }),
  village: z.object({ code: z.string(), name: z.string() }),
  household: z.object({
    id: z.number(),
    code: z.string(),
    headName: z.string().nullable(),
    category: z.string(),
    address: z.string().nullable(),
    laborCount: z.number(),
    employedCount: z.number(),
    zeroEmployment: z.boolean(),
    zeroEmploymentSince: z.date().nullable(),
  }),
  currentEvent: Event.nullable().describe('the event the current status follows from'),
  events: z.array(Event).describe('the latest events, newest effective date first, with their provenance'),
  serviceContacts: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      occurredAt: z.date(),
      channel: z.string(),
      campaignId: z.number().nullable(),
      jobLeadId: z.number().nullable(),
      staffUser: z.string().nullable(),
      note: z.string().nullable(),
    }),
  ),
  familyContacts: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      relation: z.string(),
      phone: z.string().nullable().describe('masked: only the last 4 digits'),
      verified: z.boolean(),
      verifiedAt: z.date().nullable(),
    }),
  ),
});

const Text = (max: number) => z.string().trim().min(1).max(max);

const StaffEventBody = z
  .object({
    status: EmploymentStatusEnum,
    effectiveDate: z.iso.date().describe('YYYY-MM-DD: when the change happened'),
    employer: Text(100).nullish(),
    place: Text(100).nullish(),
    industry: Text(60).nullish(),
    monthlyWage: IntValue(0, 1_000_000).nullish().describe('yuan'),
    insured: z.boolean().nullish(),
    reason: Text(300).nullish(),
    jobLeadId: RowId.nullish().describe('the job lead that placed the worker'),
    employerId: RowId.nullish().describe('the Employer record the worker joined (absorption subsidy, §14)'),
    confirmationId: RowId.nullish().describe('a CONFIRMED or APPROVED status confirmation that backs it'),
  })
  .strict();

const FamilyContactBody = z
  .object({
    name: Text(60),
    relation: z.enum(FamilyRelation),
    phone: Text(30).describe('a mainland mobile number, written in any common way'),
    language: z.enum(['zh-CN', 'en']).optional(),
    verified: z.boolean().optional().describe('you checked the number belongs to this family member'),
  })
  .strict();

const FamilyContactView = z.object({
  id: z.number(),
  name: z.string(),
  relation: z.string(),
  phone: z.string().nullable().describe('masked: only the last 4 digits'),
  language: z.string(),
  verified: z.boolean(),
  verifiedAt: z.date().nullable(),
});

const ContactParams = z.object({ id: RowIdParam, contactId: RowIdParam });

export const workerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool, prisma } = app.deps.db;
  const file = async (staff: Staff, id: number) => {
    const f = await getWorkerFile(pool, id, scopeFilter(staff));
    if (!f) throw notFound(`no worker ${id}`);
    return f;
  };

  app.get(
    '/workers',
    {
      schema: {
        tags: ['workers'],
        summary: 'Search workers of your scope',
        querystring: SearchQuery,
        response: {
          200: z.object({ items: z.array(WorkerSummary), nextCursor: z.number().nullable() }),
          ...errorResponses(400, 403),
        },
      },
    },
    async (req) => {
      const { staff } = req;
      const q = req.query;
      let phone: string | undefined;
      if (q.phone !== undefined) {
        phone = normaliseMobile(q.phone) ?? undefined;
        if (!phone) throw new DomainError(400, 'validation_error', 'querystring/phone is not a valid mainland mobile number');
      }
      const subtree =
        q.regionCode === undefined
          ? scopeFilter(staff)
          : subtreeFilter(await requireRegionInScope(pool, staff, { code: q.regionCode }));
      const items = await searchWorkers(pool, {
        subtree,
        name: q.name,
        idLast4: q.idLast4,
        phone,
        status: q.status,
        stale: q.stale,
        afterId: q.cursor,
        limit: q.limit + 1,
      });
      const more = items.length > q.limit;
      if (more) items.length = q.limit;
      return { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/workers/:id',
    {
      schema: {
        tags: ['workers'],
        summary: 'One worker: household, status with provenance, service and family contacts (404 outside your scope)',
        params: IdParams,
        response: { 200: WorkerFile, ...errorResponses(400, 404) },
      },
    },
    async (req) => file(req.staff, req.params.id),
  );

  app.patch(
    '/workers/:id',
    {
      schema: {
        tags: ['workers'],
        summary: 'Correct a worker’s record (ADMIN, OPERATOR); countyConfirmed needs a county scope or above (§3)',
        params: IdParams,
        body: z
          .object({
            phone: Text(30).nullable().describe('a mainland mobile number; null removes it'),
            language: z.enum(['zh-CN', 'en']),
            needsVoice: z.boolean().describe('cannot read: campaigns call instead of texting'),
            laborCapacity: z.enum(LaborCapacity),
            willingToWorkAway: z.boolean().nullable(),
            skills: z.array(Text(30)).max(30),
            countyConfirmed: z.boolean().describe('the county confirmed this person counts as a worker (§3)'),
            isReturnee: z.boolean(),
          })
          .partial()
          .strict(),
        response: { 200: WorkerFile.extend({ changed: z.array(z.string()) }), ...errorResponses(400, 403, 404) },
      },
    },
    async (req) => {
      const changed = await updateWorker(prisma, req.staff, req.params.id, req.body, viaOf(req));
      return { ...(await file(req.staff, req.params.id)), changed };
    },
  );

  app.post(
    '/workers/:id/events',
    {
      schema: {
        tags: ['workers'],
        summary: 'Record a status staff learned themselves (provenance STAFF and you) (ADMIN, OPERATOR)',
        params: IdParams,
        body: StaffEventBody,
        response: { 201: z.object({ eventId: z.string(), worker: WorkerFile }), ...errorResponses(400, 403, 404, 422) },
      },
    },
    async (req, reply) => {
      const eventId = await recordStaffEvent(prisma, req.staff, req.params.id, req.body, viaOf(req));
      return reply.code(201).send({ eventId: eventId.toString(), worker: await file(req.staff, req.params.id) });
    },
  );

  app.post(
    '/workers/:id/events/:eventId/verify',
    {
      schema: {
        tags: ['workers'],
        summary: 'Mark a reported status as verified by you (a call back, a visit) (ADMIN, OPERATOR)',
        params: z.object({ id: RowIdParam, eventId: BigRowId }),
        response: { 200: WorkerFile, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => {
      await verifyEvent(prisma, req.staff, req.params.id, req.params.eventId, viaOf(req));
      return file(req.staff, req.params.id);
    },
  );

  app.post(
    '/workers/:id/service-contacts',
    {
      schema: {
        tags: ['workers'],
        summary:
          'Record a service you gave the worker (§13 quotas): a call, a visit, a job referral, a training offer (ADMIN, OPERATOR)',
        params: IdParams,
        body: z
          .object({
            kind: z.enum(STAFF_SERVICE_KINDS),
            occurredAt: z.iso.datetime({ offset: true }).optional().describe('when (default now)'),
            note: Text(1000).optional(),
            jobLeadId: RowId.optional().describe('the lead referred to or offered'),
            agencyId: RowId.optional().describe('JOB_REFERRAL: the service agency that referred (referral subsidy, §14)'),
            employerId: RowId.optional().describe('JOB_REFERRAL: the Employer record referred to'),
            staffUserId: RowId.optional().describe('who gave it, when not you'),
          })
          .strict(),
        response: { 201: z.object({ id: z.string(), worker: WorkerFile }), ...errorResponses(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { occurredAt, ...rest } = req.body;
      const id = await prisma.$transaction((tx) =>
        recordServiceContact(tx, req.staff, {
          ...rest,
          workerId: req.params.id,
          occurredAt: occurredAt ? new Date(occurredAt) : undefined,
          via: viaOf(req),
        }),
      );
      return reply.code(201).send({ id: id.toString(), worker: await file(req.staff, req.params.id) });
    },
  );

  app.get(
    '/workers/:id/messages',
    {
      schema: {
        tags: ['workers'],
        summary: 'What the worker sent and was sent, on every channel, newest first, with delivery status',
        params: IdParams,
        querystring: z.object({
          limit: Limit,
          cursor: z.string().max(60).optional().describe('nextCursor of the previous page'),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                direction: z.enum(['in', 'out']),
                id: z.string(),
                at: z.date(),
                channel: z.string(),
                text: z.string(),
                kind: z.string().nullable(),
                status: z.string().nullable(),
                errorCode: z.string().nullable(),
                campaignId: z.number().nullable(),
                familyContactId: z.number().nullable(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (req) => workerMessages(prisma, req.staff, req.params.id, req.query),
  );

  app.post(
    '/workers/:id/family-contacts',
    {
      schema: {
        tags: ['workers'],
        summary: 'Register a family member who may confirm for the worker (家人代签) (ADMIN, OPERATOR)',
        params: IdParams,
        body: FamilyContactBody,
        response: { 201: FamilyContactView, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await addFamilyContact(prisma, req.staff, req.params.id, req.body, viaOf(req))),
  );

  app.patch(
    '/workers/:id/family-contacts/:contactId',
    {
      schema: {
        tags: ['workers'],
        summary: 'Change a family contact; a new number must be verified again (ADMIN, OPERATOR)',
        params: ContactParams,
        body: FamilyContactBody.partial().strict(),
        response: { 200: FamilyContactView, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => updateFamilyContact(prisma, req.staff, req.params.id, req.params.contactId, req.body, viaOf(req)),
  );

  app.delete(
    '/workers/:id/family-contacts/:contactId',
    {
      schema: {
        tags: ['workers'],
        summary: 'Remove a family contact: it no longer answers for the worker (kept for past evidence) (ADMIN, OPERATOR)',
        params: ContactParams,
        response: { 204: z.null(), ...errorResponses(400, 403, 404) },
      },
    },
    async (req, reply) => {
      await removeFamilyContact(prisma, req.staff, req.params.id, req.params.contactId, viaOf(req));
      return reply.code(204).send(null);
    },
  );
};
