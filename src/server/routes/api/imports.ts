/**
 * Ledger uploads for staff. POST /imports takes the file as the request body (CSV or XLSX, told
 * apart by content), stores it under DATA_DIR/uploads and queues it for the workers; the answer
 * (202) carries the upload id to poll with GET /imports/:id. Rows whose village lies outside the
 * uploader's region are rejected as row errors by the import itself (src/import/validate-row.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError, notFound } from '../../../errors.js';
import { storeUpload, UPLOAD_ID, uploadStatus } from '../../../import/uploads.js';
import { requireRole } from '../../auth.js';
import { errorResponses } from './schemas.js';

export { MAX_UPLOAD_BYTES } from '../../../import/uploads.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Body types taken as a ledger file; Windows labels CSV files application/vnd.ms-excel. */
export const UPLOAD_TYPES = ['text/csv', XLSX, 'application/vnd.ms-excel', 'application/octet-stream'];

const UploadQuery = z.object({
  fileName: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('the file name as the county saved it; kept in the audit log (the format is read from the content)'),
});

const RowError = z.object({ line: z.number(), field: z.string(), message: z.string() });

const Upload = z.object({
  id: z.string().describe('upload id: poll GET /api/v1/imports/{id}'),
  jobId: z.string(),
  state: z.enum(['queued', 'running', 'finished', 'failed']),
  fileName: z.string().nullable(),
  bytes: z.number().nullable(),
  uploadedAt: z.date().nullable(),
  uploadedBy: z.string().nullable(),
  failedReason: z.string().nullable(),
  importRun: z
    .object({
      id: z.number(),
      rows: z.number(),
      imported: z.number(),
      failed: z.number(),
      errors: z.array(RowError).describe('rejected rows: line (header = line 1), column as written, reason'),
      startedAt: z.date(),
      finishedAt: z.date().nullable(),
    })
    .nullable()
    .describe('the ImportRun, once a worker has started on the file'),
});

export const importRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, uploads, queues } = app.deps;
  const deps = { pool: db.pool, uploads, importQueue: queues.import };

  // The body is streamed to disk by the handler, not parsed (nor held in memory).
  app.addContentTypeParser(UPLOAD_TYPES, (_req, payload, done) => done(null, payload));

  app.post(
    '/imports',
    {
      preHandler: requireRole('ADMIN', 'OPERATOR'),
      schema: {
        tags: ['imports'],
        summary: 'Upload a county ledger sheet (CSV or XLSX as the request body) to be imported (ADMIN, OPERATOR)',
        description:
          'Rows whose village code lies outside your region are rejected as row errors; the others are imported. ' +
          'Poll GET /api/v1/imports/{id} for the result.',
        consumes: UPLOAD_TYPES,
        querystring: UploadQuery,
        body: z.any().meta({ type: 'string', format: 'binary', description: 'the file itself' }),
        response: {
          202: z.object({ id: z.string(), jobId: z.string(), state: z.literal('queued'), poll: z.string() }),
          ...errorResponses(400, 403, 413, 415),
        },
      },
    },
    async (req, reply) => {
      const { staff } = req;
      const body = req.body as NodeJS.ReadableStream | undefined;
      if (!body || typeof body.pipe !== 'function') {
        throw new DomainError(
          415,
          'unsupported_media_type',
          `send the file as the body with Content-Type ${UPLOAD_TYPES.join(', ')}`,
        );
      }
      const { id, jobId } = await storeUpload(deps, { userId: staff.userId, regionId: staff.regionId }, body, req.query.fileName);
      return reply.code(202).send({ id, jobId, state: 'queued' as const, poll: `/api/v1/imports/${id}` });
    },
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        tags: ['imports'],
        summary: 'An upload: queued, running, finished (with its row errors) or failed',
        params: z.object({ id: z.string().regex(UPLOAD_ID, 'an upload id as returned by POST /imports') }),
        response: { 200: Upload, ...errorResponses(400, 404) },
      },
    },
    async (req) => {
      const upload = await uploadStatus(deps, req.params.id, req.staff);
      if (!upload) throw notFound(`no upload ${req.params.id}`);
      const { progress: _progress, ...answer } = upload;
      return answer;
    },
  );
};
