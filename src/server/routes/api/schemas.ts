/**
 * Shared pieces of the API's route schemas. Routes declare zod 4 schemas for params, querystring,
 * body and every response; fastify-type-provider-zod validates requests with them, checks and
 * serialises responses with them, and turns them into the OpenAPI document at /docs.
 *
 * Why fastify-type-provider-zod (7.x) rather than z.toJSONSchema by hand: it supports zod ≥ 4.2,
 * is the type provider Fastify's docs list for zod, gives handlers typed `request.body/query/params`
 * from the same schema, and feeds @fastify/swagger through one transform — a single source for
 * validation, types, serialisation and documentation. Validation failures reach the app's one error
 * handler as Fastify validation errors ("body/title …"), like every other route's.
 */
import { z } from 'zod';
import { REGION_CODE_PATTERN } from '../../../staff/scope.js';
import { RowIdParam } from '../../../validation.js';

export const ErrorBody = z
  .object({ error: z.string().describe('machine-readable code'), message: z.string() })
  .describe('An error: validation_error, unauthorized, forbidden, not_found, …');

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422;

/** Response schemas for the error statuses a route can answer (401 for every API route). */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S | 401, typeof ErrorBody> {
  const out = { 401: ErrorBody } as Record<S | 401, typeof ErrorBody>;
  for (const s of statuses) out[s] = ErrorBody;
  return out;
}

export const RegionCode = z.string().regex(REGION_CODE_PATTERN, 'a region code of 2 to 12 digits');

export { BigRowId, IntValue, RowId, RowIdParam } from '../../../validation.js';

export const IdParams = z.object({ id: RowIdParam });

/** `nextCursor` of the previous page (an id). */
export const Cursor = RowIdParam.optional().describe('nextCursor of the previous page');

/** Page size: default 50, at most 200. */
export const Limit = z.coerce.number().int().min(1).max(200).default(50);

/** "true" / "false" in a query string (z.coerce.boolean would read "false" as true). */
export const QueryBool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const RegionLevelEnum = z.enum(['PROVINCE', 'CITY', 'COUNTY', 'TOWNSHIP', 'VILLAGE']);
export const StaffRoleEnum = z.enum(['ADMIN', 'OPERATOR', 'VIEWER']);
export const EmploymentStatusEnum = z.enum([
  'EMPLOYED_LOCAL',
  'EMPLOYED_IN_PROVINCE',
  'EMPLOYED_OUT_OF_PROVINCE',
  'EMPLOYED_JIANGSU',
  'PUBLIC_WELFARE_POST',
  'SELF_EMPLOYED',
  'UNEMPLOYED',
  'RETURNED_HOME',
  'UNABLE_TO_WORK',
  'TEMPORARILY_UNWILLING',
  'UNKNOWN',
]);
