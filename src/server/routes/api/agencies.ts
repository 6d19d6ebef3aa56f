/**
 * Human-resources service agencies (人力资源服务机构, §13/§14): GET /api/v1/agencies lists those the
 * caller may name on a referral (their scope and the regions above it); POST registers one in a
 * region of the caller's scope (ADMIN, OPERATOR), audited. A JOB_REFERRAL service contact names
 * one with `agencyId`; the subsidy ledger pays it per worker placed.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createAgency, listAgencies } from '../../../ledger/subsidy-parties.js';
import { errorResponses, RegionCode } from './schemas.js';

const Agency = z.object({
  id: z.number(),
  name: z.string(),
  creditCode: z.string().nullable(),
  regionCode: z.string(),
  regionName: z.string(),
  createdAt: z.date(),
});

/** 统一社会信用代码: 18 characters of digits and capital letters (no I, O, S, V, Z). */
const CreditCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, '18 digits and capital letters (a unified social credit code)');

export const agencyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.deps.db;

  app.get(
    '/agencies',
    {
      schema: {
        tags: ['subsidies'],
        summary: 'Service agencies you may name on a job referral',
        response: { 200: z.object({ items: z.array(Agency) }) },
      },
    },
    async (req) => ({ items: await listAgencies(prisma, req.staff) }),
  );

  app.post(
    '/agencies',
    {
      schema: {
        tags: ['subsidies'],
        summary: 'Register a service agency in your scope (ADMIN, OPERATOR)',
        body: z
          .object({
            name: z.string().trim().min(1).max(100),
            creditCode: CreditCode.optional(),
            regionCode: RegionCode.optional().describe('a region inside your scope (default: your own)'),
          })
          .strict(),
        response: { 201: Agency, ...errorResponses(400, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(await createAgency(prisma, req.staff, req.body)),
  );
};
