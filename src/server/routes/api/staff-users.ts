/**
 * Staff users and access (ADMIN only, inside the admin's region): list, create, change role,
 * region or password, disable (every token is revoked at once); a user's API tokens; the audit log.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invalid } from '../../../errors.js';
import { listAudit } from '../../../staff/audit.js';
import { issueUserToken, listUserTokens, revokeUserToken } from '../../../staff/tokens.js';
import { createStaffUser, getStaffUser, listStaffUsers, updateStaffUser } from '../../../staff/users.js';
import { requireRole } from '../../auth.js';
import {
  BigRowId,
  errorResponses,
  IdParams,
  QueryBool,
  RegionCode,
  RegionLevelEnum,
  RowIdParam,
  StaffRoleEnum,
} from './schemas.js';

const StaffUser = z.object({
  id: z.number(),
  username: z.string(),
  name: z.string(),
  role: StaffRoleEnum,
  active: z.boolean(),
  hasPassword: z.boolean().describe('can sign in to the console'),
  region: z.object({ id: z.number(), code: z.string(), name: z.string(), level: RegionLevelEnum }),
  createdAt: z.date(),
  activeTokens: z.number(),
});

const Token = z.object({
  id: z.number(),
  name: z.string(),
  prefix: z.string(),
  state: z.enum(['active', 'revoked', 'expired']),
  createdAt: z.date(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
});

const Password = z.string().min(10).max(200).describe('at least 10 characters; for the console sign-in');
const Name = z.string().trim().min(1).max(60);

const ADMIN = requireRole('ADMIN');

export const staffUserRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.deps.db;
  const tags = ['staff users'];

  app.get(
    '/staff-users',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'Staff users of your region and below (ADMIN)',
        querystring: z.object({ regionCode: RegionCode.optional(), active: QueryBool.optional() }),
        response: { 200: z.object({ items: z.array(StaffUser) }), ...errorResponses(400, 403) },
      },
    },
    async (req) => ({ items: await listStaffUsers(prisma, req.staff, req.query) }),
  );

  app.get(
    '/staff-users/:id',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'One staff user (ADMIN)',
        params: IdParams,
        response: { 200: StaffUser, ...errorResponses(400, 403, 404) },
      },
    },
    async (req) => getStaffUser(prisma, req.staff, req.params.id),
  );

  app.post(
    '/staff-users',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'Create a staff user in your region or below (ADMIN)',
        body: z
          .object({
            username: z.string().trim().min(3).max(40).describe('letters, digits, . _ -'),
            name: Name.optional().describe('shown in the console and the audit log, e.g. 汉阴县就业局 张三'),
            role: StaffRoleEnum,
            regionCode: RegionCode,
            password: Password.optional(),
          })
          .strict(),
        response: { 201: StaffUser, ...errorResponses(400, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createStaffUser(prisma, req.staff, req.body)),
  );

  app.patch(
    '/staff-users/:id',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'Change a staff user (ADMIN); active: false disables them and revokes every token',
        params: IdParams,
        body: z
          .object({ name: Name, role: StaffRoleEnum, regionCode: RegionCode, active: z.boolean(), password: Password })
          .partial()
          .strict(),
        response: { 200: StaffUser, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => updateStaffUser(prisma, req.staff, req.params.id, req.body),
  );

  app.get(
    '/staff-users/:id/tokens',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'API tokens of a staff user (never the tokens themselves) (ADMIN)',
        params: IdParams,
        response: { 200: z.object({ items: z.array(Token) }), ...errorResponses(400, 403, 404) },
      },
    },
    async (req) => ({ items: await listUserTokens(prisma, req.staff, req.params.id) }),
  );

  app.post(
    '/staff-users/:id/tokens',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'Issue an API token for a staff user; the answer shows it once (ADMIN)',
        params: IdParams,
        body: z
          .object({ name: z.string().trim().min(1).max(100), expiresDays: z.number().int().min(1).max(3650).optional() })
          .strict(),
        response: {
          201: z.object({ id: z.number(), token: z.string(), prefix: z.string(), expiresAt: z.date().nullable() }),
          ...errorResponses(400, 403, 404, 409),
        },
      },
    },
    async (req, reply) => reply.code(201).send(await issueUserToken(prisma, req.staff, req.params.id, req.body)),
  );

  app.post(
    '/staff-users/:id/tokens/:tokenId/revoke',
    {
      preHandler: ADMIN,
      schema: {
        tags,
        summary: 'Revoke one token of a staff user (ADMIN)',
        params: z.object({ id: RowIdParam, tokenId: RowIdParam }),
        response: { 200: Token, ...errorResponses(400, 403, 404) },
      },
    },
    async (req) => revokeUserToken(prisma, req.staff, req.params.id, req.params.tokenId),
  );

  app.get(
    '/audit',
    {
      preHandler: ADMIN,
      schema: {
        tags: ['audit'],
        summary: 'Who did what in your region, newest first (ADMIN)',
        querystring: z.object({
          action: z.string().trim().min(1).max(60).optional().describe('e.g. task.close, confirmation.approve'),
          entity: z.string().trim().min(1).max(60).optional().describe('e.g. Worker, StaffTask, Confirmation'),
          entityId: z.string().trim().min(1).max(30).optional(),
          staffUserId: RowIdParam.optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: BigRowId.optional().describe('nextCursor of the previous page'),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                at: z.date(),
                action: z.string(),
                entity: z.string(),
                entityId: z.string().nullable(),
                details: z.unknown(),
                staffUser: z.object({ id: z.number(), username: z.string() }).nullable(),
                region: z.object({ code: z.string(), name: z.string() }).nullable(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          ...errorResponses(400, 403),
        },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to))
        throw invalid('querystring/from', 'must be before querystring/to');
      const rows = await listAudit(prisma, req.staff, {
        ...q,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        before: q.cursor,
        limit: q.limit + 1,
      });
      const more = rows.length > q.limit;
      if (more) rows.length = q.limit;
      return {
        items: rows.map((r) => ({ ...r, id: r.id.toString() })),
        nextCursor: more ? (rows.at(-1)?.id.toString() ?? null) : null,
      };
    },
  );
};
