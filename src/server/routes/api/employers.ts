/**
 * Key employers (§6) for staff: add, list, read, change and remove the employers a county
 * monitors monthly. Employers outside the caller's scope read as 404; every change is audited.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ContactName, CreditCode, EmployerName, EmployerTypeEnum, Mobile, TownshipCode } from '../../../employers/fields.js';
import { addEmployer, employerInScope, listEmployers, removeEmployer, updateEmployer } from '../../../employers/registry.js';
import { requireRole, viaOf } from '../../auth.js';
import { errorResponses, IdParams, Limit, QueryBool, RegionCode } from './schemas.js';

const Fields = {
  name: EmployerName,
  creditCode: CreditCode.describe('统一社会信用代码: 18 characters, checked with its check character'),
  type: EmployerTypeEnum.describe(
    'COMMUNITY_FACTORY 社区工厂, POVERTY_WORKSHOP 就业扶贫车间, EMPLOYMENT_BASE 就业扶贫基地 (减员较大的), EXPORT_FIRM 外贸型企业, OTHER',
  ),
  townshipCode: TownshipCode.describe('the township the employer is in (inside your scope)'),
  contactName: ContactName.nullable().optional(),
  phone: Mobile.nullable().optional().describe('the contact person’s mobile: the monthly survey link goes there'),
};

const CreateBody = z.object(Fields).strict();
const UpdateBody = z.object(Fields).partial().strict();

export const EmployerBody = z.object({
  id: z.number(),
  name: z.string(),
  creditCode: z.string().nullable(),
  type: z.string().nullable().describe('a key employer has one of the kinds above'),
  township: z.object({ id: z.number(), code: z.string(), name: z.string() }),
  contactName: z.string().nullable(),
  phone: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  removedAt: z.date().nullable().describe('no longer monitored (its reports stay)'),
});

const ListQuery = z.object({
  regionCode: RegionCode.optional().describe('only employers of this region and below (inside your scope)'),
  type: EmployerTypeEnum.optional(),
  search: z.string().trim().min(1).max(100).optional().describe('part of the name, or the start of the credit code'),
  removed: QueryBool.optional().describe('true: the removed employers instead'),
  limit: Limit,
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const WRITE = requireRole('ADMIN', 'OPERATOR');

export const employerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.deps.db;

  app.get(
    '/employers',
    {
      schema: {
        tags: ['employers'],
        summary: 'Key employers of your scope, by township and name',
        querystring: ListQuery,
        response: { 200: z.object({ items: z.array(EmployerBody) }), ...errorResponses(400, 403) },
      },
    },
    async (req) => ({ items: await listEmployers(prisma, req.staff, req.query) }),
  );

  app.get(
    '/employers/:id',
    {
      schema: {
        tags: ['employers'],
        summary: 'One key employer of your scope',
        params: IdParams,
        response: { 200: EmployerBody, ...errorResponses(400, 404) },
      },
    },
    async (req) => employerInScope(prisma, req.staff, req.params.id),
  );

  app.post(
    '/employers',
    {
      preHandler: WRITE,
      schema: {
        tags: ['employers'],
        summary: 'Add a key employer to a township of your scope (ADMIN, OPERATOR)',
        body: CreateBody,
        response: { 201: EmployerBody, ...errorResponses(400, 403, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const e = await addEmployer(
        prisma,
        req.staff,
        { ...b, contactName: b.contactName ?? null, phone: b.phone ?? null },
        viaOf(req),
      );
      return reply.code(201).send(e);
    },
  );

  app.patch(
    '/employers/:id',
    {
      preHandler: WRITE,
      schema: {
        tags: ['employers'],
        summary: 'Change a key employer of your scope (ADMIN, OPERATOR)',
        params: IdParams,
        body: UpdateBody,
        response: { 200: EmployerBody, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => updateEmployer(prisma, req.staff, req.params.id, req.body, viaOf(req)),
  );

  app.delete(
    '/employers/:id',
    {
      preHandler: WRITE,
      schema: {
        tags: ['employers'],
        summary: 'Stop monitoring a key employer; its reports stay (ADMIN, OPERATOR)',
        params: IdParams,
        response: { 200: EmployerBody, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => removeEmployer(prisma, req.staff, req.params.id, viaOf(req)),
  );
};
