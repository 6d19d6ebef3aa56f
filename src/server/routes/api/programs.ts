/**
 * The program's rules for staff (src/programs/): public-welfare posts, "temporarily unwilling to
 * work" records and their dossiers, the training-demand lists and employment rates, and the
 * zero-employment plan of a household. Everything is scoped to the caller's region: a worker,
 * household or post outside it answers 404, a region outside it 403. Writes need ADMIN or
 * OPERATOR and leave an audit entry in the same transaction.
 */
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { inTransaction, type Sql } from '../../../db/sql.js';
import { DomainError, notFound } from '../../../errors.js';
import { assignPost, endPost, extendPost, type InTransactionHook, type Post, postRoster } from '../../../programs/posts.js';
import { publishTrainingList, trainingListPublications, trainingRates } from '../../../programs/training.js';
import { recordTemporarilyUnwilling, unwillingDossier, writeDossier } from '../../../programs/unwilling.js';
import { zeroEmploymentPlanState } from '../../../programs/zero-employment-plan.js';
import { enqueueSends } from '../../../queues/queues.js';
import { CONTENT_TYPES, contentDisposition } from '../../../reports/export.js';
import { recordAudit } from '../../../staff/audit.js';
import { codeInScope, type Staff } from '../../../staff/scope.js';
import { requireRegionInScope, requireRole } from '../../auth.js';
import { errorResponses, IdParams, RegionCode, RowId } from './schemas.js';

const WRITE = requireRole('ADMIN', 'OPERATOR');
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');

const PostBody = z.object({
  id: z.number(),
  workerId: z.number(),
  postName: z.string(),
  unit: z.string().nullable(),
  regionId: z.number(),
  startDate: z.string(),
  endDate: z.string(),
  monthlySubsidy: z.number().nullable(),
  extensionApprovedById: z.number().nullable(),
  extensionApprovedAt: z.date().nullable(),
  endedAt: z.date().nullable(),
});

const Refused = z.object({
  error: z.literal('unwilling_refused'),
  message: z.string(),
  missing: z.array(z.object({ item: z.string(), message: z.string() })),
  serviceContacts: z.number(),
});

/** The worker's household and village code when the worker lies inside the caller's scope; 404 otherwise. */
async function workerInScope(sql: Sql, staff: Staff, workerId: number): Promise<{ householdId: number; countyId: number }> {
  const r = await sql.query<{ householdId: number; countyId: number; code: string }>(
    `SELECT w."householdId", w."countyId", v.code FROM "Worker" w JOIN "Region" v ON v.id = w."villageId" WHERE w.id = $1`,
    [workerId],
  );
  const w = r.rows[0];
  if (!w || !codeInScope(staff, w.code)) throw notFound(`no worker ${workerId}`);
  return w;
}

async function postInScope(sql: Sql, staff: Staff, postId: number): Promise<void> {
  const r = await sql.query<{ workerId: number }>(`SELECT "workerId" FROM "PublicWelfarePost" WHERE id = $1`, [postId]);
  if (!r.rows[0]) throw notFound(`no post ${postId}`);
  await workerInScope(sql, staff, r.rows[0].workerId).catch(() => {
    throw notFound(`no post ${postId}`);
  });
}

const audit =
  (staff: Staff, action: string, details: Record<string, unknown> = {}): InTransactionHook =>
  async (sql, post: Post) => {
    await recordAudit(sql, {
      staffUserId: staff.userId,
      action,
      entity: 'PublicWelfarePost',
      entityId: post.id,
      regionId: post.regionId,
      details: { workerId: post.workerId, startDate: post.startDate, endDate: post.endDate, ...details },
    });
  };

