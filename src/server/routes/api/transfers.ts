/**
 * Transfers (ADMIN only): move a household into another village, or a worker into another
 * household, when both ends lie inside the admin's region. Imports never move records across
 * regions (a row matching a record elsewhere is a row error); this is the explicit, audited way.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { transferHousehold, transferWorker } from '../../../ledger/transfers.js';
import { requireRole, viaOf } from '../../auth.js';
import { errorResponses, RegionCode, RowId } from './schemas.js';

const Place = z.object({ id: z.number(), code: z.string(), name: z.string() });
const HouseholdRef = z.object({ id: z.number(), code: z.string() });

const ADMIN = requireRole('ADMIN');

export const transferRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool } = app.deps.db;
  const tags = ['transfers'];

  app.post(
    '/transfers/households',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'Move a household and its workers into another village; both inside your region (ADMIN)',
        body: z
          .object({
            householdId: RowId.optional(),
            householdCode: z.string().trim().min(1).max(40).optional().describe('户编号, instead of householdId'),
            toRegionId: RowId.optional().describe('the destination village'),
            toRegionCode: RegionCode.optional().describe('the destination village by its 12-digit code, instead of toRegionId'),
          })
          .strict()
          .refine((b) => (b.householdId === undefined) !== (b.householdCode === undefined), {
            message: 'give householdId or householdCode, not both',
            path: ['householdId'],
          })
          .refine((b) => (b.toRegionId === undefined) !== (b.toRegionCode === undefined), {
            message: 'give toRegionId or toRegionCode, not both',
            path: ['toRegionId'],
          }),
        response: {
          200: z.object({
            household: HouseholdRef,
            from: Place,
            to: Place,
            moved: z.boolean().describe('false: it already was in that village'),
            workers: z.number().describe('workers moved with it'),
            siteCleared: z.boolean().describe('it left its county and so its resettlement site'),
          }),
          ...errorResponses(400, 403, 404),
        },
      },
    },
    async (req) => {
      const { householdId, householdCode, toRegionId, toRegionCode } = req.body;
      const to = toRegionId !== undefined ? { id: toRegionId } : { code: toRegionCode };
      return transferHousehold(pool, req.staff, { householdId, householdCode }, to, viaOf(req));
    },
  );

  app.post(
    '/transfers/workers',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'Move a worker into another household; both inside your region (ADMIN)',
        body: z.object({ workerId: RowId, toHouseholdId: RowId }).strict(),
        response: {
          200: z.object({
            worker: z.object({ id: z.number(), name: z.string() }),
            from: z.object({ household: HouseholdRef, village: Place }),
            to: z.object({ household: HouseholdRef, village: Place }),
            moved: z.boolean().describe('false: it already was in that household'),
          }),
          ...errorResponses(400, 403, 404),
        },
      },
    },
    async (req) => transferWorker(pool, req.staff, req.body.workerId, req.body.toHouseholdId, viaOf(req)),
  );
};
