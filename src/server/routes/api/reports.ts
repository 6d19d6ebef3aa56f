/**
 * Program reports over HTTP: GET /api/v1/reports lists them; GET /api/v1/reports/:name answers
 * JSON (a summary document, or a page of a list with `next`), or with ?format=csv|xlsx a file
 * download (Content-Disposition with the file name; lists stream from the ledger in batches).
 *
 * The scope is the caller's region (request.staff); ?region=CODE narrows it to a region inside
 * that scope, and a region outside it answers 403. Any staff role may read reports.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../../errors.js';
import { reportDownload } from '../../../reports/download.js';
import { findReport, listReports, REPORT_NAMES } from '../../../reports/index.js';
import { GROUP_BYS, type ResolvedScope, resolveScope, resolveScopeWithin } from '../../../reports/scope.js';
import { loadSubsidyRules } from '../../../reports/subsidy-rules.js';
import { errorResponses, RegionCode } from './schemas.js';

const ReportQuery = z.object({
  region: RegionCode.optional().describe('a region inside your scope (default: your whole scope)'),
  format: z.enum(['json', 'csv', 'xlsx']).default('json').describe('csv and xlsx answer a file download'),
  by: z
    .enum(GROUP_BYS as [string, ...string[]])
    .optional()
    .describe('group level of a summary (default: one below the region)'),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM')
    .optional()
    .describe('China month: zero-employment-monthly, national-export, subsidies, subsidy-lines'),
  headers: z.enum(['zh-CN', 'en']).default('zh-CN').describe('header row language of CSV and XLSX'),
  after: z.string().max(40).optional().describe('JSON pages of a list: `next` of the previous page'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('JSON pages of a list: rows per page'),
});

const ReportName = z.object({ name: z.enum(REPORT_NAMES as [string, ...string[]]) });

const Scope = z.object({ regionId: z.number(), level: z.string(), code: z.string(), name: z.string() });
const SummaryBody = z
  .looseObject({ report: z.string(), scope: Scope })
  .describe('a summary: the scope, its total and one entry per group (see README, Reports)');
const PageBody = z
  .object({
    report: z.string(),
    scope: Scope,
    items: z.array(z.record(z.string(), z.unknown())),
    next: z.string().nullable().describe('pass as ?after= for the next page; null on the last page'),
  })
  .describe('a page of a list');

export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool } = app.deps.db;

  app.get(
    '/reports',
    {
      schema: {
        tags: ['reports'],
        summary: 'The program reports',
        response: {
          200: z.object({
            items: z.array(z.object({ name: z.string(), kind: z.enum(['summary', 'list']), zh: z.string(), en: z.string() })),
          }),
        },
      },
    },
    async () => ({ items: listReports().map((r) => ({ name: r.name, kind: r.kind, zh: r.zh, en: r.en })) }),
  );

  app.get(
    '/reports/:name',
    {
      schema: {
        tags: ['reports'],
        summary: 'One report for your scope or a region inside it, as JSON, CSV or XLSX',
        params: ReportName,
        querystring: ReportQuery,
        response: { 200: z.union([SummaryBody, PageBody]), ...errorResponses(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const def = findReport(req.params.name);
      if (!def) throw notFound(`no report ${req.params.name}`);
      const q = req.query;
      const scope = await requestScope(req.staff, q.region);
      const params = {
        by: q.by as (typeof GROUP_BYS)[number] | undefined,
        month: q.month,
        subsidyRules: loadSubsidyRules(app.deps.config.SUBSIDY_RULES_FILE),
      };
      if (q.format === 'json') {
        if (def.kind === 'summary') return (await def.run(pool, scope, params)).data as z.infer<typeof SummaryBody>;
        const page = await def.page(pool, scope, params, q.after, q.limit);
        return { report: def.name, scope, items: page.items, next: page.next };
      }
      const file = await reportDownload(def, pool, scope, params, q.format, { headers: q.headers }, (err) =>
        req.log.error({ err, report: def.name }, 'report download failed'),
      );
      return (
        reply
          .header('content-type', file.contentType)
          .header('content-disposition', file.disposition)
          // A stream is sent as it is, past the JSON response schema.
          .send(file.body as never)
      );
    },
  );

  async function requestScope(staff: { regionId: number; regionLevel: string }, region?: string): Promise<ResolvedScope> {
    const own = await resolveScope(pool, { regionId: staff.regionId, level: staff.regionLevel as ResolvedScope['level'] });
    if (!region) return own;
    return resolveScopeWithin(pool, region, own);
  }
};
