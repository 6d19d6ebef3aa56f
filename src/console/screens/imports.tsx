/**
 * 导入: upload a county ledger sheet (CSV or XLSX) through a plain multipart form, queued for the
 * import workers exactly as the staff API's POST /imports does (src/import/uploads.ts: the import
 * runs as the uploader, so rows outside their region are row errors); a progress page that htmx
 * refreshes every 2 s; the row errors by line and column, and as a CSV file (with a BOM, for
 * Excel); the uploads of the region. Viewers can read but not upload.
 */
import { PassThrough } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { render } from 'preact-render-to-string';
import { z } from 'zod';
import { DomainError, forbidden, notFound } from '../../errors.js';
import type { ImportError } from '../../import/import-ledger.js';
import { listUploads, MAX_UPLOAD_BYTES, storeUpload, type UploadStatus, uploadStatus } from '../../import/uploads.js';
import { CONTENT_TYPES, contentDisposition, type Column as ExportColumn, writeCsv } from '../../reports/export.js';
import { type Ctx, ctxOf, redirectWith } from '../context.js';
import { parseForm } from '../forms.js';
import { Badge, chinaTime, Field, Figure, Pager, PostForm, Table } from '../ui.js';

const PAGE = 50;

const PageQuery = z.object({
  page: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(10_000).default(1)),
});

/** The error file: the same three columns as the page. */
const ERROR_COLUMNS: readonly ExportColumn<ImportError>[] = [
  { key: 'line', zh: '行号', en: 'Line' },
  { key: 'field', zh: '列', en: 'Column' },
  { key: 'message', zh: '问题', en: 'Problem' },
];

const STATE_BADGE = { queued: 'muted', running: 'warn', finished: 'ok', failed: 'bad' } as const;

