/**
 * A report as a file download (CSV or XLSX), for the staff API and the console alike: a summary
 * is computed before the first byte (so its errors still answer 400/500), a list streams from the
 * ledger in batches as the client reads.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Sql } from '../db/sql.js';
import { CONTENT_TYPES, contentDisposition, type ExportFormat, type ExportOptions } from './export.js';
import { type ReportDef, type ReportParams, reportFileName, writeReport, writeSummary } from './index.js';
import type { ResolvedScope } from './scope.js';

export interface ReportDownload {
  body: Readable;
  contentType: string;
  /** Content-Disposition value with the report's file name. */
  disposition: string;
}

export async function reportDownload(
  def: ReportDef,
  sql: Sql,
  scope: ResolvedScope,
  params: ReportParams,
  format: ExportFormat,
  opts: ExportOptions,
  onError: (err: unknown) => void,
): Promise<ReportDownload> {
  const summary = def.kind === 'summary' ? await def.run(sql, scope, params) : undefined;
  const body = new PassThrough();
  const writing = summary ? writeSummary(summary, format, body, opts) : writeReport(def, sql, scope, params, format, body, opts);
  writing.catch((err) => {
    onError(err);
    body.destroy(err);
  });
  return {
    body,
    contentType: CONTENT_TYPES[format],
    disposition: contentDisposition(reportFileName(def, scope, format, params.month)),
  };
}
