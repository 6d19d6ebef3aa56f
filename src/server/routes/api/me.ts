/** GET /api/v1/me: who the token acts as and the region it is bound to. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findRegion } from '../../../staff/scope.js';
import { errorResponses, RegionLevelEnum, StaffRoleEnum } from './schemas.js';

const Me = z.object({
  userId: z.number(),
  username: z.string(),
  name: z.string(),
  role: StaffRoleEnum,
  region: z.object({ id: z.number(), code: z.string(), name: z.string(), level: RegionLevelEnum }),
});

export const meRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/me',
    {
      schema: {
        tags: ['staff'],
        summary: 'The staff user this token acts as: role and region scope',
        response: { 200: Me, ...errorResponses() },
      },
    },
    async (req) => {
      const { staff } = req;
      const sql = app.deps.db.pool;
      const [region, user] = await Promise.all([
        findRegion(sql, { id: staff.regionId }),
        sql.query<{ name: string }>('SELECT name FROM "StaffUser" WHERE id = $1', [staff.userId]),
      ]);
      return {
        userId: staff.userId,
        username: staff.username,
        name: user.rows[0]?.name ?? staff.username,
        role: staff.role,
        region: region ?? { id: staff.regionId, code: staff.regionCode, name: '', level: staff.regionLevel },
      };
    },
  );
};
