/**
 * 台账: workers and households of the region, searched and filtered and paged on the server; a
 * worker's page with the status history and the provenance of each change, family contacts,
 * services, conversation log and confirmations; corrections, staff-entered status, services and
 * family contacts through the same domain functions as the API; and bulk work on "all N matching"
 * (message them, request a check-in, export them).
 */
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requestConfirmation } from '../../conversations/request-confirmation.js';
import { notFound } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { EmploymentStatus, FamilyRelation, LaborCapacity } from '../../generated/prisma/enums.js';
import { listConfirmations } from '../../ledger/confirmations.js';
import { recordServiceContact, STAFF_SERVICE_KINDS } from '../../ledger/service-contacts.js';
import { listAgencies, listNamedEmployers } from '../../ledger/subsidy-parties.js';
import { getWorkerFile, maskPhone } from '../../ledger/worker-directory.js';
import { workerMessages } from '../../ledger/worker-messages.js';
import { addFamilyContact, recordStaffEvent, removeFamilyContact, updateWorker } from '../../ledger/worker-record.js';
import { enqueueSends } from '../../queues/queues.js';
import { type Staff, scopeFilter } from '../../staff/scope.js';
import { RowIdParam } from '../../validation.js';
import { type Ctx, ctxOf, redirectWith } from '../context.js';
import { IdParams, optionalText, parseForm } from '../forms.js';
import { audienceOf, type LedgerFilter, readLedgerFilter, workerWhere } from '../ledger-filter.js';
import { Badge, chinaDate, chinaTime, Field, Pager, PostForm, Select, Table, withQuery } from '../ui.js';

const PAGE = 50;
const EXPORT_MAX = 50_000;
const COUNT_CAP = 10_000;
const text = (max: number) => z.string().trim().max(max);

