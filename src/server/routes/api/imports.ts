/**
 * Ledger uploads for staff. POST /imports takes the file as the request body (CSV or XLSX, told
 * apart by content), stores it under DATA_DIR/uploads and queues it for the workers; the answer
 * (202) carries the upload id to poll with GET /imports/:id. Rows whose village lies outside the
 * uploader's region are rejected as row errors by the import itself (src/import/validate-row.ts).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError, notFound } from '../../../errors.js';
import { recordAudit } from '../../../staff/audit.js';
import { codeInScope, type Staff } from '../../../staff/scope.js';
import { requireRole } from '../../auth.js';
import { errorResponses } from './schemas.js';

/** Upper bound of an upload: a province's sheet of a few hundred thousand rows fits well within it. */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

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

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface UploadAudit {
  at: Date;
  regionId: number | null;
  regionCode: string | null;
  username: string | null;
  details: { fileName?: string; storedName: string; jobId: string; bytes: number };
}

/** Counts bytes and stops the stream past the limit. */
function limitBytes(max: number, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      counter.bytes += chunk.length;
      if (counter.bytes > max) cb(new DomainError(413, 'too_large', `the file is larger than ${max} bytes`));
      else cb(null, chunk);
    },
  });
}

export const importRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, uploads, queues } = app.deps;

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
      const id = randomUUID();
      const ext = extname(req.query.fileName ?? '').toLowerCase();
      const storedName = `${id}${ext === '.csv' || ext === '.xlsx' ? ext : ''}`;
      await mkdir(uploads.dir, { recursive: true, mode: 0o700 });
      const path = uploads.resolve(storedName);
      const counter = { bytes: 0 };
      try {
        await pipeline(body, limitBytes(MAX_UPLOAD_BYTES, counter), createWriteStream(path, { mode: 0o600 }));
      } catch (err) {
        await rm(path, { force: true });
        throw err;
      }
      if (counter.bytes === 0) {
        await rm(path, { force: true });
        throw new DomainError(400, 'validation_error', 'body: the file is empty');
      }
      const jobId = `upload-${id}`;
      await recordAudit(db.pool, {
        staffUserId: staff.userId,
        action: 'import.upload',
        entity: 'ImportUpload',
        entityId: id,
        regionId: staff.regionId,
        details: { fileName: req.query.fileName, storedName, jobId, bytes: counter.bytes },
      });
      await queues.import.add('ledger', { file: storedName, staffUserId: staff.userId }, { jobId });
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
      const upload = await findUpload(req.params.id, req.staff);
      if (!upload) throw notFound(`no upload ${req.params.id}`);
      const { details } = upload;
      const run = await db.pool.query<{
        id: number;
        rows: number;
        imported: number;
        failed: number;
        errors: { line: number; field: string; message: string }[];
        startedAt: Date;
        finishedAt: Date | null;
      }>(
        `SELECT id, rows, imported, failed, errors, "startedAt", "finishedAt" FROM "ImportRun"
          WHERE "fileName" = $1 AND "staffUserId" IS NOT DISTINCT FROM $2 ORDER BY id DESC LIMIT 1`,
        [details.storedName, upload.staffUserId],
      );
      const importRun = run.rows[0] ?? null;
      let state: z.infer<typeof Upload>['state'];
      let failedReason: string | null = null;
      if (importRun?.finishedAt) state = 'finished';
      else {
        const job = await queues.import.getJob(details.jobId);
        const jobState = job ? await job.getState() : 'unknown';
        if (jobState === 'failed' || (!job && !importRun)) {
          state = 'failed';
          failedReason = job?.failedReason ?? 'the job is gone from the queue';
        } else state = importRun || jobState === 'active' ? 'running' : 'queued';
      }
      return {
        id: req.params.id,
        jobId: details.jobId,
        state,
        fileName: details.fileName ?? null,
        bytes: details.bytes ?? null,
        uploadedAt: upload.at,
        uploadedBy: upload.username,
        failedReason,
        importRun,
      };
    },
  );

  /** The upload's audit entry, when the uploader's region lies inside the caller's scope. */
  async function findUpload(id: string, staff: Staff): Promise<(UploadAudit & { staffUserId: number | null }) | null> {
    const r = await db.pool.query<UploadAudit & { staffUserId: number | null }>(
      `SELECT a.at, a."regionId", g.code AS "regionCode", u.username, a.details, a."staffUserId"
         FROM "AuditLog" a LEFT JOIN "Region" g ON g.id = a."regionId" LEFT JOIN "StaffUser" u ON u.id = a."staffUserId"
        WHERE a.entity = 'ImportUpload' AND a."entityId" = $1 AND a.action = 'import.upload'`,
      [id],
    );
    const row = r.rows[0];
    if (!row || row.regionCode === null || !codeInScope(staff, row.regionCode)) return null;
    return row;
  }
};
