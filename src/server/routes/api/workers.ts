/**
 * Workers for staff: search inside your scope and read one worker's file. A worker outside the
 * scope answers 404, exactly as a worker that does not exist, so ids cannot be probed across
 * counties. Phone numbers come masked to their last 4 digits; the ID-number hash never leaves.
 */

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError, notFound } from '../../../errors.js';
import { normaliseMobile } from '../../../ledger/phone.js';
import { getWorkerFile, searchWorkers } from '../../../ledger/worker-directory.js';
import { scopeFilter, subtreeFilter } from '../../../staff/scope.js';
import { requireRegionInScope } from '../../auth.js';
import { Cursor, EmploymentStatusEnum, errorResponses, IdParams, Limit, QueryBool, RegionCode } from './schemas.js';

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

export const workerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool } = app.deps.db;

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
    async (req) => {
      const file = await getWorkerFile(pool, req.params.id, scopeFilter(req.staff));
      if (!file) throw notFound(`no worker ${req.params.id}`);
      return file;
    },
  );
};
