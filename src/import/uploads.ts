/**
 * Ledger uploads by staff (the staff API's POST /imports and the console's upload form): the file
 * is streamed to DATA_DIR/uploads, audited (import.upload, under the uploader's region) and queued
 * for the import workers with the uploader's staff user id, so the import itself rejects rows
 * outside the uploader's region (src/import/import-ledger.ts). An upload is found again by its id
 * from the audit log, only by staff whose scope holds the uploader's region.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from '../db/sql.js';
import { DomainError } from '../errors.js';
import type { Queues } from '../queues/queues.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, type Staff } from '../staff/scope.js';
import type { Uploads } from '../uploads.js';
import type { ImportError, ImportProgress } from './import-ledger.js';

/** Upper bound of an upload: a province's sheet of a few hundred thousand rows fits well within it. */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

export const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface UploadDeps {
  pool: Sql;
  uploads: Uploads;
  importQueue: Queues['import'];
}

/** Who uploads: the staff user (the import's scope is their own region) and the region audited. */
export interface Uploader {
  userId: number;
  /** The region the upload is audited under (the uploader's scope). */
  regionId: number;
}

interface UploadAudit {
  at: Date;
  regionId: number | null;
  regionCode: string | null;
  username: string | null;
  staffUserId: number | null;
  details: { fileName?: string; storedName: string; jobId: string; bytes: number };
}

export type UploadState = 'queued' | 'running' | 'finished' | 'failed';

export interface ImportRunRow {
  id: number;
  rows: number;
  imported: number;
  failed: number;
  errors: ImportError[];
  startedAt: Date;
  finishedAt: Date | null;
}

