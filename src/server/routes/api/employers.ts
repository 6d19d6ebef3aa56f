/**
 * Key employers (§6) for staff: add, list, read, change and remove the employers a county
 * monitors monthly. Employers outside the caller's scope read as 404; every change is audited.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ContactName,
  CreditCode,
  EmployerName,
  EmployerTypeEnum,
  Mobile,
  ReportFigures,
  SurveyMonth,
  TownshipCode,
} from '../../../employers/fields.js';
import { followUpSoon } from '../../../employers/layoff-follow-up.js';
import { addEmployer, employerInScope, listEmployers, removeEmployer, updateEmployer } from '../../../employers/registry.js';
import { surveyMonthAt } from '../../../employers/survey-calendar.js';
import { REOPEN_MAX_DAYS, reopenMonth } from '../../../employers/survey-lock.js';
import { employerSeries, surveyReport } from '../../../employers/survey-report.js';
import { enterReport, reportRevisions } from '../../../employers/survey-reports.js';
import { enqueueSends } from '../../../queues/queues.js';
import { assertInScope, requireRole, viaOf } from '../../auth.js';
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

const ReportBody = ReportFigures.and(z.object({ month: SurveyMonth.describe('the month reported (figures at its end)') }));

const Submitted = z.object({
  id: z.number(),
  revision: z.number().describe('1 for the month’s first report; a later one corrects it (all are kept)'),
  discrepancies: z.array(z.string()).describe('checks the figures failed, explained in `explanation`'),
  previousHeadcount: z.number().nullable(),
  layoffsNamed: z.number(),
  layoffsMatched: z.number().describe('named workers found in the ledger (they get a status check-in)'),
  alertTaskId: z.number().nullable().describe('the staff task opened because the headcount fell by more than the alert share'),
});

const Revision = z.object({
  id: z.number(),
  month: z.string(),
  revision: z.number(),
  headcount: z.number(),
  povertyWorkers: z.number(),
  hires: z.number(),
  hiresPoor: z.number(),
  separationsLayoff: z.number(),
  separationsResigned: z.number(),
  separationsContract: z.number(),
  separationsSeasonal: z.number(),
  separationsPoor: z.number(),
  vacancies: z.number(),
  wageMin: z.number().nullable(),
  wageMax: z.number().nullable(),
  production: z.string(),
  discrepancies: z.array(z.string()),
  explanation: z.string().nullable(),
  source: z.enum(['EMPLOYER_LINK', 'STAFF_PHONE']).describe('the employer’s own link, or staff who took it by phone'),
  channel: z.string().nullable().describe('a staff entry: CONSOLE, API or CLI'),
  reportedAt: z.date(),
  enteredBy: z.object({ id: z.number(), username: z.string(), name: z.string() }).nullable(),
  layoffs: z.array(z.object({ name: z.string(), workerId: z.number().nullable(), followUp: z.string().nullable() })),
});

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

  app.get(
    '/employers/:id/reports',
    {
      schema: {
        tags: ['employers'],
        summary: 'An employer’s monthly reports, every revision (newest first)',
        params: IdParams,
        querystring: z.object({ month: SurveyMonth.optional(), limit: Limit }),
        response: { 200: z.object({ items: z.array(Revision) }), ...errorResponses(400, 404) },
      },
    },
    async (req) => {
      await employerInScope(prisma, req.staff, req.params.id);
      return { items: await reportRevisions(prisma, req.params.id, req.query) };
    },
  );

  app.post(
    '/employers/:id/reports',
    {
      preHandler: WRITE,
      schema: {
        tags: ['employers'],
        summary: 'Enter a monthly report taken by phone (ADMIN, OPERATOR): a new revision of the month',
        description:
          'Figures that do not add up (last month + hires − separations ≠ headcount, a poor-household figure above its total) need an `explanation` (422 explanation_needed without one). A locked month is 409 until an ADMIN reopens it.',
        params: IdParams,
        body: ReportBody,
        response: { 201: Submitted, ...errorResponses(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const { month, ...figures } = req.body;
      const r = await enterReport(app.deps.db, req.staff, {
        employerId: req.params.id,
        month,
        figures,
        channel: viaOf(req),
        dropAlertShare: app.deps.config.EMPLOYER_HEADCOUNT_DROP_ALERT,
      });
      if (r.layoffsNamed > 0) await followUpSoon(app.deps.queues);
      return reply.code(201).send(r);
    },
  );

  app.post(
    '/employers/survey/reopen',
    {
      preHandler: requireRole('ADMIN'),
      schema: {
        tags: ['employers'],
        summary:
          'Reopen a locked survey month for a county (ADMIN): reports are taken again, unreported employers get a new link',
        body: z
          .object({
            month: SurveyMonth,
            regionCode: RegionCode.optional().describe('the county (default: yours, when your scope is one county)'),
            days: z.number().int().min(1).max(REOPEN_MAX_DAYS).optional().describe('how long it stays open (default 7)'),
          })
          .strict(),
        response: {
          200: z.object({
            county: z.object({ id: z.number(), code: z.string(), name: z.string() }),
            month: z.string(),
            reopenedUntil: z.date(),
            reopenings: z.number(),
            linksSent: z.number(),
          }),
          ...errorResponses(400, 403, 409),
        },
      },
    },
    async (req) =>
      reopenMonth({ ...app.deps, enqueue: (rows) => enqueueSends(app.deps.queues, rows) }, req.staff, {
        month: req.body.month,
        countyCode: req.body.regionCode,
        days: req.body.days,
        channel: viaOf(req),
      }),
  );

  app.get(
    '/employers/survey',
    {
      schema: {
        tags: ['employers'],
        summary:
          'The month’s headcount survey: reporting rate per county and township, who has not reported, headcount-drop alerts',
        querystring: z.object({
          month: SurveyMonth.optional().describe('default: the month being collected now (last month)'),
          regionCode: RegionCode.optional().describe('a region inside your scope (default: your scope)'),
        }),
        response: {
          200: z.object({
            month: z.string(),
            lockAt: z.date().describe('reports are due before this (the 20th of the month after, China time)'),
            rows: z.array(
              z.object({
                code: z.string(),
                name: z.string(),
                level: z.enum(['COUNTY', 'TOWNSHIP']),
                employers: z.number().describe('monitored during the month'),
                reported: z.number().describe('of them, reported the month (any revision)'),
                rate: z.number().nullable().describe('reported / employers'),
              }),
            ),
            unreported: z.array(
              z.object({
                id: z.number(),
                name: z.string(),
                township: z.string(),
                contactName: z.string().nullable(),
                phone: z.string().nullable(),
                late: z.boolean().describe('past the due date'),
              }),
            ),
            alerts: z.array(
              z.object({
                taskId: z.number(),
                employerId: z.number(),
                employer: z.string(),
                previous: z.number(),
                headcount: z.number(),
                fallPercent: z.number(),
                status: z.string(),
              }),
            ),
          }),
          ...errorResponses(400, 403),
        },
      },
    },
    async (req) => {
      const regionCode = req.query.regionCode ?? req.staff.regionCode;
      assertInScope(req.staff, regionCode);
      return surveyReport(app.deps.db.pool, { regionCode, month: req.query.month ?? surveyMonthAt(new Date()) });
    },
  );

  app.get(
    '/employers/:id/series',
    {
      schema: {
        tags: ['employers'],
        summary: 'An employer’s month-end headcount and poor-household workers over the months (latest revisions)',
        params: IdParams,
        querystring: z.object({ months: z.coerce.number().int().min(1).max(120).default(12) }),
        response: {
          200: z.object({
            items: z.array(
              z.object({ month: z.string(), headcount: z.number(), povertyWorkers: z.number(), revision: z.number() }),
            ),
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (req) => {
      await employerInScope(prisma, req.staff, req.params.id);
      return { items: await employerSeries(app.deps.db.pool, req.params.id, req.query.months) };
    },
  );
};
