/**
 * 群发 campaigns: the list of the scope's campaigns, the builder (kind, region, audience filters,
 * text with its SMS segments and the message as the phone shows it, channel, schedule) with a live
 * recipient count, the campaign page with launch behind a confirmation that names the number of
 * people, live progress (polled fragment), pause / resume / cancel, and the results as a chart.
 * Everything goes through the campaign use cases of src/campaigns/control.ts (the same as the
 * API), which enforce the region scope and the roles and write the audit.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { z } from 'zod';
import { type Audience, audienceSchema } from '../../campaigns/audience.js';
import { type Content, contentSchema, FLOW_OF, textsFor } from '../../campaigns/content.js';
import {
  type CampaignView,
  type CreateCampaign,
  campaignProgress,
  cancelCampaign,
  createCampaign,
  getCampaign,
  launchCampaign,
  listCampaigns,
  type Progress,
  pauseCampaign,
  previewCampaign,
  previewDraft,
  resumeCampaign,
} from '../../campaigns/control.js';
import { smsSegments } from '../../channels/twilio/sms-text.js';
import { DomainError } from '../../errors.js';
import { CampaignKind, CampaignStatus, EmploymentStatus, HouseholdCategory } from '../../generated/prisma/enums.js';
import { findRegion } from '../../staff/scope.js';
import { pieChart } from '../charts.js';
import { type Ctx, ctxOf, redirectWith } from '../context.js';
import { parseForm } from '../forms.js';
import { Badge, chinaTime, Field, Figure, Pager, PostForm, Select, SelectFilter, Table } from '../ui.js';

const PAGE = 50;
const KINDS = Object.values(CampaignKind);
const STATUSES = Object.values(CampaignStatus);
const CHANNELS = ['AUTO', 'SMS', 'VOICE', 'TELEGRAM'] as const;
const TERMINAL = new Set(['COMPLETED', 'CANCELLED']);

type Preview = Awaited<ReturnType<typeof previewDraft>>;

// ───────────────────────────── the builder's form ─────────────────────────────

const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x) => x !== ''));
const triState = z
  .enum(['', 'true', 'false'])
  .optional()
  .transform((v) => (v === 'true' ? true : v === 'false' ? false : undefined));
const blank = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const builderForm = z.object({
  name: z.string().optional().default(''),
  kind: z.enum(CampaignKind).default('POLICY_NOTICE'),
  regionCode: z.string().regex(/^\d{2,12}$/, 'expected a region code'),
  regions: list,
  categories: list.pipe(z.array(z.enum(HouseholdCategory))),
  statuses: list.pipe(z.array(z.enum(EmploymentStatus))),
  stale: triState,
  willingToWorkAway: triState,
  zeroEmployment: triState,
  skills: blank,
  /** Filters of a pre-filled audience that the form has no control for (sites, languages, …), as JSON. */
  audienceExtra: blank,
  channel: z.enum(CHANNELS).default('AUTO'),
  text: blank,
  textEn: blank,
  perLeadCap: blank,
  /** JOB_LEADS: only these leads (a lead's page sends here with its id). */
  leadIds: list.transform((ids) => ids.map(Number)).pipe(z.array(z.number().int().positive().max(2_147_483_647))),
  scheduleType: z.enum(['now', 'at', 'weekly', 'monthly']).default('now'),
  at: blank,
  dayOfWeek: blank,
  time: blank,
  day: blank,
});

type BuilderValues = z.output<typeof builderForm>;

/** The filters the form shows as controls; any other audience key rides along in audienceExtra. */
const SHOWN = new Set(['regions', 'categories', 'statuses', 'stale', 'willingToWorkAway', 'zeroEmployment', 'skills']);

/**
 * The fields whose change re-counts the audience (and redraws the phone for kind and channel).
 * The name, the texts and the schedule do not change who is reached: editing them costs no count
 * query, and leaving one for the save button starts no request that the page change would cut off.
 */
const COUNTED = ['kind', 'regionCode', 'channel', 'perLeadCap', ...SHOWN];
const RECOUNT_TRIGGER = `change target:(${COUNTED.map((n) => `[name=${n}]`).join(', ')})`;

function audienceOf(v: BuilderValues): Audience {
  let extra: Record<string, unknown> = {};
  if (v.audienceExtra) {
    try {
      extra = JSON.parse(v.audienceExtra) as Record<string, unknown>;
    } catch {
      throw new DomainError(400, 'validation_error', 'audienceExtra is not JSON');
    }
  }
  const a: Record<string, unknown> = { ...extra };
  if (v.regions.length) a.regions = v.regions;
  if (v.categories.length) a.categories = v.categories;
  if (v.statuses.length) a.statuses = v.statuses;
  if (v.stale !== undefined) a.stale = v.stale;
  if (v.willingToWorkAway !== undefined) a.willingToWorkAway = v.willingToWorkAway;
  if (v.zeroEmployment !== undefined) a.zeroEmployment = v.zeroEmployment;
  const skills = v.skills?.split(/[,，、\s]+/).filter(Boolean);
  if (skills?.length) a.skills = skills;
  const r = audienceSchema.safeParse(a);
  if (!r.success)
    throw new DomainError(400, 'validation_error', `audience/${r.error.issues[0]!.path.join('/')} ${r.error.issues[0]!.message}`);
  return r.data;
}

