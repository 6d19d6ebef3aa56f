/**
 * The county job database (§13) for staff: create, change, expire and list job leads. A lead
 * belongs to a region inside the caller's scope (403 otherwise); leads outside the scope read
 * as 404. Every change is audited in the same transaction.
 */

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { inTransaction } from '../../../db/sql.js';
import { DomainError } from '../../../errors.js';
import {
  addJobLead,
  expireJobLeadAsStaff,
  getJobLead,
  type JobLeadPatch,
  jobLeadInScope,
  listJobLeads,
  updateJobLead,
} from '../../../ledger/job-leads.js';
import { recordAudit } from '../../../staff/audit.js';
import { codeInScope } from '../../../staff/scope.js';
import { requireRegionInScope, requireRole } from '../../auth.js';
import { Cursor, errorResponses, IdParams, Limit, RegionCode, RowId } from './schemas.js';

const Status = z.enum(['OPEN', 'FILLED', 'EXPIRED', 'CLOSED']);
const text = (max: number) => z.string().trim().min(1).max(max);

const Fields = {
  title: text(100),
  employer: text(100),
  place: text(100).describe('where the work is: city, district or site'),
  industry: text(50).nullish(),
  wageMin: z.number().int().min(0).max(1_000_000).nullish().describe('yuan per month'),
  wageMax: z.number().int().min(0).max(1_000_000).nullish().describe('yuan per month'),
  slots: z.number().int().min(1).max(100_000).optional(),
  requirements: z.string().trim().max(1000).nullish(),
  skills: z.array(text(50)).max(20).optional().describe('skills asked for; workers with one of them are matched first'),
  outOfProvince: z.boolean().optional(),
  partnerCity: text(50).nullish().describe('a Jiangsu partner city for 苏陕协作 placements, e.g. 苏州'),
  source: text(200).nullish(),
  expiresAt: z.iso.datetime({ offset: true }).nullish().describe('after this the lead reads EXPIRED and is no longer offered'),
  regionId: RowId.optional().describe('owning region (or regionCode); must be inside your scope'),
  regionCode: RegionCode.optional(),
};

const wagesInOrder = (b: { wageMin?: number | null; wageMax?: number | null }) =>
  b.wageMin == null || b.wageMax == null || b.wageMin <= b.wageMax;
const WAGE_ORDER = { message: 'wageMax must not be below wageMin', path: ['wageMax'] };

const CreateBody = z
  .object(Fields)
  .strict()
  .refine((b) => b.regionId !== undefined || b.regionCode !== undefined, {
    message: 'regionId or regionCode is required',
    path: ['regionCode'],
  })
  .refine(wagesInOrder, WAGE_ORDER);

const UpdateBody = z
  .object(Fields)
  .partial()
  .extend({ status: z.enum(['OPEN', 'FILLED', 'CLOSED']).optional().describe('use POST …/expire to expire a lead') })
  .strict()
  .refine(wagesInOrder, WAGE_ORDER);

const Lead = z.object({
  id: z.number(),
  regionId: z.number(),
  regionCode: z.string(),
  regionName: z.string(),
  title: z.string(),
  employer: z.string(),
  place: z.string(),
  industry: z.string().nullable(),
  wageMin: z.number().nullable(),
  wageMax: z.number().nullable(),
  slots: z.number(),
  requirements: z.string().nullable(),
  skills: z.array(z.string()),
  outOfProvince: z.boolean(),
  partnerCity: z.string().nullable(),
  source: z.string().nullable(),
  status: Status.describe('as it stands now: an OPEN lead past expiresAt reads EXPIRED'),
  expiresAt: z.date().nullable(),
  createdById: z.number().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  interests: z.number().describe('workers who said they are interested'),
  serviceContacts: z.number().describe('times the lead was delivered to a worker (帮扶记录)'),
});

const ListQuery = z.object({
  status: Status.optional(),
  regionCode: RegionCode.optional().describe('only leads of this region and below (inside your scope)'),
  limit: Limit,
  cursor: Cursor,
});