export interface UploadStatus {
  id: string;
  jobId: string;
  state: UploadState;
  fileName: string | null;
  bytes: number | null;
  uploadedAt: Date | null;
  uploadedBy: string | null;
  failedReason: string | null;
  /** Rows read so far while the import runs (from the worker), else null. */
  progress: ImportProgress | null;
  importRun: ImportRunRow | null;
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

/** Stores the file, audits the upload and queues its import. Returns the upload id and job id. */
export async function storeUpload(
  deps: UploadDeps,
  uploader: Uploader,
  body: NodeJS.ReadableStream,
  fileName: string | undefined,
): Promise<{ id: string; jobId: string }> {
  const id = randomUUID();
  const ext = extname(fileName ?? '').toLowerCase();
  const storedName = `${id}${ext === '.csv' || ext === '.xlsx' ? ext : ''}`;
  await mkdir(deps.uploads.dir, { recursive: true, mode: 0o700 });
  const path = deps.uploads.resolve(storedName);
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
  await recordAudit(deps.pool, {
    staffUserId: uploader.userId,
    action: 'import.upload',
    entity: 'ImportUpload',
    entityId: id,
    regionId: uploader.regionId,
    details: { fileName, storedName, jobId, bytes: counter.bytes },
  });
  await deps.importQueue.add('ledger', { file: storedName, staffUserId: uploader.userId }, { jobId });
  return { id, jobId };
}

const AUDIT_SELECT = `SELECT a."entityId" AS id, a.at, a."regionId", g.code AS "regionCode", u.username, a.details, a."staffUserId"
   FROM "AuditLog" a LEFT JOIN "Region" g ON g.id = a."regionId" LEFT JOIN "StaffUser" u ON u.id = a."staffUserId"`;

/** The upload's audit entry, when the uploader's region lies inside the caller's scope. */
async function findUpload(pool: Sql, id: string, staff: Pick<Staff, 'regionCode'>): Promise<UploadAudit | null> {
  if (!UPLOAD_ID.test(id)) return null;
  const r = await pool.query<UploadAudit>(
    `${AUDIT_SELECT} WHERE a.entity = 'ImportUpload' AND a."entityId" = $1 AND a.action = 'import.upload'`,
    [id],
  );
  const row = r.rows[0];
  if (!row || row.regionCode === null || !codeInScope(staff, row.regionCode)) return null;
  return row;
}

async function importRunOf(pool: Sql, upload: UploadAudit): Promise<ImportRunRow | null> {
  const run = await pool.query<ImportRunRow>(
    `SELECT id, rows, imported, failed, errors, "startedAt", "finishedAt" FROM "ImportRun"
      WHERE "fileName" = $1 AND "staffUserId" IS NOT DISTINCT FROM $2 ORDER BY id DESC LIMIT 1`,
    [upload.details.storedName, upload.staffUserId],
  );
  return run.rows[0] ?? null;
}

/** An upload: queued, running (with the rows read so far), finished (with its row errors) or failed; null outside the scope. */
export async function uploadStatus(
  deps: Pick<UploadDeps, 'pool' | 'importQueue'>,
  id: string,
  staff: Pick<Staff, 'regionCode'>,
): Promise<UploadStatus | null> {
  const upload = await findUpload(deps.pool, id, staff);
  if (!upload) return null;
  const { details } = upload;
  const importRun = await importRunOf(deps.pool, upload);
  let state: UploadState;
  let failedReason: string | null = null;
  let progress: ImportProgress | null = null;
  if (importRun?.finishedAt) state = 'finished';
  else {
    const job = await deps.importQueue.getJob(details.jobId);
    const jobState = job ? await job.getState() : 'unknown';
    if (jobState === 'failed' || (!job && !importRun)) {
      state = 'failed';
      failedReason = job?.failedReason ?? 'the job is gone from the queue';
    } else state = importRun || jobState === 'active' ? 'running' : 'queued';
    const p = job?.progress as Partial<ImportProgress> | number | undefined;
    if (p && typeof p === 'object' && typeof p.rows === 'number') {
      progress = { rows: p.rows, imported: p.imported ?? 0, failed: p.failed ?? 0 };
    }
  }
  return {
    id,
    jobId: details.jobId,
    state,
    fileName: details.fileName ?? null,
    bytes: details.bytes ?? null,
    uploadedAt: upload.at,
    uploadedBy: upload.username,
    failedReason,
    progress,
    importRun,
  };
}

export interface UploadListItem {
  id: string;
  at: Date;
  fileName: string | null;
  uploadedBy: string | null;
  regionCode: string | null;
  rows: number | null;
  imported: number | null;
  failed: number | null;
  finishedAt: Date | null;
}

/** Uploads whose uploader's region lies inside the scope, newest first (offset paging). */
export async function listUploads(
  pool: Sql,
  scope: { regionId: number; regionLevel: Staff['regionLevel'] },
  page: { offset: number; limit: number },
): Promise<UploadListItem[]> {
  const r = await pool.query<UploadListItem>(
    `WITH RECURSIVE sub AS (
       SELECT id FROM "Region" WHERE id = $1
       UNION ALL SELECT r.id FROM "Region" r JOIN sub ON r."parentId" = sub.id
     )
     SELECT a."entityId" AS id, a.at, a.details->>'fileName' AS "fileName", u.username AS "uploadedBy", g.code AS "regionCode",
            run.rows, run.imported, run.failed, run."finishedAt"
       FROM "AuditLog" a
       JOIN "Region" g ON g.id = a."regionId"
       LEFT JOIN "StaffUser" u ON u.id = a."staffUserId"
       LEFT JOIN LATERAL (
         SELECT rows, imported, failed, "finishedAt" FROM "ImportRun" ir
          WHERE ir."fileName" = a.details->>'storedName' AND ir."staffUserId" IS NOT DISTINCT FROM a."staffUserId"
          ORDER BY ir.id DESC LIMIT 1) run ON TRUE
      WHERE a.entity = 'ImportUpload' AND a.action = 'import.upload' AND a."regionId" IN (SELECT id FROM sub)
      ORDER BY a.at DESC, a.id DESC
      OFFSET $2 LIMIT $3`,
    [scope.regionId, page.offset, page.limit],
  );
  return r.rows;
}