function contentOf(v: BuilderValues): Content {
  const content: Content = {};
  if (v.text) content.text = { 'zh-CN': v.text, ...(v.textEn ? { en: v.textEn } : {}) };
  if (v.channel !== 'AUTO') content.channel = v.channel;
  if (v.kind === 'JOB_LEADS' && v.perLeadCap) content.perLeadCap = Number(v.perLeadCap);
  if (v.kind === 'JOB_LEADS' && v.leadIds.length) content.leadIds = v.leadIds;
  return content;
}

function scheduleOf(v: BuilderValues): CreateCampaign['schedule'] {
  switch (v.scheduleType) {
    case 'now':
      return { type: 'now' };
    case 'at':
      // datetime-local carries no zone: the office means China time.
      if (!v.at) throw new DomainError(400, 'validation_error', 'schedule/at is required for a scheduled time');
      return { type: 'at', at: `${v.at.length === 16 ? `${v.at}:00` : v.at}+08:00` };
    case 'weekly':
      return { type: 'weekly', dayOfWeek: Number(v.dayOfWeek ?? 1), time: v.time ?? '09:00' };
    case 'monthly':
      return { type: 'monthly', day: Number(v.day ?? 1), time: v.time ?? '09:00' };
  }
}

/** A value for the form from a pre-filled audience and kind (the ledger's "message all N matching"). */
function prefilled(
  ctx: Ctx,
  query: { audience?: string; kind?: string; lead?: string },
): { values: BuilderValues; problem?: string } {
  const base = builderForm.parse({ regionCode: ctx.user.region.code });
  let problem: string | undefined;
  let audience: Audience = {};
  if (query.audience) {
    try {
      const r = audienceSchema.safeParse(JSON.parse(query.audience));
      if (r.success) audience = r.data;
      else problem = `${r.error.issues[0]!.path.join('/')} ${r.error.issues[0]!.message}`;
    } catch {
      problem = 'audience is not JSON';
    }
  }
  const kind = KINDS.includes(query.kind as CampaignKind) ? (query.kind as CampaignKind) : base.kind;
  const extra = Object.fromEntries(Object.entries(audience).filter(([k]) => !SHOWN.has(k)));
  return {
    problem,
    values: {
      ...base,
      kind,
      regions: audience.regions ?? [],
      categories: audience.categories ?? [],
      statuses: audience.statuses ?? [],
      stale: audience.stale,
      willingToWorkAway: audience.willingToWorkAway,
      zeroEmployment: audience.zeroEmployment,
      skills: audience.skills?.join(', '),
      audienceExtra: Object.keys(extra).length ? JSON.stringify(extra) : undefined,
      leadIds: query.lead && /^\d{1,9}$/.test(query.lead) ? [Number(query.lead)] : [],
    },
  };
}

/** The builder's fields a refusal may name (the domain names them as API paths), by their label. */
const FIELD_LABELS: Array<[RegExp, string]> = [
  [/content\/text/, 'campaigns.text'],
  [/schedule\/at/, 'campaigns.atLabel'],
  [/schedule|dayOfWeek|time|day\b/, 'campaigns.when'],
  [/audience\/regions/, 'campaigns.regions'],
  [/regionCode/, 'campaigns.region'],
  [/skills/, 'campaigns.skills'],
  [/name/, 'campaigns.name'],
];

/** A message fit for the builder from a refusal (a DomainError, or a schema's own), naming the field. */
function refusal(err: unknown, t?: Ctx['t']): string | null {
  let message: string | null = null;
  if (err instanceof DomainError && err.statusCode < 500) message = err.message;
  else if (err instanceof z.ZodError) {
    const issue = err.issues[0]!;
    message = `${issue.path.join('/')} ${issue.message}`;
  }
  if (message === null || !t) return message;
  if (/content\/text.*required/.test(message)) return t('campaigns.refused.text');
  if (/schedule\/at.*past/.test(message)) return t('campaigns.refused.past');
  if (/audience\/regions.*outside/.test(message)) return t('campaigns.refused.regions');
  const field = FIELD_LABELS.find(([re]) => re.test(message));
  return field ? `${t(field[1])}：${message}` : message;
}

// ───────────────────────────── pieces ─────────────────────────────

const bool = (t: Ctx['t'], v: boolean | undefined) => (v === undefined ? undefined : v ? t('common.yes') : t('common.no'));

function TriSelect(props: { t: Ctx['t']; name: string; value: boolean | undefined }) {
  const { t } = props;
  return (
    <Select
      name={props.name}
      value={props.value === undefined ? '' : String(props.value)}
      blank={t('campaigns.any')}
      options={[
        ['true', t('common.yes')],
        ['false', t('common.no')],
      ]}
    />
  );
}

function StatusBadge(props: { t: Ctx['t']; status: string }) {
  const kind =
    props.status === 'COMPLETED'
      ? 'ok'
      : props.status === 'CANCELLED'
        ? 'muted'
        : props.status === 'PAUSED'
          ? 'warn'
          : props.status === 'RUNNING'
            ? 'ok'
            : undefined;
  return <Badge kind={kind}>{props.t(`campaigns.status.${props.status}`)}</Badge>;
}

const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6];