export async function importScreenRoutes(app: FastifyInstance): Promise<void> {
  const { db, uploads, queues } = app.deps;
  const deps = { pool: db.pool, uploads, importQueue: queues.import };

  // Multipart only here: the upload form is the console's one file upload. One file, no more
  // than the API takes; the CSRF token comes in the form action's query string.
  await app.register(multipart, { limits: { files: 1, fields: 4, fileSize: MAX_UPLOAD_BYTES, parts: 6 } });

  /** An upload the user may see (their own scope, whatever the header narrows to), or 404. */
  async function findUpload(req: FastifyRequest, ctx: Ctx): Promise<UploadStatus> {
    const { id } = req.params as { id: string };
    const upload = await uploadStatus(deps, id, { regionCode: ctx.user.home.code });
    if (!upload) throw notFound(ctx.t('common.notFound'));
    return upload;
  }

  app.get('/imports', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t, user } = ctx;
    const { page } = parseForm(PageQuery, req.query);
    const rows = await listUploads(db.pool, user.staff, { offset: (page - 1) * PAGE, limit: PAGE + 1 });
    return reply.page(
      `${t('imports.title')} · ${user.region.name}`,
      <>
        {user.role === 'VIEWER' ? (
          <p class="muted">{t('imports.viewerCannot')}</p>
        ) : (
          <section class="card">
            <h2>{t('imports.upload')}</h2>
            <p class="muted">{t('imports.hint', { region: user.home.name })}</p>
            <PostForm ctx={ctx} action="/console/imports" enctype="multipart/form-data" id="upload-form">
              <Field label={t('imports.file')} hint={t('imports.fileHint')}>
                <input
                  type="file"
                  name="file"
                  required
                  accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                />
              </Field>
              <button type="submit">{t('imports.submit')}</button>
            </PostForm>
          </section>
        )}
        <h2>{t('imports.past')}</h2>
        <Table
          id="import-list"
          rows={rows.slice(0, PAGE)}
          empty={t('imports.none')}
          columns={[
            { label: t('imports.uploadedAt'), cell: (r) => <a href={`/console/imports/${r.id}`}>{chinaTime(r.at)}</a> },
            { label: t('imports.file'), cell: (r) => r.fileName ?? '—' },
            { label: t('imports.uploadedBy'), cell: (r) => r.uploadedBy ?? '—' },
            { label: t('imports.rows'), cell: (r) => r.rows ?? '—', num: true },
            { label: t('imports.imported'), cell: (r) => r.imported ?? '—', num: true },
            {
              label: t('imports.failed'),
              cell: (r) => (r.failed ? <Badge kind="bad">{r.failed}</Badge> : (r.failed ?? '—')),
              num: true,
            },
            {
              label: t('common.status'),
              cell: (r) =>
                r.finishedAt ? (
                  <Badge kind="ok">{t('imports.states.finished')}</Badge>
                ) : (
                  <Badge kind="warn">{t('imports.states.running')}</Badge>
                ),
            },
          ]}
        />
        <Pager ctx={ctx} page={page} hasMore={rows.length > PAGE} />
      </>,
    );
  });

  app.post('/imports', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t, user } = ctx;
    if (user.role === 'VIEWER') throw forbidden(t('imports.viewerCannot'));
    if (!req.isMultipart()) throw new DomainError(415, 'unsupported_media_type', t('imports.noFile'));
    const file = await req.file();
    if (!file?.filename) {
      file?.file.resume();
      throw new DomainError(400, 'validation_error', t('imports.noFile'));
    }
    // As the API: audited under the uploader's own region, the import runs as the uploader.
    const { id } = await storeUpload(deps, { userId: user.userId, regionId: user.home.id }, file.file, file.filename);
    return redirectWith(reply, `/console/imports/${id}`, { kind: 'ok', text: t('imports.queued', { file: file.filename }) });
  });

  app.get('/imports/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const upload = await findUpload(req, ctx);
    const { page } = parseForm(PageQuery, req.query);
    const errors = upload.importRun?.errors ?? [];
    const done = upload.state === 'finished' || upload.state === 'failed';
    return reply.page(
      `${t('imports.one')} · ${upload.fileName ?? upload.id.slice(0, 8)}`,
      <>
        <dl class="facts card">
          <dt>{t('imports.file')}</dt>
          <dd>{upload.fileName ?? '—'}</dd>
          <dt>{t('imports.uploadedBy')}</dt>
          <dd>{upload.uploadedBy ?? '—'}</dd>
          <dt>{t('imports.uploadedAt')}</dt>
          <dd>{chinaTime(upload.uploadedAt)}</dd>
        </dl>
        <Progress ctx={ctx} upload={upload} />
        {done && upload.importRun ? (
          <>
            <h2>{t('imports.errors', { count: upload.importRun.failed })}</h2>
            {errors.length > 0 ? (
              <p class="actions">
                <a class="button secondary" href={`/console/imports/${upload.id}/errors.csv`} download>
                  {t('imports.errorFile')}
                </a>
                {errors.length < upload.importRun.failed ? (
                  <span class="muted">{t('imports.errorsCut', { n: errors.length })}</span>
                ) : null}
              </p>
            ) : null}
            <Table
              id="import-errors"
              rows={errors.slice((page - 1) * PAGE, page * PAGE)}
              empty={t('imports.noErrors')}
              columns={[
                { label: t('imports.line'), cell: (e) => (e.line > 0 ? e.line : '—'), num: true },
                { label: t('imports.column'), cell: (e) => e.field || '—' },
                { label: t('imports.problem'), cell: (e) => e.message },
              ]}
            />
            <Pager ctx={ctx} page={page} hasMore={errors.length > page * PAGE} />
          </>
        ) : null}
        <p>
          <a href="/console/imports">{t('imports.backToList')}</a>
        </p>
      </>,
    );
  });

  // The progress box alone, for htmx every 2 s; once the import is over the page reloads with the errors.
  app.get('/imports/:id/progress', async (req, reply) => {
    const ctx = ctxOf(req);
    const upload = await findUpload(req, ctx);
    const over = upload.state === 'finished' || upload.state === 'failed';
    if (over && req.headers['hx-request']) reply.header('hx-refresh', 'true');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(render(<Progress ctx={ctx} upload={upload} />));
  });

  app.get('/imports/:id/errors.csv', async (req, reply) => {
    const ctx = ctxOf(req);
    const upload = await findUpload(req, ctx);
    const body = new PassThrough();
    writeCsv(upload.importRun?.errors ?? [], ERROR_COLUMNS, body, { headers: ctx.lang === 'en' ? 'en' : 'zh-CN' }).catch(
      (err) => {
        req.log.error({ err }, 'import error file failed');
        body.destroy(err);
      },
    );
    return reply
      .header('content-type', CONTENT_TYPES.csv)
      .header('content-disposition', contentDisposition(`import-errors_${upload.id.slice(0, 8)}.csv`))
      .header('cache-control', 'no-store')
      .send(body);
  });
}

/** State and counts; polls itself every 2 s until the import is over. */
function Progress(props: { ctx: Ctx; upload: UploadStatus }) {
  const { ctx, upload } = props;
  const { t } = ctx;
  const over = upload.state === 'finished' || upload.state === 'failed';
  const counts = upload.importRun?.finishedAt ? upload.importRun : (upload.progress ?? upload.importRun);
  return (
    <section
      id="progress"
      class="card"
      aria-live="polite"
      hx-get={over ? undefined : `/console/imports/${upload.id}/progress`}
      hx-trigger={over ? undefined : 'every 2s'}
      hx-swap={over ? undefined : 'outerHTML'}
    >
      <p>
        <Badge kind={STATE_BADGE[upload.state]}>{t(`imports.states.${upload.state}`)}</Badge>{' '}
        {over ? null : <span class="muted">{t('imports.polling')}</span>}
      </p>
      {upload.state === 'failed' ? (
        <p class="flash error" role="alert">
          {upload.importRun?.errors.find((e) => e.line === 0)?.message ?? upload.failedReason}
        </p>
      ) : null}
      <ul class="figures compact">
        <Figure label={t('imports.rows')} value={counts?.rows ?? 0} />
        <Figure label={t('imports.imported')} value={counts?.imported ?? 0} />
        <Figure label={t('imports.failed')} value={counts?.failed ?? 0} bad={(counts?.failed ?? 0) > 0} />
      </ul>
    </section>
  );
}