const LeadPage = z.object({ items: z.array(Lead), nextCursor: z.number().nullable() });

const WRITE = requireRole('ADMIN', 'OPERATOR');

const leadInScope = jobLeadInScope;

function toDate(v: string | null | undefined): Date | null | undefined {
  return v === undefined ? undefined : v === null ? null : new Date(v);
}

export const jobLeadRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool } = app.deps.db;

  app.get(
    '/job-leads',
    {
      schema: {
        tags: ['job leads'],
        summary: 'Job leads of your scope, newest first',
        querystring: ListQuery,
        response: { 200: LeadPage, ...errorResponses(400, 403) },
      },
    },
    async (req) => {
      const { staff } = req;
      const q = req.query;
      let prefix = staff.regionCode;
      if (q.regionCode !== undefined) {
        if (!codeInScope(staff, q.regionCode))
          throw new DomainError(403, 'forbidden', `region ${q.regionCode} is outside your scope`);
        prefix = q.regionCode;
      }
      const items = await listJobLeads(pool, {
        regionCodePrefix: prefix,
        status: q.status,
        beforeId: q.cursor,
        limit: q.limit + 1,
      });
      const more = items.length > q.limit;
      if (more) items.length = q.limit;
      return { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/job-leads/:id',
    {
      schema: {
        tags: ['job leads'],
        summary: 'One job lead with its interest and service-contact counts',
        params: IdParams,
        response: { 200: Lead, ...errorResponses(400, 404) },
      },
    },
    async (req) => leadInScope(pool, req.staff, req.params.id),
  );

  app.post(
    '/job-leads',
    {
      preHandler: WRITE,
      schema: {
        tags: ['job leads'],
        summary: 'Add a job lead to a region of your scope (ADMIN, OPERATOR)',
        body: CreateBody,
        response: { 201: Lead, ...errorResponses(400, 403) },
      },
    },
    async (req, reply) => {
      const { staff } = req;
      const { regionId, regionCode, expiresAt, ...fields } = req.body;
      const region = await requireRegionInScope(pool, staff, regionId !== undefined ? { id: regionId } : { code: regionCode });
      const lead = await addJobLead(pool, staff, region, { ...fields, expiresAt: toDate(expiresAt) }, req.body);
      return reply.code(201).send(lead);
    },
  );

  app.patch(
    '/job-leads/:id',
    {
      preHandler: WRITE,
      schema: {
        tags: ['job leads'],
        summary: 'Change a job lead of your scope (ADMIN, OPERATOR)',
        params: IdParams,
        body: UpdateBody,
        response: { 200: Lead, ...errorResponses(400, 403, 404) },
      },
    },
    async (req) => {
      const { staff } = req;
      const lead = await leadInScope(pool, staff, req.params.id);
      const { regionId, regionCode, expiresAt, ...fields } = req.body;
      const patch: JobLeadPatch = { ...fields, expiresAt: toDate(expiresAt) };
      if (regionId !== undefined || regionCode !== undefined) {
        const region = await requireRegionInScope(pool, staff, regionId !== undefined ? { id: regionId } : { code: regionCode });
        patch.regionId = region.id;
      }
      await inTransaction(pool, async (tx) => {
        await updateJobLead(tx, lead.id, patch);
        await recordAudit(tx, {
          staffUserId: staff.userId,
          action: 'job_lead.update',
          entity: 'JobLead',
          entityId: lead.id,
          regionId: patch.regionId ?? lead.regionId,
          details: { changes: req.body },
        });
      });
      return (await getJobLead(pool, lead.id))!;
    },
  );

  app.post(
    '/job-leads/:id/expire',
    {
      preHandler: WRITE,
      schema: {
        tags: ['job leads'],
        summary: 'Take a job lead off the job database now (ADMIN, OPERATOR)',
        params: IdParams,
        response: { 200: Lead, ...errorResponses(400, 403, 404) },
      },
    },
    async (req) => expireJobLeadAsStaff(pool, req.staff, req.params.id),
  );
};