export const programRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool } = app.deps.db;
  const deps = app.deps;

  // ───────────── Zero-employment plan ─────────────

  app.get(
    '/programs/zero-employment/households/:id',
    {
      schema: {
        tags: ['programs'],
        summary: 'A household’s zero-employment flag and its spells with the follow-up plan (newest first)',
        params: IdParams,
        response: {
          200: z.object({
            householdId: z.number(),
            zeroEmployment: z.boolean(),
            zeroEmploymentSince: z.date().nullable(),
            spells: z.array(
              z.object({
                id: z.number(),
                enteredAt: z.date(),
                clearedAt: z.date().nullable(),
                stage: z.string(),
                nextStepAt: z.date().nullable(),
                staffTaskId: z.number().nullable(),
                history: z.array(z.unknown()),
              }),
            ),
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (req) => {
      const r = await pool.query<{ code: string }>(
        `SELECT v.code FROM "Household" h JOIN "Region" v ON v.id = h."villageId" WHERE h.id = $1`,
        [req.params.id],
      );
      if (!r.rows[0] || !codeInScope(req.staff, r.rows[0].code)) throw notFound(`no household ${req.params.id}`);
      return (await zeroEmploymentPlanState(pool, req.params.id))!;
    },
  );

  // ───────────── Public-welfare posts ─────────────

  app.post(
    '/programs/posts',
    {
      preHandler: WRITE,
      schema: {
        tags: ['programs'],
        summary: 'Assign a public-welfare post (≤6 months; ≤12 with extensionApproved, recorded as your approval)',
        body: z
          .object({
            workerId: RowId,
            postName: z.string().trim().min(1).max(100),
            unit: z.string().trim().min(1).max(100).nullish(),
            regionCode: RegionCode.optional().describe('where the post is (inside your scope); default the worker’s village'),
            startDate: Day,
            endDate: Day,
            monthlySubsidy: z.number().int().min(0).max(100_000).nullish().describe('yuan'),
            extensionApproved: z.boolean().optional().describe('you approve an end beyond 6 months (the county’s approval)'),
          })
          .strict(),
        response: { 201: PostBody, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { staff } = req;
      const b = req.body;
      await workerInScope(pool, staff, b.workerId);
      const region = b.regionCode ? await requireRegionInScope(pool, staff, { code: b.regionCode }) : undefined;
      const post = await assignPost(
        pool,
        {
          workerId: b.workerId,
          postName: b.postName,
          unit: b.unit,
          regionId: region?.id,
          startDate: b.startDate,
          endDate: b.endDate,
          monthlySubsidy: b.monthlySubsidy,
          extensionApprovedById: b.extensionApproved ? staff.userId : null,
          staffUserId: staff.userId,
          channel: 'API',
        },
        audit(staff, 'post.assign', { postName: b.postName, extensionApproved: Boolean(b.extensionApproved) }),
      );
      return reply.code(201).send(post);
    },
  );

  app.post(
    '/programs/posts/:id/extend',
    {
      preHandler: WRITE,
      schema: {
        tags: ['programs'],
        summary: 'Extend a post up to 12 months from its start, with your approval recorded',
        params: IdParams,
        body: z.object({ endDate: Day }).strict(),
        response: { 200: PostBody, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => {
      await postInScope(pool, req.staff, req.params.id);
      return extendPost(
        pool,
        { postId: req.params.id, endDate: req.body.endDate, approvedById: req.staff.userId },
        audit(req.staff, 'post.extend'),
      );
    },
  );

  app.post(
    '/programs/posts/:id/end',
    {
      preHandler: WRITE,
      schema: {
        tags: ['programs'],
        summary: 'End a post (today or an earlier last day); the worker becomes unemployed',
        params: IdParams,
        body: z.object({ lastDay: Day.optional() }).strict().optional(),
        response: { 200: PostBody, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (req) => {
      await postInScope(pool, req.staff, req.params.id);
      return endPost(
        pool,
        { postId: req.params.id, lastDay: req.body?.lastDay, staffUserId: req.staff.userId, channel: 'API' },
        audit(req.staff, 'post.end'),
      );
    },
  );

  app.get(
    '/programs/posts/roster',
    {
      schema: {
        tags: ['programs'],
        summary: 'Who held a post in a month, the days and the subsidy for them',
        querystring: z.object({ month: Month, regionCode: RegionCode.optional().describe('default: your region') }),
        response: {
          200: z.object({
            month: z.string(),
            regionCode: z.string(),
            items: z.array(
              z.object({
                postId: z.number(),
                workerId: z.number(),
                name: z.string(),
                idLast4: z.string(),
                householdCode: z.string(),
                village: z.string(),
                postName: z.string(),
                unit: z.string().nullable(),
                startDate: z.string(),
                endDate: z.string(),
                extended: z.boolean(),
                days: z.number(),
                daysInMonth: z.number(),
                monthlySubsidy: z.number().nullable(),
                subsidy: z.number().nullable(),
              }),
            ),
          }),
          ...errorResponses(400, 403),
        },
      },
    },
    async (req) => {
      const region = await requireRegionInScope(pool, req.staff, { code: req.query.regionCode ?? req.staff.regionCode });
      const items = await postRoster(pool, { regionId: region.id, month: req.query.month });
      return { month: req.query.month, regionCode: region.code, items };
    },
  );

  // ───────────── Temporarily unwilling (Annex 1) ─────────────

  app.post(
    '/programs/unwilling',
    {
      preHandler: WRITE,
      schema: {
        tags: ['programs'],
        summary: 'Record a worker as temporarily unwilling to work; 422 names every missing item',
        body: z
          .object({
            workerId: RowId,
            reason: z.string().max(500).describe('the main reason for not working'),
            confirmationId: RowId.nullish().describe('a TEMPORARILY_UNWILLING confirmation'),
          })
          .strict(),
        response: {
          201: z.object({ eventId: z.string(), serviceContacts: z.number() }),
          422: Refused,
          ...errorResponses(400, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const { staff } = req;
      const w = await workerInScope(pool, staff, req.body.workerId);
      const result = await inTransaction(pool, async (sql) => {
        const r = await recordTemporarilyUnwilling(sql, {
          workerId: req.body.workerId,
          reason: req.body.reason,
          confirmationId: req.body.confirmationId,
          staffUserId: staff.userId,
          channel: 'API',
        });
        if (r.ok) {
          await recordAudit(sql, {
            staffUserId: staff.userId,
            action: 'worker.unwilling',
            entity: 'EmploymentEvent',
            entityId: r.eventId,
            regionId: w.countyId,
            details: { workerId: req.body.workerId, confirmationId: req.body.confirmationId, serviceContacts: r.serviceContacts },
          });
        }
        return r;
      });
      if (!result.ok) {
        return reply.code(422).send({
          error: 'unwilling_refused' as const,
          message: result.missing.map((m) => m.message).join('; '),
          missing: result.missing,
          serviceContacts: result.serviceContacts,
        });
      }
      return reply.code(201).send({ eventId: result.eventId.toString(), serviceContacts: result.serviceContacts });
    },
  );

  app.get(
    '/programs/unwilling/:id/dossier',
    {
      schema: {
        tags: ['programs'],
        summary: 'The dossier of a worker’s unwilling record: JSON, or a CSV or XLSX file',
        params: IdParams.describe('the worker id'),
        querystring: z.object({ format: z.enum(['json', 'csv', 'xlsx']).default('json') }),
        response: { 200: z.record(z.string(), z.unknown()), ...errorResponses(400, 404) },
      },
    },
    async (req, reply) => {
      await workerInScope(pool, req.staff, req.params.id);
      const dossier = (await unwillingDossier(pool, req.params.id))!;
      if (req.query.format === 'json') return JSON.parse(JSON.stringify(dossier)) as Record<string, unknown>;
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await writeDossier(dossier, req.query.format, out);
      return reply
        .type(CONTENT_TYPES[req.query.format])
        .header('content-disposition', contentDisposition(`暂时无就业意愿-${req.params.id}.${req.query.format}`))
        .send(Buffer.concat(chunks) as unknown as Record<string, unknown>); // a Buffer bypasses the JSON serialiser
    },
  );

  // ───────────── Training (§15, §16) ─────────────

  const Publication = z.object({
    id: z.number(),
    countyId: z.number(),
    month: z.string(),
    rows: z.number(),
    people: z.number(),
    files: z.array(z.string()),
    pushed: z.number(),
    publishedAt: z.date(),
  });

  /** The county named (inside the scope), or the caller's own county. */
  async function county(staff: Staff, code: string | undefined) {
    const region = await requireRegionInScope(pool, staff, { code: code ?? staff.regionCode });
    if (region.level !== 'COUNTY') throw new DomainError(400, 'not_a_county', `region ${region.code} is not a county: name one`);
    return region;
  }

  app.get(
    '/programs/training/lists',
    {
      schema: {
        tags: ['programs'],
        summary: 'A county’s published training-demand lists, newest month first',
        querystring: z.object({ countyCode: RegionCode.optional() }),
        response: { 200: z.object({ items: z.array(Publication) }), ...errorResponses(400, 403) },
      },
    },
    async (req) => {
      const c = await county(req.staff, req.query.countyCode);
      return { items: await trainingListPublications(pool, c.id) };
    },
  );

  app.post(
    '/programs/training/lists/publish',
    {
      preHandler: WRITE,
      schema: {
        tags: ['programs'],
        summary: 'Publish a county’s training-demand list for a month (once; later calls return the first)',
        body: z.object({ month: Month, countyCode: RegionCode.optional() }).strict(),
        response: { 200: z.object({ published: z.boolean(), publication: Publication }), ...errorResponses(400, 403) },
      },
    },
    async (req) => {
      const c = await county(req.staff, req.body.countyCode);
      const r = await publishTrainingList(
        {
          db: deps.db,
          texts: deps.texts,
          enqueue: (rows) => enqueueSends(deps.queues, rows),
          dataDir: deps.config.DATA_DIR,
        },
        { countyId: c.id, month: req.body.month },
      );
      if (r.published) {
        await recordAudit(pool, {
          staffUserId: req.staff.userId,
          action: 'training_list.publish',
          entity: 'TrainingListPublication',
          entityId: r.publication.id,
          regionId: c.id,
          details: { month: req.body.month, rows: r.publication.rows, pushed: r.publication.pushed },
        });
      }
      return r;
    },
  );

  const RateFields = {
    trainees: z.number(),
    followedUp: z.number(),
    employed: z.number(),
    rate: z.number().nullable(),
    flagged: z.boolean().describe('below 50% employed within a month (§16)'),
  };

  app.get(
    '/programs/training/rates',
    {
      schema: {
        tags: ['programs'],
        summary: 'Employment within a month of training, per institution and course; below 50% flagged',
        querystring: z.object({ regionCode: RegionCode.optional().describe('default: your region') }),
        response: {
          200: z.object({
            institutions: z.array(z.object({ institutionId: z.number(), name: z.string(), courses: z.number(), ...RateFields })),
            courses: z.array(
              z.object({
                courseId: z.number(),
                institutionId: z.number(),
                title: z.string(),
                trade: z.string(),
                endDate: z.string(),
                pending: z.boolean(),
                ...RateFields,
              }),
            ),
          }),
          ...errorResponses(400, 403),
        },
      },
    },
    async (req) => {
      const region = await requireRegionInScope(pool, req.staff, { code: req.query.regionCode ?? req.staff.regionCode });
      return trainingRates(pool, { regionId: region.id });
    },
  );
};