/** How a campaign's time reads: now, at a time, every week / month. */
function scheduleText(t: Ctx['t'], c: Pick<CampaignView, 'scheduleAt' | 'cron'>): string {
  if (c.cron) {
    const [m, h, dom, , dow] = c.cron.split(' ');
    const time = `${h!.padStart(2, '0')}:${m!.padStart(2, '0')}`;
    return dow !== '*'
      ? t('campaigns.weeklyAt', { day: t(`campaigns.weekdays.${dow}`), time })
      : t('campaigns.monthlyAt', { day: dom, time });
  }
  return c.scheduleAt ? t('campaigns.atTime', { time: chinaTime(c.scheduleAt) }) : t('campaigns.now');
}

/** The audience in words, as staff set it. */
function AudienceFacts(props: { t: Ctx['t']; audience: Audience; regionNames: Map<string, string> }) {
  const { t, audience: a } = props;
  const rows: Array<[string, string]> = [];
  if (a.regions?.length) rows.push([t('campaigns.regions'), a.regions.map((c) => props.regionNames.get(c) ?? c).join('、')]);
  if (a.categories?.length) rows.push([t('campaigns.categories'), a.categories.map((c) => t(`category.${c}`)).join('、')]);
  if (a.statuses?.length) rows.push([t('campaigns.statuses'), a.statuses.map((s) => t(`status.${s}`)).join('、')]);
  for (const key of ['stale', 'willingToWorkAway', 'zeroEmployment', 'trainingFollowUpDue'] as const) {
    const v = bool(t, a[key]);
    if (v) rows.push([t(`campaigns.${key}`), v]);
  }
  if (a.skills?.length) rows.push([t('campaigns.skills'), a.skills.join('、')]);
  if (a.trainingTrades) rows.push([t('campaigns.trainingTrades'), a.trainingTrades.join('、') || t('campaigns.anyTrade')]);
  if (a.sites?.length) rows.push([t('campaigns.sites'), a.sites.join('、')]);
  if (a.languages?.length) rows.push([t('campaigns.languages'), a.languages.join('、')]);
  if (rows.length === 0) return <p class="muted">{t('campaigns.everyone')}</p>;
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

/** The counts of a preview: who a launch now would reach, and who is left out and why. */
function PreviewCounts(props: { t: Ctx['t']; p: Preview }) {
  const { t, p } = props;
  return (
    <div class="campaign-count" role="status">
      <p class="recipients">
        {t('campaigns.willReach')} <strong id="recipient-count">{p.recipients.toLocaleString('zh-CN')}</strong>{' '}
        {t('campaigns.people')}
      </p>
      <ul class="plain">
        <li>
          {t('campaigns.matching')} {p.audience}
        </li>
        <li>
          {t('campaigns.optedOut')} {p.optedOut}
        </li>
        <li>
          {t('campaigns.capped')} {p.capped}
        </li>
        <li>
          {t('campaigns.noAddress')} {p.noAddress}
        </li>
        {Object.entries(p.byChannel).map(([ch, n]) => (
          <li>
            {t(`channel.${ch}`)} {n}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The message as the phone shows it, with its SMS segments (flow kinds: what the conversation opens with). */
function PhonePreview(props: { t: Ctx['t']; kind: string; channel: string; text: string | null; oob?: boolean }) {
  const { t, kind, channel, text } = props;
  const oob = props.oob ? 'true' : undefined;
  if (FLOW_OF[kind as CampaignKind]) {
    return (
      <div id="text-preview" class="text-preview" hx-swap-oob={oob}>
        <p class="muted">{t(`campaigns.flowNote.${kind}`)}</p>
      </div>
    );
  }
  if (!text) {
    return (
      <div id="text-preview" class="text-preview" hx-swap-oob={oob}>
        <p class="muted">{t('campaigns.noText')}</p>
      </div>
    );
  }
  const segments = smsSegments(text);
  return (
    <div id="text-preview" class="text-preview" hx-swap-oob={oob}>
      <p>
        {t('campaigns.length', { chars: [...text].length })} ·{' '}
        <strong id="segments">{t('campaigns.segments', { count: segments })}</strong>
        {channel === 'VOICE' ? ` · ${t('campaigns.readAloud')}` : ''}
      </p>
      <figure class="phone-preview">
        <figcaption class="sr-only">{t('campaigns.phone')}</figcaption>
        <div class="bubble">{text}</div>
      </figure>
    </div>
  );
}

/** The text people get in zh-CN (with the opt-out footer), or null (flow kinds, or no text yet). */
async function phoneText(app: FastifyInstance, v: BuilderValues): Promise<string | null> {
  if (FLOW_OF[v.kind]) return null;
  if (!v.text && v.kind !== 'TRAINING_LIST') return null;
  const region = await findRegion(app.deps.db.pool, { code: v.regionCode });
  if (!region) return null;
  const out = await textsFor(app.deps.db.pool, app.deps.texts, v.kind, contentOf(v), region);
  return out?.['zh-CN'] ?? null;
}

// ───────────────────────────── the builder ─────────────────────────────

interface RegionOption {
  code: string;
  name: string;
}

function Builder(props: {
  ctx: Ctx;
  v: BuilderValues;
  regions: RegionOption[];
  subregions: RegionOption[];
  preview: Preview | null;
  problem?: string;
  text: string | null;
}) {
  const { ctx, v } = props;
  const { t } = ctx;
  return (
    <PostForm ctx={ctx} action="/console/campaigns" id="builder" class="builder">
      {v.audienceExtra ? <input type="hidden" name="audienceExtra" value={v.audienceExtra} /> : null}
      <div class="builder-grid">
        <div hx-post="/console/campaigns/preview" hx-trigger={RECOUNT_TRIGGER} hx-target="#count" hx-swap="innerHTML">
          <section class="card">
            <h2>{t('campaigns.what')}</h2>
            <Field label={t('campaigns.name')}>
              <input type="text" name="name" value={v.name} required maxLength={200} />
            </Field>
            <Field label={t('campaigns.kind')}>
              <Select name="kind" value={v.kind} options={KINDS.map((k) => [k, t(`campaigns.kinds.${k}`)])} />
            </Field>
            <Field label={t('campaigns.region')}>
              <Select name="regionCode" value={v.regionCode} options={props.regions.map((r) => [r.code, r.name])} />
            </Field>
            <Field label={t('campaigns.channel')}>
              <Select name="channel" value={v.channel} options={CHANNELS.map((c) => [c, t(`campaigns.channels.${c}`)])} />
            </Field>
          </section>
          <section class="card">
            <h2>{t('campaigns.audience')}</h2>
            {props.subregions.length ? (
              <fieldset>
                <legend>{t('campaigns.regions')}</legend>
                {props.subregions.map((r) => (
                  <label class="check">
                    <input type="checkbox" name="regions" value={r.code} checked={v.regions.includes(r.code)} /> {r.name}
                  </label>
                ))}
              </fieldset>
            ) : null}
            <fieldset>
              <legend>{t('campaigns.categories')}</legend>
              {Object.values(HouseholdCategory).map((c) => (
                <label class="check">
                  <input type="checkbox" name="categories" value={c} checked={v.categories.includes(c)} /> {t(`category.${c}`)}
                </label>
              ))}
            </fieldset>
            <fieldset>
              <legend>{t('campaigns.statuses')}</legend>
              {Object.values(EmploymentStatus).map((s) => (
                <label class="check">
                  <input type="checkbox" name="statuses" value={s} checked={v.statuses.includes(s)} /> {t(`status.${s}`)}
                </label>
              ))}
            </fieldset>
            <div class="row">
              <Field label={t('campaigns.stale')}>
                <TriSelect t={t} name="stale" value={v.stale} />
              </Field>
              <Field label={t('campaigns.willingToWorkAway')}>
                <TriSelect t={t} name="willingToWorkAway" value={v.willingToWorkAway} />
              </Field>
              <Field label={t('campaigns.zeroEmployment')}>
                <TriSelect t={t} name="zeroEmployment" value={v.zeroEmployment} />
              </Field>
            </div>
            <Field label={t('campaigns.skills')} hint={t('campaigns.skillsHint')}>
              <input type="text" name="skills" value={v.skills ?? ''} />
            </Field>
            {v.audienceExtra ? (
              <p class="muted">
                {t('campaigns.extraFilters')} <code>{v.audienceExtra}</code>
              </p>
            ) : null}
          </section>
          <section class="card">
            <h2>{t('campaigns.message')}</h2>
            <Field label={t('campaigns.text')} hint={t('campaigns.textHint')}>
              <textarea
                name="text"
                rows={5}
                maxLength={1000}
                hx-post="/console/campaigns/preview-text"
                hx-trigger="input changed delay:300ms"
                hx-target="#text-preview"
                hx-swap="outerHTML"
              >
                {v.text ?? ''}
              </textarea>
            </Field>
            <Field label={t('campaigns.textEn')}>
              <textarea name="textEn" rows={3} maxLength={1000}>
                {v.textEn ?? ''}
              </textarea>
            </Field>
            {v.kind === 'JOB_LEADS' && v.leadIds.length ? (
              <p id="only-leads">
                {t('campaigns.onlyLeads')}{' '}
                {v.leadIds.map((id) => (
                  <>
                    <input type="hidden" name="leadIds" value={String(id)} />
                    <a href={`/console/job-leads/${id}`}>#{id}</a>{' '}
                  </>
                ))}
              </p>
            ) : null}
            {v.kind === 'JOB_LEADS' ? (
              <Field label={t('campaigns.perLeadCap')}>
                <input type="number" name="perLeadCap" min={1} value={v.perLeadCap ?? ''} />
              </Field>
            ) : null}
          </section>
          <section class="card">
            <h2>{t('campaigns.when')}</h2>
            <fieldset>
              <legend>{t('campaigns.scheduleType')}</legend>
              {(['now', 'at', 'weekly', 'monthly'] as const).map((s) => (
                <label class="check">
                  <input type="radio" name="scheduleType" value={s} checked={v.scheduleType === s} />{' '}
                  {t(`campaigns.schedule.${s}`)}
                </label>
              ))}
            </fieldset>
            <div class="row">
              <Field label={t('campaigns.atLabel')}>
                <input type="datetime-local" name="at" value={v.at ?? ''} />
              </Field>
              <Field label={t('campaigns.dayOfWeek')}>
                <Select
                  name="dayOfWeek"
                  value={v.dayOfWeek ?? '1'}
                  options={WEEKDAYS.map((d) => [String(d), t(`campaigns.weekdays.${d}`)])}
                />
              </Field>
              <Field label={t('campaigns.dayOfMonth')}>
                <input type="number" name="day" min={1} max={28} value={v.day ?? '1'} />
              </Field>
              <Field label={t('campaigns.time')}>
                <input type="time" name="time" value={v.time ?? '09:00'} />
              </Field>
            </div>
          </section>
        </div>
        <aside class="builder-side">
          <section class="card sticky">
            <h2>{t('campaigns.preview')}</h2>
            <div id="count" aria-live="polite">
              {props.problem ? (
                <p class="flash error">{props.problem}</p>
              ) : props.preview ? (
                <PreviewCounts t={t} p={props.preview} />
              ) : null}
            </div>
            <PhonePreview t={t} kind={v.kind} channel={v.channel} text={props.text} />
            <div class="actions">
              <button type="submit" formaction="/console/campaigns/preview" formNoValidate class="secondary">
                {t('campaigns.recount')}
              </button>
              <button type="submit" class="primary">
                {t('campaigns.saveDraft')}
              </button>
            </div>
          </section>
        </aside>
      </div>
    </PostForm>
  );
}

// ───────────────────────────── progress ─────────────────────────────

function eta(t: Ctx['t'], s: number | null): string {
  if (s === null) return '—';
  if (s === 0) return t('campaigns.etaDone');
  return s < 90 ? t('campaigns.etaSeconds', { n: s }) : t('campaigns.etaMinutes', { n: Math.ceil(s / 60) });
}

function ProgressPanel(props: { ctx: Ctx; c: CampaignView; p: Progress }) {
  const { ctx, c, p } = props;
  const { t } = ctx;
  const done = TERMINAL.has(p.status);
  const soon = !c.cron && (!c.scheduleAt || c.scheduleAt.getTime() - Date.now() < 60_000);
  // Receipts still arriving for a campaign that finished sending in the last ten minutes.
  const awaiting = p.status === 'COMPLETED' && p.sent > 0 && !!p.completedAt && Date.now() - p.completedAt.getTime() < 600_000;
  // Poll while something moves: every 2 s while sending (or about to), slower while waiting, paused or awaiting receipts.
  const every = awaiting ? '5s' : done ? undefined : p.status === 'RUNNING' || (p.status === 'SCHEDULED' && soon) ? '2s' : '20s';
  const canAct = ctx.user.role !== 'VIEWER';
  const chart =
    done || p.status === 'PAUSED'
      ? pieChart({
          title: t('campaigns.results'),
          slices: [
            { name: t('campaigns.delivered'), value: p.delivered },
            { name: t('campaigns.sent'), value: p.sent },
            { name: t('campaigns.failed'), value: p.failed },
            { name: t('campaigns.cancelled'), value: p.cancelled },
            { name: t('campaigns.queued'), value: p.queued },
          ].filter((s) => s.value > 0),
        })
      : null;
  return (
    <section
      id="progress"
      class="card"
      data-status={p.status}
      data-settled={String(p.queued === 0 && p.sent === 0)}
      hx-get={every ? `/console/campaigns/${c.id}/progress` : undefined}
      hx-trigger={every ? `every ${every}` : undefined}
      hx-swap={every ? 'outerHTML' : undefined}
    >
      <h2>
        {t('campaigns.progress')} <StatusBadge t={t} status={p.status} />
      </h2>
      <div class="progress-line">
        <progress id="progress-bar" value={p.percent} max={100} aria-label={t('campaigns.progress')}>
          {p.percent}%
        </progress>
        <strong id="percent">{p.percent.toFixed(1)}%</strong>
      </div>
      <ul class="figures compact">
        <Figure label={t('campaigns.recipients')} value={p.recipients} />
        <Figure label={t('campaigns.sent')} value={p.sent} />
        <Figure label={t('campaigns.delivered')} value={p.delivered} />
        <Figure label={t('campaigns.failed')} value={p.failed} bad={p.failed > 0} />
        <Figure label={t('campaigns.replied')} value={p.replied} />
        <Figure label={t('campaigns.rate')} value={done ? '—' : t('campaigns.perSecond', { n: p.ratePerSecond })} />
        <Figure label={t('campaigns.eta')} value={done ? '—' : eta(t, p.etaSeconds)} />
      </ul>
      {p.status === 'SCHEDULED' ? <p class="muted">{t('campaigns.waiting', { when: scheduleText(t, c) })}</p> : null}
      {canAct && !done ? (
        <div class="actions">
          {p.status === 'RUNNING' || p.status === 'SCHEDULED' ? (
            <ActionForm ctx={ctx} id={c.id} action="pause" label={t('campaigns.pause')} />
          ) : null}
          {p.status === 'PAUSED' ? <ActionForm ctx={ctx} id={c.id} action="resume" label={t('campaigns.resume')} /> : null}
          <ActionForm
            ctx={ctx}
            id={c.id}
            action="cancel"
            label={t('campaigns.cancel')}
            danger
            confirm={t('campaigns.cancelConfirm')}
          />
        </div>
      ) : null}
      {chart ? <div class="chart" dangerouslySetInnerHTML={{ __html: chart }} /> : null}
    </section>
  );
}

function ActionForm(props: { ctx: Ctx; id: number; action: string; label: string; danger?: boolean; confirm?: string }) {
  return (
    <PostForm ctx={props.ctx} action={`/console/campaigns/${props.id}/${props.action}`} class="inline" confirm={props.confirm}>
      <button type="submit" class={props.danger ? 'danger' : 'secondary'} id={`campaign-${props.action}`}>
        {props.label}
      </button>
    </PostForm>
  );
}

// ───────────────────────────── routes ─────────────────────────────

const IdParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

function fragment(reply: FastifyReply, node: VNode): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(render(node));
}

/**
 * The domain refuses in English for API callers (not found, a viewer, a region outside the scope,
 * a state that does not allow it); this screen's pages say it in the user's language, then the
 * console's error handler renders the page as for any refusal.
 */
export function localizeRefusals(app: FastifyInstance): void {
  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req) => {
    const t = req.consoleCtx?.t;
    if (!t || !(err instanceof DomainError)) throw err;
    if (err.statusCode === 404) throw new DomainError(404, err.code, t('common.notFound'));
    if (err.statusCode === 403 && err.code === 'forbidden') {
      const why = /viewer/i.test(err.message) ? t('campaigns.refused.viewer') : t('campaigns.refused.scope');
      throw new DomainError(403, err.code, `${t('common.forbidden')}：${why}`);
    }
    if (err.statusCode === 409) throw new DomainError(409, err.code, t('campaigns.refused.state'));
    throw err;
  });
}

export async function campaignRoutes(app: FastifyInstance): Promise<void> {
  localizeRefusals(app);
  const deps = app.deps;
  const { pool, prisma } = deps.db;

  /** The campaign's possible regions (the scope and the regions right below it) and the audience's. */
  async function regionChoices(ctx: Ctx, v?: BuilderValues) {
    const here = ctx.user.region;
    const children = await prisma.region.findMany({
      where: { parentId: here.id },
      orderBy: { code: 'asc' },
      select: { code: true, name: true },
      take: 300,
    });
    const regions = [{ code: here.code, name: here.name }, ...children];
    const subregions = [...children];
    for (const code of v?.regions ?? []) {
      if (!subregions.some((r) => r.code === code)) {
        const r = await findRegion(pool, { code });
        subregions.push({ code, name: r?.name ?? code });
      }
    }
    return { regions, subregions };
  }

  async function regionNames(codes: string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows = await prisma.region.findMany({ where: { code: { in: codes } }, select: { code: true, name: true } });
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  async function builderPage(req: FastifyRequest, reply: FastifyReply, v: BuilderValues, problem?: string, status = 200) {
    const ctx = ctxOf(req);
    const { regions, subregions } = await regionChoices(ctx, v);
    let preview: Preview | null = null;
    let text: string | null = null;
    if (!problem) {
      try {
        preview = await previewDraft(deps, ctx.user.staff, {
          kind: v.kind,
          regionCode: v.regionCode,
          audience: audienceOf(v),
          content: contentOf(v),
        });
        text = await phoneText(app, v);
      } catch (err) {
        problem = refusal(err, ctx.t) ?? undefined;
        if (problem === undefined) throw err;
      }
    }
    return reply.page(
      ctx.t('campaigns.newTitle'),
      <Builder ctx={ctx} v={v} regions={regions} subregions={subregions} preview={preview} problem={problem} text={text} />,
      status,
    );
  }

  app.get('/campaigns', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const q = parseForm(
      z.object({
        status: z.enum(CampaignStatus).or(z.literal('')).optional(),
        page: z.coerce.number().int().min(1).max(10_000).default(1),
      }),
      req.query,
    );
    const status = q.status || undefined;
    const rows = await listCampaigns(pool, ctx.user.staff, PAGE + 1, { status, offset: (q.page - 1) * PAGE });
    const more = rows.length > PAGE;
    if (more) rows.length = PAGE;
    const names = await regionNames([...new Set(rows.map((r) => r.regionCode))]);
    return reply.page(
      t('campaigns.title'),
      <>
        <div class="actions">
          {ctx.user.role !== 'VIEWER' ? (
            <a class="button" href="/console/campaigns/new">
              {t('campaigns.new')}
            </a>
          ) : null}
        </div>
        <SelectFilter
          ctx={ctx}
          action="/console/campaigns"
          label={t('common.status')}
          name="status"
          value={status}
          blank={t('common.all')}
          options={STATUSES.map((s) => [s, t(`campaigns.status.${s}`)])}
        />
        <Table
          id="campaigns"
          rows={rows}
          empty={t('campaigns.none')}
          columns={[
            { label: t('campaigns.name'), cell: (c) => <a href={`/console/campaigns/${c.id}`}>{c.name}</a> },
            { label: t('campaigns.kind'), cell: (c) => t(`campaigns.kinds.${c.kind}`) },
            { label: t('common.region'), cell: (c) => names.get(c.regionCode) ?? c.regionCode },
            { label: t('common.status'), cell: (c) => <StatusBadge t={t} status={c.status} /> },
            { label: t('campaigns.recipients'), num: true, cell: (c) => (c.launchedAt ? c.recipients : '—') },
            { label: t('campaigns.when'), cell: (c) => (c.launchedAt ? chinaTime(c.launchedAt) : scheduleText(t, c)) },
            { label: t('campaigns.created'), cell: (c) => chinaTime(c.createdAt) },
          ]}
        />
        <Pager ctx={ctx} page={q.page} hasMore={more} />
      </>,
    );
  });

  app.get('/campaigns/new', async (req, reply) => {
    const ctx = ctxOf(req);
    if (ctx.user.role === 'VIEWER') throw new DomainError(403, 'forbidden', ctx.t('campaigns.viewerCannot'));
    const q = req.query as { audience?: string; kind?: string; lead?: string };
    const { values, problem } = prefilled(ctx, { audience: q.audience, kind: q.kind, lead: q.lead });
    return builderPage(req, reply, values, problem ? `${ctx.t('campaigns.badAudience')} ${problem}` : undefined);
  });

  // The live count: the builder's form as it stands, answered as a fragment (htmx), or the whole
  // builder with the count when the browser runs no script.
  app.post('/campaigns/preview', async (req, reply) => {
    const ctx = ctxOf(req);
    const v = parseForm(builderForm, req.body);
    if (!req.headers['hx-request']) return builderPage(req, reply, v);
    let body: VNode;
    let text: string | null = null;
    try {
      const p = await previewDraft(deps, ctx.user.staff, {
        kind: v.kind,
        regionCode: v.regionCode,
        audience: audienceOf(v),
        content: contentOf(v),
      });
      text = await phoneText(app, v);
      body = <PreviewCounts t={ctx.t} p={p} />;
    } catch (err) {
      const message = refusal(err, ctx.t);
      if (message === null) throw err;
      body = <p class="flash error">{message}</p>;
    }
    return fragment(
      reply,
      <>
        {body}
        <PhonePreview t={ctx.t} kind={v.kind} channel={v.channel} text={text} oob />
      </>,
    );
  });

  app.post('/campaigns/preview-text', async (req, reply) => {
    const ctx = ctxOf(req);
    const v = parseForm(builderForm, req.body);
    let text: string | null = null;
    try {
      text = await phoneText(app, v);
    } catch (err) {
      if (refusal(err) === null) throw err;
    }
    return fragment(reply, <PhonePreview t={ctx.t} kind={v.kind} channel={v.channel} text={text} />);
  });

  app.post('/campaigns', async (req, reply) => {
    const ctx = ctxOf(req);
    const v = parseForm(builderForm, req.body);
    let created: CampaignView;
    try {
      created = await createCampaign(deps, ctx.user.staff, {
        name: v.name.trim() || ctx.t('campaigns.untitled'),
        kind: v.kind,
        regionCode: v.regionCode,
        audience: audienceOf(v),
        content: contentOf(v),
        schedule: scheduleOf(v),
      });
    } catch (err) {
      // Refused by a rule other than the role: the builder again, as filled in, with the reason.
      const message = refusal(err, ctx.t);
      if (message === null || (err instanceof DomainError && err.statusCode === 403)) throw err;
      return builderPage(req, reply, v, message, 400);
    }
    return redirectWith(reply, `/console/campaigns/${created.id}`, { kind: 'ok', text: ctx.t('campaigns.saved') });
  });

  app.get('/campaigns/:id', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const { id } = parseForm(IdParams, req.params);
    const c = await getCampaign(pool, ctx.user.staff, id);
    const audience = audienceSchema.parse(c.audience);
    const content = contentSchema.parse(c.content ?? {});
    const names = await regionNames([c.regionCode, ...(audience.regions ?? [])]);
    const draft = c.status === 'DRAFT';
    const canAct = ctx.user.role !== 'VIEWER';
    const region = (await findRegion(pool, { code: c.regionCode }))!;
    const text = FLOW_OF[c.kind]
      ? null
      : ((await textsFor(pool, deps.texts, c.kind, content, region).catch(() => null))?.['zh-CN'] ?? null);
    const preview = draft ? await previewCampaign(deps, ctx.user.staff, id) : null;
    const progress = draft ? null : await campaignProgress(deps, ctx.user.staff, id);
    const runs = c.cron
      ? await prisma.campaign.findMany({
          where: { parentId: id },
          orderBy: { id: 'desc' },
          take: 20,
          select: { id: true, name: true, status: true, recipients: true, launchedAt: true },
        })
      : [];
    return reply.page(
      c.name,
      <>
        <p>
          <a href="/console/campaigns">← {t('campaigns.title')}</a>
        </p>
        <div class="grid2">
          <section class="card">
            <h2>{t('campaigns.facts')}</h2>
            <dl class="facts">
              <dt>{t('campaigns.kind')}</dt>
              <dd>{t(`campaigns.kinds.${c.kind}`)}</dd>
              <dt>{t('campaigns.region')}</dt>
              <dd>{names.get(c.regionCode) ?? c.regionCode}</dd>
              {draft ? (
                <>
                  <dt>{t('common.status')}</dt>
                  <dd>
                    <StatusBadge t={t} status={c.status} />
                  </dd>
                </>
              ) : null}
              <dt>{t('campaigns.channel')}</dt>
              <dd>{t(`campaigns.channels.${content.channel ?? 'AUTO'}`)}</dd>
              <dt>{t('campaigns.when')}</dt>
              <dd>{scheduleText(t, c)}</dd>
              <dt>{t('campaigns.created')}</dt>
              <dd>{chinaTime(c.createdAt)}</dd>
              {c.launchedAt ? (
                <>
                  <dt>{t('campaigns.launched')}</dt>
                  <dd>{chinaTime(c.launchedAt)}</dd>
                </>
              ) : null}
              {c.completedAt ? (
                <>
                  <dt>{t('campaigns.completed')}</dt>
                  <dd>{chinaTime(c.completedAt)}</dd>
                </>
              ) : null}
            </dl>
            <h3>{t('campaigns.audience')}</h3>
            <AudienceFacts t={t} audience={audience} regionNames={names} />
          </section>
          <section class="card">
            <h2>{t('campaigns.message')}</h2>
            <PhonePreview t={t} kind={c.kind} channel={content.channel ?? 'AUTO'} text={text} />
          </section>
        </div>
        {preview ? (
          <section class="card" id="draft">
            <h2>{t('campaigns.preview')}</h2>
            <PreviewCounts t={t} p={preview} />
            {canAct ? (
              <div class="actions">
                <a class="button" id="to-launch" href={`/console/campaigns/${id}/launch`}>
                  {t('campaigns.launch')}
                </a>
                <ActionForm ctx={ctx} id={id} action="cancel" label={t('campaigns.discard')} danger />
              </div>
            ) : (
              <p class="muted">{t('campaigns.viewerNote')}</p>
            )}
          </section>
        ) : null}
        {progress ? <ProgressPanel ctx={ctx} c={c} p={progress} /> : null}
        {runs.length ? (
          <>
            <h2>{t('campaigns.runs')}</h2>
            <Table
              rows={runs}
              empty={t('campaigns.none')}
              columns={[
                { label: t('campaigns.name'), cell: (r) => <a href={`/console/campaigns/${r.id}`}>{r.name}</a> },
                { label: t('common.status'), cell: (r) => <StatusBadge t={t} status={r.status} /> },
                { label: t('campaigns.recipients'), num: true, cell: (r) => r.recipients },
                { label: t('campaigns.launched'), cell: (r) => chinaTime(r.launchedAt) },
              ]}
            />
          </>
        ) : null}
      </>,
    );
  });

  app.get('/campaigns/:id/progress', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const c = await getCampaign(pool, ctx.user.staff, id);
    const p = await campaignProgress(deps, ctx.user.staff, id);
    return fragment(reply, <ProgressPanel ctx={ctx} c={c} p={p} />);
  });

  /** The confirmation step: the number of people it will reach now, then one button. */
  async function confirmPage(req: FastifyRequest, reply: FastifyReply, id: number, changedFrom?: number) {
    const ctx = ctxOf(req);
    const { t } = ctx;
    const c = await getCampaign(pool, ctx.user.staff, id);
    if (c.status !== 'DRAFT') return redirectWith(reply, `/console/campaigns/${id}`);
    const p = await previewCampaign(deps, ctx.user.staff, id);
    return reply.page(
      t('campaigns.confirmTitle', { name: c.name }),
      <section class="card confirm">
        {changedFrom !== undefined ? (
          <p class="flash error" role="alert">
            {t('campaigns.countChanged', { before: changedFrom, now: p.recipients })}
          </p>
        ) : null}
        <p class="confirm-count" id="confirm-count">
          {t('campaigns.willSendTo', { count: p.recipients, n: p.recipients.toLocaleString('zh-CN') })}
        </p>
        <p>
          {t('campaigns.when')}: {scheduleText(t, c)}
        </p>
        <PreviewCounts t={t} p={p} />
        {ctx.user.role === 'VIEWER' ? (
          <p class="muted">{t('campaigns.viewerNote')}</p>
        ) : (
          <PostForm ctx={ctx} action={`/console/campaigns/${id}/launch`} class="actions">
            <input type="hidden" name="recipients" value={String(p.recipients)} />
            <button type="submit" class="primary" id="confirm-launch" disabled={p.recipients === 0}>
              {t('campaigns.confirmLaunch', { n: p.recipients.toLocaleString('zh-CN') })}
            </button>
            <a href={`/console/campaigns/${id}`}>{t('common.back')}</a>
          </PostForm>
        )}
      </section>,
    );
  }

  app.get('/campaigns/:id/launch', async (req, reply) => {
    const { id } = parseForm(IdParams, req.params);
    return confirmPage(req, reply, id);
  });

  app.post('/campaigns/:id/launch', async (req, reply) => {
    const ctx = ctxOf(req);
    const { id } = parseForm(IdParams, req.params);
    const { recipients } = parseForm(z.object({ recipients: z.coerce.number().int().min(0).optional() }), req.body);
    if (ctx.user.role !== 'VIEWER' && recipients !== undefined) {
      // The people named on the confirmation are the people it goes to: if the count moved since, ask again.
      const now = await previewCampaign(deps, ctx.user.staff, id);
      if (now.recipients !== recipients) return confirmPage(req, reply, id, recipients);
    }
    await launchCampaign(deps, ctx.user.staff, id);
    return redirectWith(reply, `/console/campaigns/${id}`, { kind: 'ok', text: ctx.t('campaigns.launched_ok') });
  });

  const actions = { pause: pauseCampaign, resume: resumeCampaign, cancel: cancelCampaign } as const;
  for (const [name, run] of Object.entries(actions)) {
    app.post(`/campaigns/:id/${name}`, async (req, reply) => {
      const ctx = ctxOf(req);
      const { id } = parseForm(IdParams, req.params);
      await run(deps, ctx.user.staff, id);
      return redirectWith(reply, `/console/campaigns/${id}`, { kind: 'ok', text: ctx.t(`campaigns.done.${name}`) });
    });
  }
}