export async function ledgerRoutes(app: FastifyInstance): Promise<void> {
  const deps = app.deps;
  const { prisma, pool } = deps.db;

  /**
   * How many workers match: exact from the region's figures when the filter names only a region
   * (a province's million are not counted per page view), else counted up to COUNT_CAP; past
   * that the page says "10,000+" and the campaign builder counts the audience exactly.
   */
  const countWorkers = async (staff: Staff, f: LedgerFilter, where: Prisma.WorkerWhereInput) => {
    const regionOnly =
      !f.q &&
      !f.category &&
      !f.status &&
      f.stale === undefined &&
      f.zero === undefined &&
      f.returnee === undefined &&
      f.away === undefined;
    if (regionOnly) {
      const regionId = f.region
        ? (await prisma.region.findUnique({ where: { code: f.region }, select: { id: true } }))?.id
        : staff.regionId;
      const figures = regionId ? await prisma.regionFigures.findUnique({ where: { regionId }, select: { workers: true } }) : null;
      if (figures) return { n: figures.workers, capped: false };
    }
    const n = await prisma.worker.count({ where, take: COUNT_CAP + 1 });
    return { n: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
  };

  const workerFile = async (ctx: Ctx, id: number) => {
    const f = await getWorkerFile(pool, id, scopeFilter(ctx.user.staff));
    if (!f) throw notFound(ctx.t('common.notFound'));
    return f;
  };

  app.get('/ledger', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const f = readLedgerFilter(req.query);
    const where = await workerWhere(prisma, ctx.user.staff, f);
    const [rows, total] = await Promise.all([
      prisma.worker.findMany({
        where,
        orderBy: { id: 'asc' },
        skip: (f.page - 1) * PAGE,
        take: PAGE + 1,
        select: {
          id: true,
          name: true,
          idLast4: true,
          phone: true,
          currentStatus: true,
          statusConfirmedAt: true,
          isReturnee: true,
          household: { select: { code: true, category: true, zeroEmployment: true, village: { select: { name: true } } } },
        },
      }),
      countWorkers(ctx.user.staff, f, where),
    ]);
    const more = rows.length > PAGE;
    if (more) rows.length = PAGE;
    const audience = audienceOf(f);
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    return reply.page(
      t('nav.ledger'),
      <>
        <LedgerTabs ctx={ctx} current="workers" />
        <LedgerFilters ctx={ctx} f={f} action="/console/ledger" />
        <p class="actions" id="bulk">
          <strong>{t(total.capped ? 'common.matchingMore' : 'common.matching', { count: total.n })}</strong>
          {audience && ctx.user.role !== 'VIEWER' ? (
            <>
              <a class="button" href={`/console/campaigns/new?audience=${encodeURIComponent(JSON.stringify(audience))}`}>
                {t(total.capped ? 'ledger.messageAllMore' : 'ledger.messageAll', { count: total.n })}
              </a>
              <a
                class="button secondary"
                href={`/console/campaigns/new?kind=CHECK_IN&audience=${encodeURIComponent(JSON.stringify(audience))}`}
              >
                {t('ledger.checkInAll')}
              </a>
            </>
          ) : ctx.user.role !== 'VIEWER' ? (
            <span class="muted">{t('ledger.noAudience')}</span>
          ) : null}
          <a class="button secondary" href={`/console/ledger/export.csv${withQuery(query, { page: undefined })}`}>
            {t('ledger.export')}
          </a>
        </p>
        <Table
          rows={rows}
          empty={t('common.empty')}
          columns={[
            { label: t('common.name'), cell: (w) => <a href={`/console/workers/${w.id}`}>{w.name}</a> },
            { label: t('ledger.idLast4'), cell: (w) => w.idLast4 },
            { label: t('ledger.village'), cell: (w) => w.household.village.name },
            { label: t('ledger.household'), cell: (w) => w.household.code },
            { label: t('ledger.category'), cell: (w) => t(`category.${w.household.category}`) },
            {
              label: t('common.status'),
              cell: (w) => (
                <>
                  {t(`status.${w.currentStatus}`)}
                  {w.household.zeroEmployment ? <Badge kind="bad">{t('ledger.zero')}</Badge> : null}
                  {w.isReturnee ? <Badge kind="warn">{t('ledger.returnee')}</Badge> : null}
                </>
              ),
            },
            {
              label: t('ledger.updated'),
              cell: (w) => <StaleDate at={w.statusConfirmedAt} ctx={ctx} />,
            },
            { label: t('common.phone'), cell: (w) => maskPhone(w.phone) ?? '—' },
          ]}
        />
        <Pager ctx={ctx} page={f.page} hasMore={more} />
      </>,
    );
  });

  app.get('/ledger/export.csv', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const f = readLedgerFilter(req.query);
    const where = await workerWhere(prisma, ctx.user.staff, f);
    const rows = await prisma.worker.findMany({
      where,
      orderBy: { id: 'asc' },
      take: EXPORT_MAX,
      select: {
        name: true,
        idLast4: true,
        phone: true,
        laborCapacity: true,
        currentStatus: true,
        statusConfirmedAt: true,
        household: { select: { code: true, headName: true, category: true, village: { select: { code: true, name: true } } } },
      },
    });
    // Phones masked, ID numbers last 4 only: an export leaves the service.
    const csv = stringify(
      rows.map((w) => [
        w.household.village.code,
        w.household.village.name,
        w.household.code,
        w.household.headName ?? '',
        t(`category.${w.household.category}`),
        w.name,
        w.idLast4,
        maskPhone(w.phone) ?? '',
        t(`capacity.${w.laborCapacity}`),
        t(`status.${w.currentStatus}`),
        chinaDate(w.statusConfirmedAt),
      ]),
      {
        bom: true,
        header: true,
        columns: [
          'village_code',
          'village',
          'household',
          'head',
          'category',
          'name',
          'id_last4',
          'phone',
          'capacity',
          'status',
          'updated',
        ].map((k) => t(`ledger.csv.${k}`)),
      },
    );
    await deps.db.prisma.auditLog.create({
      data: {
        staffUserId: ctx.user.userId,
        action: 'ledger.export',
        entity: 'Worker',
        regionId: ctx.user.staff.regionId,
        details: { rows: rows.length, filter: { ...f, q: f.q ? '…' : undefined } },
      },
    });
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="ledger-${ctx.user.region.code}.csv"`)
      .send(csv);
  });

  app.get('/ledger/households', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const f = readLedgerFilter(req.query);
    const workerFilter = await workerWhere(prisma, ctx.user.staff, { ...f, q: undefined, status: undefined, stale: undefined });
    const scope = (workerFilter.AND as Array<Record<string, number>>)[0]!;
    const where = {
      ...scope,
      ...(f.q ? { OR: [{ code: f.q }, { headName: { contains: f.q } }] } : {}),
      ...(f.category ? { category: f.category as never } : {}),
      ...(f.zero !== undefined ? { zeroEmployment: f.zero } : {}),
    };
    const [rows, total] = await Promise.all([
      prisma.household.findMany({
        where,
        orderBy: [{ zeroEmploymentSince: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
        skip: (f.page - 1) * PAGE,
        take: PAGE + 1,
        select: {
          id: true,
          code: true,
          headName: true,
          category: true,
          laborCount: true,
          employedCount: true,
          zeroEmployment: true,
          zeroEmploymentSince: true,
          village: { select: { name: true } },
          workers: { select: { id: true, name: true }, orderBy: { id: 'asc' }, take: 8 },
        },
      }),
      prisma.household.count({ where, take: COUNT_CAP + 1 }).then((n) => ({ n: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP })),
    ]);
    const more = rows.length > PAGE;
    if (more) rows.length = PAGE;
    const now = Date.now();
    return reply.page(
      t('ledger.households'),
      <>
        <LedgerTabs ctx={ctx} current="households" />
        <LedgerFilters ctx={ctx} f={f} action="/console/ledger/households" households />
        <p class="actions">
          <strong>{t(total.capped ? 'common.matchingMore' : 'common.matching', { count: total.n })}</strong>
        </p>
        <Table
          rows={rows}
          empty={t('common.empty')}
          columns={[
            { label: t('ledger.household'), cell: (h) => h.code },
            { label: t('ledger.head'), cell: (h) => h.headName ?? '—' },
            { label: t('ledger.village'), cell: (h) => h.village.name },
            { label: t('ledger.category'), cell: (h) => t(`category.${h.category}`) },
            { label: t('ledger.labor'), num: true, cell: (h) => `${h.employedCount} / ${h.laborCount}` },
            {
              label: t('ledger.zero'),
              cell: (h) =>
                h.zeroEmployment ? (
                  <Badge kind="bad">
                    {t('ledger.zeroDays', {
                      days: h.zeroEmploymentSince ? Math.floor((now - h.zeroEmploymentSince.getTime()) / 86_400_000) : 0,
                    })}
                  </Badge>
                ) : (
                  '—'
                ),
            },
            {
              label: t('ledger.members'),
              cell: (h) => (
                <>
                  {h.workers.map((w, i) => (
                    <>
                      {i ? '、' : ''}
                      <a href={`/console/workers/${w.id}`}>{w.name}</a>
                    </>
                  ))}
                </>
              ),
            },
          ]}
        />
        <Pager ctx={ctx} page={f.page} hasMore={more} />
      </>,
    );
  });

  app.get('/workers/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t, user } = ctx;
    const { id } = parseForm(IdParams, req.params);
    const w = await workerFile(ctx, id);
    const [messages, confirmations] = await Promise.all([
      workerMessages(prisma, user.staff, id, { limit: 30 }).then((m) => m.items),
      listConfirmations(prisma, user.staff, { workerId: id, limit: 20 }),
    ]);
    const canWrite = user.role !== 'VIEWER';
    // Who a referral or a placement may name (the §14 subsidies are computed from them).
    const [agencies, employers] = canWrite
      ? await Promise.all([listAgencies(prisma, user.staff), listNamedEmployers(prisma, user.staff)])
      : [[], []];
    const employerOptions = employers.map((e): [string, string] => [String(e.id), e.name]);
    return reply.page(
      `${w.name} · ${w.village.name}`,
      <>
        <div class="grid2">
          <section class="card" id="record">
            <h2>{t('ledger.record')}</h2>
            <dl class="facts">
              <dt>{t('common.status')}</dt>
              <dd>
                {t(`status.${w.currentStatus}`)} {w.stale ? <Badge kind="bad">{t('ledger.stale')}</Badge> : null}
              </dd>
              <dt>{t('ledger.updated')}</dt>
              <dd>{chinaTime(w.statusConfirmedAt)}</dd>
              <dt>{t('ledger.household')}</dt>
              <dd>
                {w.household.code} · {w.household.headName} · {t(`category.${w.household.category}`)}
                {w.household.zeroEmployment ? <Badge kind="bad">{t('ledger.zero')}</Badge> : null}
              </dd>
              <dt>{t('ledger.idLast4')}</dt>
              <dd>{w.idLast4}</dd>
              <dt>{t('common.phone')}</dt>
              <dd>{w.phone ?? '—'}</dd>
              <dt>{t('ledger.capacity')}</dt>
              <dd>{t(`capacity.${w.laborCapacity}`)}</dd>
              <dt>{t('ledger.away')}</dt>
              <dd>{w.willingToWorkAway === null ? '—' : t(w.willingToWorkAway ? 'common.yes' : 'common.no')}</dd>
              <dt>{t('ledger.skills')}</dt>
              <dd>{w.skills.join('、') || '—'}</dd>
              <dt>{t('ledger.flags')}</dt>
              <dd>
                {w.isReturnee ? <Badge kind="warn">{t('ledger.returnee')}</Badge> : null}{' '}
                {w.needsVoice ? <Badge>{t('ledger.needsVoice')}</Badge> : null}{' '}
                {w.countyConfirmed ? <Badge kind="ok">{t('ledger.countyConfirmed')}</Badge> : null}{' '}
                {w.telegramLinked ? <Badge>Telegram</Badge> : null}
              </dd>
            </dl>
          </section>
          {canWrite ? (
            <section class="card" id="edit">
              <h2>{t('ledger.edit')}</h2>
              <PostForm ctx={ctx} action={`/console/workers/${id}`}>
                <Field label={t('common.phone')}>
                  <input type="tel" name="phone" placeholder={w.phone ?? ''} maxLength={30} />
                </Field>
                <Field label={t('ledger.capacity')}>
                  <Select name="laborCapacity" value={w.laborCapacity} options={LaborCapacityOptions(ctx)} />
                </Field>
                <Field label={t('ledger.away')}>
                  <Select
                    name="willingToWorkAway"
                    value={w.willingToWorkAway === null ? '' : String(w.willingToWorkAway)}
                    blank="—"
                    options={[
                      ['true', t('common.yes')],
                      ['false', t('common.no')],
                    ]}
                  />
                </Field>
                <Field label={t('ledger.skills')} hint={t('ledger.skillsHint')}>
                  <input type="text" name="skills" value={w.skills.join('、')} maxLength={300} />
                </Field>
                <p>
                  <label>
                    <input type="checkbox" name="needsVoice" value="true" checked={w.needsVoice} /> {t('ledger.needsVoice')}
                  </label>{' '}
                  <label>
                    <input type="checkbox" name="isReturnee" value="true" checked={w.isReturnee} /> {t('ledger.returnee')}
                  </label>{' '}
                  <label>
                    <input type="checkbox" name="countyConfirmed" value="true" checked={w.countyConfirmed} />{' '}
                    {t('ledger.countyConfirmed')}
                  </label>
                </p>
                <button type="submit">{t('common.save')}</button>
              </PostForm>
            </section>
          ) : null}
        </div>

        <h2>{t('ledger.history')}</h2>
        <Table
          id="history"
          rows={w.events}
          empty={t('common.empty')}
          columns={[
            { label: t('ledger.effective'), cell: (e) => e.effectiveDate },
            { label: t('common.status'), cell: (e) => t(`status.${e.status}`) },
            {
              label: t('ledger.job'),
              cell: (e) => [e.employer, e.place, e.industry].filter(Boolean).join(' · ') || e.reason || '—',
            },
            {
              label: t('ledger.provenance'),
              cell: (e) => (
                <>
                  {t(`source.${e.source}`)} · {t(`channel.${e.channel}`)}
                  {e.reportedBy ? ` · ${e.reportedBy}` : ''}
                  {e.familyRelation ? ` · ${e.familyRelation}` : ''}
                  {e.inboundMessageId ? <small class="muted"> #{e.inboundMessageId}</small> : null}
                  {e.callSid ? <small class="muted"> ☎</small> : null}
                </>
              ),
            },
            { label: t('ledger.reported'), cell: (e) => chinaTime(e.reportedAt) },
            {
              label: t('ledger.verified'),
              cell: (e) =>
                e.verifiedBy ? <Badge kind="ok">{e.verifiedBy}</Badge> : <Badge kind="muted">{t('ledger.unverified')}</Badge>,
            },
          ]}
        />

        {canWrite ? (
          <div class="grid2">
            <section class="card" id="status-form">
              <h2>{t('ledger.staffEvent')}</h2>
              <PostForm ctx={ctx} action={`/console/workers/${id}/events`}>
                <Field label={t('common.status')}>
                  <Select name="status" required options={StatusOptions(ctx)} />
                </Field>
                <Field label={t('ledger.effective')}>
                  <input type="date" name="effectiveDate" required value={chinaDate(new Date())} />
                </Field>
                <Field label={t('ledger.employer')}>
                  <input type="text" name="employer" maxLength={100} />
                </Field>
                {employerOptions.length ? (
                  <Field label={t('ledger.employerRecord')} hint={t('ledger.employerRecordHint')}>
                    <Select name="employerId" blank="—" options={employerOptions} />
                  </Field>
                ) : null}
                <Field label={t('ledger.place')}>
                  <input type="text" name="place" maxLength={100} />
                </Field>
                <Field label={t('ledger.reason')}>
                  <input type="text" name="reason" maxLength={300} />
                </Field>
                <button type="submit">{t('common.save')}</button>
              </PostForm>
            </section>
            <section class="card" id="service-form">
              <h2>{t('ledger.addService')}</h2>
              <PostForm ctx={ctx} action={`/console/workers/${id}/services`}>
                <Field label={t('common.kind')}>
                  <Select name="kind" required options={STAFF_SERVICE_KINDS.map((k) => [k, t(`service.${k}`)])} />
                </Field>
                <Field label={t('common.when')}>
                  <input type="date" name="date" value={chinaDate(new Date())} />
                </Field>
                <Field label={t('common.note')}>
                  <input type="text" name="note" maxLength={1000} />
                </Field>
                {agencies.length ? (
                  <Field label={t('ledger.referralAgency')} hint={t('ledger.referralHint')}>
                    <Select name="agencyId" blank="—" options={agencies.map((a) => [String(a.id), a.name])} />
                  </Field>
                ) : null}
                {employerOptions.length ? (
                  <Field label={t('ledger.referredEmployer')}>
                    <Select name="employerId" blank="—" options={employerOptions} />
                  </Field>
                ) : null}
                <button type="submit">{t('common.save')}</button>
              </PostForm>
            </section>
          </div>
        ) : null}

        <h2>{t('ledger.services')}</h2>
        <Table
          id="services"
          rows={w.serviceContacts}
          empty={t('common.empty')}
          columns={[
            { label: t('common.when'), cell: (s) => chinaTime(s.occurredAt) },
            { label: t('common.kind'), cell: (s) => t(`service.${s.kind}`) },
            { label: t('ledger.channel'), cell: (s) => t(`channel.${s.channel}`) },
            { label: t('common.who'), cell: (s) => s.staffUser ?? '—' },
            { label: t('common.note'), cell: (s) => s.note ?? '' },
          ]}
        />

        <h2>{t('ledger.family')}</h2>
        <Table
          id="family"
          rows={w.familyContacts}
          empty={t('common.empty')}
          columns={[
            { label: t('common.name'), cell: (c) => c.name },
            { label: t('ledger.relation'), cell: (c) => t(`relation.${c.relation}`) },
            { label: t('common.phone'), cell: (c) => c.phone ?? '—' },
            {
              label: t('ledger.verified'),
              cell: (c) =>
                c.verified ? (
                  <Badge kind="ok">{chinaDate(c.verifiedAt)}</Badge>
                ) : (
                  <Badge kind="muted">{t('ledger.unverified')}</Badge>
                ),
            },
            {
              label: t('common.actions'),
              cell: (c) =>
                canWrite ? (
                  <PostForm
                    ctx={ctx}
                    action={`/console/workers/${id}/family/${c.id}/remove`}
                    class="inline"
                    confirm={t('ledger.removeConfirm')}
                  >
                    <button type="submit" class="secondary">
                      {t('ledger.remove')}
                    </button>
                  </PostForm>
                ) : null,
            },
          ]}
        />
        {canWrite ? (
          <div class="grid2">
            <section class="card" id="family-form">
              <h3>{t('ledger.addFamily')}</h3>
              <PostForm ctx={ctx} action={`/console/workers/${id}/family`}>
                <Field label={t('common.name')}>
                  <input type="text" name="name" required maxLength={60} />
                </Field>
                <Field label={t('ledger.relation')}>
                  <Select name="relation" required options={Object.values(FamilyRelation).map((r) => [r, t(`relation.${r}`)])} />
                </Field>
                <Field label={t('common.phone')}>
                  <input type="tel" name="phone" required maxLength={30} />
                </Field>
                <p>
                  <label>
                    <input type="checkbox" name="verified" value="true" /> {t('ledger.verifiedNow')}
                  </label>
                </p>
                <button type="submit">{t('common.save')}</button>
              </PostForm>
            </section>
            <section class="card" id="confirm-form">
              <h3>{t('ledger.requestConfirmation')}</h3>
              <PostForm ctx={ctx} action={`/console/workers/${id}/confirmations`}>
                <Field label={t('common.kind')}>
                  <Select
                    name="kind"
                    options={[
                      ['STATUS', t('ledger.confirmStatus')],
                      ['TEMPORARILY_UNWILLING', t('ledger.confirmUnwilling')],
                    ]}
                  />
                </Field>
                <Field label={t('ledger.confirmer')}>
                  <Select
                    name="confirmer"
                    options={[
                      ['WORKER', t('ledger.confirmerWorker')],
                      ...w.familyContacts.map((c): [string, string] => [
                        `FAMILY:${c.id}`,
                        `${c.name}（${t(`relation.${c.relation}`)}）`,
                      ]),
                    ]}
                  />
                </Field>
                <Field label={t('ledger.statement')} hint={t('ledger.statementHint')}>
                  <input type="text" name="statement" required maxLength={300} />
                </Field>
                <Field label={t('ledger.channel')}>
                  <Select
                    name="channel"
                    options={[
                      ['SMS', t('channel.SMS')],
                      ['VOICE', t('channel.VOICE')],
                    ]}
                  />
                </Field>
                <button type="submit">{t('ledger.send')}</button>
              </PostForm>
            </section>
          </div>
        ) : null}

        <h2>{t('ledger.confirmations')}</h2>
        <Table
          id="confirmations"
          rows={confirmations}
          empty={t('common.empty')}
          columns={[
            { label: t('common.when'), cell: (c) => <a href={`/console/confirmations/${c.id}`}>{chinaTime(c.requestedAt)}</a> },
            { label: t('common.kind'), cell: (c) => t(`confirmation.kind.${c.kind}`) },
            { label: t('common.status'), cell: (c) => t(`confirmation.status.${c.status}`) },
          ]}
        />

        <h2>{t('ledger.messages')}</h2>
        <Table
          id="messages"
          rows={messages}
          empty={t('common.empty')}
          columns={[
            { label: t('common.when'), cell: (m) => chinaTime(m.at) },
            { label: t('ledger.direction'), cell: (m) => (m.direction === 'in' ? '→' : '←') },
            { label: t('ledger.channel'), cell: (m) => t(`channel.${m.channel}`) },
            { label: t('ledger.text'), cell: (m) => m.text ?? '' },
          ]}
        />
      </>,
    );
  });

  const Patch = z.object({
    phone: z.string().trim().max(30).optional(),
    laborCapacity: z.enum(LaborCapacity),
    willingToWorkAway: z.enum(['true', 'false', '']).optional(),
    skills: text(300).optional(),
    needsVoice: z.literal('true').optional(),
    isReturnee: z.literal('true').optional(),
    countyConfirmed: z.literal('true').optional(),
  });

  app.post('/workers/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(Patch, req.body);
    const before = await workerFile(ctx, id);
    const patch = {
      // The page shows the number masked: an empty field keeps it, a new number replaces it.
      phone: f.phone ? f.phone : before.phone,
      laborCapacity: f.laborCapacity,
      willingToWorkAway: f.willingToWorkAway ? f.willingToWorkAway === 'true' : null,
      skills: (f.skills ?? '')
        .split(/[,，、;；\s]+/)
        .map((s) => s.trim())
        .filter(Boolean),
      needsVoice: f.needsVoice === 'true',
      isReturnee: f.isReturnee === 'true',
      countyConfirmed: f.countyConfirmed === 'true',
    };
    // Only what changed is sent, so a township user can save a page with a county-only box untouched.
    const changedPatch = Object.fromEntries(
      Object.entries(patch).filter(
        ([k, v]) => JSON.stringify(v) !== JSON.stringify((before as unknown as Record<string, unknown>)[k]),
      ),
    );
    const changed = await updateWorker(prisma, ctx.user.staff, id, changedPatch, 'CONSOLE');
    return redirectWith(reply, `/console/workers/${id}`, {
      kind: 'ok',
      text: changed.length ? ctx.t('ledger.saved', { fields: changed.join(', ') }) : ctx.t('ledger.nothingChanged'),
    });
  });

  /** An optional select of a row id: '' is none. */
  const optionalId = z.preprocess((v) => (v === '' ? undefined : v), RowIdParam.optional());

  const EventForm = z.object({
    status: z.enum(EmploymentStatus),
    effectiveDate: z.iso.date(),
    employer: optionalText(100),
    place: optionalText(100),
    reason: optionalText(300),
    employerId: optionalId,
  });

  app.post('/workers/:id/events', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(EventForm, req.body);
    await recordStaffEvent(prisma, ctx.user.staff, id, f, 'CONSOLE');
    return redirectWith(reply, `/console/workers/${id}`, { kind: 'ok', text: ctx.t('ledger.eventSaved') });
  });

  const ServiceForm = z.object({
    kind: z.enum(STAFF_SERVICE_KINDS),
    date: z.iso.date().optional().or(z.literal('')),
    note: optionalText(1000),
    agencyId: optionalId,
    employerId: optionalId,
  });

  app.post('/workers/:id/services', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(ServiceForm, req.body);
    const today = chinaDate(new Date());
    // A date alone means that day in China; today means now.
    const occurredAt = f.date && f.date !== today ? new Date(`${f.date}T12:00:00+08:00`) : undefined;
    await prisma.$transaction((tx) =>
      recordServiceContact(tx, ctx.user.staff, {
        workerId: id,
        kind: f.kind,
        note: f.note,
        occurredAt,
        agencyId: f.agencyId,
        employerId: f.employerId,
        via: 'CONSOLE',
      }),
    );
    return redirectWith(reply, `/console/workers/${id}`, { kind: 'ok', text: ctx.t('ledger.serviceSaved') });
  });

  const FamilyForm = z.object({
    name: text(60).min(1),
    relation: z.enum(FamilyRelation),
    phone: text(30).min(1),
    verified: z.literal('true').optional(),
  });

  app.post('/workers/:id/family', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(FamilyForm, req.body);
    await addFamilyContact(prisma, ctx.user.staff, id, { ...f, verified: f.verified === 'true' }, 'CONSOLE');
    return redirectWith(reply, `/console/workers/${id}`, { kind: 'ok', text: ctx.t('ledger.familySaved') });
  });

  app.post('/workers/:id/family/:contactId/remove', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id, contactId } = parseForm(z.object({ id: RowIdParam, contactId: RowIdParam }), req.params);
    await removeFamilyContact(prisma, ctx.user.staff, id, contactId, 'CONSOLE');
    return redirectWith(reply, `/console/workers/${id}`, { kind: 'ok', text: ctx.t('ledger.familyRemoved') });
  });

  const ConfirmForm = z.object({
    kind: z.enum(['STATUS', 'TEMPORARILY_UNWILLING']),
    confirmer: z.string().regex(/^(WORKER|FAMILY:\d{1,10})$/, 'expected WORKER or a family contact'),
    statement: text(300).min(1),
    channel: z.enum(['SMS', 'VOICE']),
  });

  app.post('/workers/:id/confirmations', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const f = parseForm(ConfirmForm, req.body);
    const family = f.confirmer.startsWith('FAMILY:') ? parseForm(RowIdParam, f.confirmer.slice(7)) : undefined;
    const confirmationId = await requestConfirmation(
      { db: deps.db, texts: deps.texts, config: deps.config, enqueue: (rows) => enqueueSends(deps.queues, rows) },
      ctx.user.staff,
      {
        workerId: id,
        kind: f.kind,
        statement: f.statement,
        confirmer: family ? 'FAMILY' : 'WORKER',
        familyContactId: family,
        channel: f.channel,
      },
      'CONSOLE',
    );
    return redirectWith(reply, `/console/confirmations/${confirmationId}`, {
      kind: 'ok',
      text: ctx.t('ledger.confirmationSent'),
    });
  });
}

function StaleDate(props: { at: Date | null; ctx: Ctx }) {
  const stale = !props.at || Date.now() - props.at.getTime() > 7 * 86_400_000;
  return stale ? (
    <Badge kind="bad">{props.at ? chinaDate(props.at) : props.ctx.t('ledger.never')}</Badge>
  ) : (
    <>{chinaDate(props.at)}</>
  );
}

const StatusOptions = (ctx: Ctx): Array<[string, string]> =>
  Object.values(EmploymentStatus)
    .filter((s) => s !== 'TEMPORARILY_UNWILLING' && s !== 'UNKNOWN')
    .map((s) => [s, ctx.t(`status.${s}`)]);

const LaborCapacityOptions = (ctx: Ctx): Array<[string, string]> =>
  Object.values(LaborCapacity).map((c) => [c, ctx.t(`capacity.${c}`)]);

function LedgerTabs(props: { ctx: Ctx; current: 'workers' | 'households' }) {
  const { t } = props.ctx;
  return (
    <p class="actions">
      <a href="/console/ledger" aria-current={props.current === 'workers' ? 'page' : undefined} class="button secondary">
        {t('ledger.workers')}
      </a>
      <a
        href="/console/ledger/households"
        aria-current={props.current === 'households' ? 'page' : undefined}
        class="button secondary"
      >
        {t('ledger.households')}
      </a>
    </p>
  );
}

function LedgerFilters(props: { ctx: Ctx; f: LedgerFilter; action: string; households?: boolean }) {
  const { ctx, f } = props;
  const { t } = ctx;
  const yesNo = (name: string, label: string, value: boolean | undefined) => (
    <Field label={label}>
      <Select
        name={name}
        value={value === undefined ? '' : String(value)}
        blank={t('common.all')}
        options={[
          ['true', t('common.yes')],
          ['false', t('common.no')],
        ]}
      />
    </Field>
  );
  return (
    <form method="get" action={props.action} class="filters">
      <Field label={t('common.search')}>
        <input type="search" name="q" value={f.q ?? ''} placeholder={t('ledger.searchHint')} maxLength={40} />
      </Field>
      <Field label={t('ledger.regionCode')}>
        <input type="text" name="region" value={f.region ?? ''} inputMode="numeric" maxLength={12} size={12} />
      </Field>
      <Field label={t('ledger.category')}>
        <Select
          name="category"
          value={f.category ?? ''}
          blank={t('common.all')}
          options={['NOT_YET_OUT', 'MONITORED', 'EDGE', 'RELOCATED', 'OTHER'].map((c) => [c, t(`category.${c}`)])}
        />
      </Field>
      {props.households ? null : (
        <>
          <Field label={t('common.status')}>
            <Select
              name="status"
              value={f.status ?? ''}
              blank={t('common.all')}
              options={[
                ['EMPLOYED', t('ledger.anyEmployed')],
                ...Object.values(EmploymentStatus).map((s): [string, string] => [s, t(`status.${s}`)]),
              ]}
            />
          </Field>
          {yesNo('stale', t('ledger.stale'), f.stale)}
          {yesNo('returnee', t('ledger.returnee'), f.returnee)}
          {yesNo('away', t('ledger.away'), f.away)}
        </>
      )}
      {yesNo('zero', t('ledger.zero'), f.zero)}
      <button type="submit">{t('common.filter')}</button>
      <a href={props.action}>{t('common.reset')}</a>
    </form>
  );
}
