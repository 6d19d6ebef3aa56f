/**
 * Training (§15, §16).
 *
 * - The monthly training-demand list (培训需求清单) of a county: workers' TrainingRequests on that
 *   month's list (listMonth), one row per trade (count, people, their contact numbers). Published
 *   on the 1st for the month that just ended: a CSV and an XLSX under DATA_DIR/training-lists/,
 *   a TrainingListPublication row (once per county and month: the unique key decides), and a
 *   short SMS or Telegram summary to each training institution registered in the county.
 * - The 30-day follow-up (§16): trainees of a course that ended 30 days ago get the check-in
 *   conversation (startCheckIn) and followUpAt; employedWithinMonth comes from their employment
 *   events effective within 30 days after the course ended (and is refreshed for 30 days after
 *   the follow-up, as late reports arrive).
 * - Employment rates per institution and per course; below 50% employed within a month is flagged.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startCheckIn } from '../conversations/start.js';
import type { Db } from '../db/database.js';
import { inTransaction, type Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { shanghaiDate, shanghaiDay } from '../ledger/china-time.js';
import { isOptedOut } from '../ledger/opt-outs.js';
import { createMessage } from '../ledger/outbound.js';
import { TRAINING_EMPLOYMENT_RATE_THRESHOLD, TRAINING_FOLLOW_UP_DAYS } from '../ledger/program-rules.js';
import { EMPLOYED_STATUSES } from '../ledger/status-rules.js';
import { type Column, writeRowsToFile, writeXlsxSheets } from '../reports/export.js';

/** Trades named in the SMS summary before "…". */
const SUMMARY_TRADES = 5;

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

export function assertMonth(month: string): void {
  if (!MONTH_RE.test(month)) throw new Error(`expected a month as YYYY-MM, got "${month}"`);
}

/** The month before `month` (YYYY-MM). */
export function previousMonth(month: string): string {
  assertMonth(month);
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

export interface DemandRow {
  trade: string;
  tradeLabel: string;
  count: number;
  /** Names, 、-separated. */
  people: string;
  /** The people's phone numbers, 、-separated (for the institution to enrol them). */
  contact: string;
}

export interface DemandDetail {
  trade: string;
  tradeLabel: string;
  name: string;
  village: string;
  phone: string | null;
  preferredMonth: string | null;
  requestedAt: Date;
}

function tradeLabel(texts: Texts, trade: string): string {
  const key = `flows:training.trades.${trade}`;
  const label = texts.forLanguage('zh-CN')(key);
  return label === key || label === `training.trades.${trade}` ? trade : label;
}

/** The county's demand list for a month: one row per trade (most requested first) and the requests. */
export async function trainingDemandList(
  sql: Sql,
  texts: Texts,
  q: { countyId: number; month: string },
): Promise<{ rows: DemandRow[]; details: DemandDetail[] }> {
  assertMonth(q.month);
  const r = await sql.query<Omit<DemandDetail, 'tradeLabel'>>(
    `SELECT t.trade, w.name, v.name AS village, w.phone, t."preferredMonth", t."createdAt" AS "requestedAt"
       FROM "TrainingRequest" t
       JOIN "Worker" w ON w.id = t."workerId"
       JOIN "Region" v ON v.id = w."villageId"
      WHERE t."listMonth" = $2 AND w."countyId" = $1
      ORDER BY t.trade, v.code, w.name, t.id`,
    [q.countyId, q.month],
  );
  const details = r.rows.map((d) => ({ ...d, tradeLabel: tradeLabel(texts, d.trade) }));
  const byTrade = new Map<string, DemandDetail[]>();
  for (const d of details) byTrade.set(d.trade, [...(byTrade.get(d.trade) ?? []), d]);
  const rows = [...byTrade.entries()]
    .map(([trade, list]) => ({
      trade,
      tradeLabel: list[0]!.tradeLabel,
      count: list.length,
      people: list.map((d) => d.name).join('、'),
      contact: list
        .map((d) => d.phone ?? '')
        .filter(Boolean)
        .join('、'),
    }))
    .sort((a, b) => b.count - a.count || a.trade.localeCompare(b.trade));
  return { rows, details };
}

const DEMAND_COLUMNS: Column<DemandRow>[] = [
  { key: 'tradeLabel', zh: '工种', en: 'trade', width: 14 },
  { key: 'trade', zh: '工种代码', en: 'trade code', width: 14 },
  { key: 'count', zh: '人数', en: 'count' },
  { key: 'people', zh: '人员', en: 'people', width: 40 },
  { key: 'contact', zh: '联系电话', en: 'contact', width: 40 },
];

const DETAIL_COLUMNS: Column<DemandDetail>[] = [
  { key: 'tradeLabel', zh: '工种', en: 'trade', width: 14 },
  { key: 'name', zh: '姓名', en: 'name' },
  { key: 'village', zh: '村', en: 'village', width: 14 },
  { key: 'phone', zh: '联系电话', en: 'phone', width: 16 },
  { key: 'preferredMonth', zh: '希望月份', en: 'preferred month' },
  { key: 'requestedAt', zh: '登记时间', en: 'requested at', width: 18 },
];

export interface PublishDeps {
  db: Db;
  texts: Texts;
  /** Queues the pushes after the publication commits. */
  enqueue(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
  dataDir: string;
}

export interface Publication {
  id: number;
  countyId: number;
  month: string;
  rows: number;
  people: number;
  files: string[];
  pushed: number;
  publishedAt: Date;
}

export interface PublishResult {
  /** false: this county's list for the month had been published before (nothing was redone). */
  published: boolean;
  publication: Publication;
}

async function writeFiles(
  dataDir: string,
  countyCode: string,
  month: string,
  list: Awaited<ReturnType<typeof trainingDemandList>>,
) {
  const dir = join(dataDir, 'training-lists');
  mkdirSync(dir, { recursive: true });
  const base = `${countyCode}-${month}`;
  await writeRowsToFile('csv', list.rows, DEMAND_COLUMNS, join(dir, `${base}.csv`));
  await writeXlsxSheets(
    [
      { name: '培训需求清单', columns: DEMAND_COLUMNS, rows: list.rows },
      { name: '明细', columns: DETAIL_COLUMNS, rows: list.details },
    ],
    createWriteStream(join(dir, `${base}.xlsx`)),
  );
  return [`training-lists/${base}.csv`, `training-lists/${base}.xlsx`];
}

/**
 * Publishes one county's list for a month: once only (a second call returns the first
 * publication). The files, the publication row and the pushes to the county's training
 * institutions are written in one transaction; the pushes are queued after it commits.
 */
export async function publishTrainingList(
  deps: PublishDeps,
  q: { countyId: number; month: string; now?: Date },
): Promise<PublishResult> {
  assertMonth(q.month);
  const now = q.now ?? new Date();
  const outcome = await inTransaction(deps.db.pool, async (sql) => {
    const county = await sql.query<{ code: string; name: string }>(`SELECT code, name FROM "Region" WHERE id = $1`, [q.countyId]);
    if (!county.rows[0]) throw new Error(`no region ${q.countyId}`);
    const list = await trainingDemandList(sql, deps.texts, q);
    const people = list.details.length;
    // The unique (county, month) claims the publication; a concurrent publisher waits here and then finds it taken.
    const claim = await sql.query<{ id: number }>(
      `INSERT INTO "TrainingListPublication" ("countyId", month, rows, people, "publishedAt")
       VALUES ($1, $2, $3, $4, $5::timestamp(3)) ON CONFLICT ("countyId", month) DO NOTHING RETURNING id`,
      [q.countyId, q.month, list.rows.length, people, now.toISOString()],
    );
    if (!claim.rows[0]) return { published: false as const, queue: [] };
    const files = await writeFiles(deps.dataDir, county.rows[0].code.slice(0, 6), q.month, list);

    const t = deps.texts.forLanguage('zh-CN');
    const [y, m] = q.month.split('-').map(Number) as [number, number];
    const items = list.rows
      .slice(0, SUMMARY_TRADES)
      .map((r) => t('programs:training.list_item', { trade: r.tradeLabel, count: r.count }))
      .join('，');
    const body = t('programs:training.list_sms', {
      county: county.rows[0].name,
      month: `${y}年${m}月`,
      items: items + (list.rows.length > SUMMARY_TRADES ? t('programs:training.other_trades') : ''),
      people,
    });
    const queue: Array<{ id: bigint; channel: Channel }> = [];
    if (people > 0) {
      const inst = await sql.query<{ id: number; phone: string | null; telegramChatId: string | null }>(
        `WITH RECURSIVE sub AS (
           SELECT id FROM "Region" WHERE id = $1
           UNION ALL SELECT r.id FROM "Region" r JOIN sub ON r."parentId" = sub.id
         )
         SELECT i.id, i.phone, i."telegramChatId"::text AS "telegramChatId"
           FROM "TrainingInstitution" i WHERE i."regionId" IN (SELECT id FROM sub) ORDER BY i.id`,
        [q.countyId],
      );
      for (const i of inst.rows) {
        const targets: Array<{ channel: Channel; address: string }> = [];
        if (i.phone) targets.push({ channel: 'SMS', address: i.phone });
        if (i.telegramChatId) targets.push({ channel: 'TELEGRAM', address: i.telegramChatId });
        for (const target of targets) {
          if (await isOptedOut(sql, target.channel, target.address)) continue;
          const id = await createMessage(sql, {
            kind: 'FLOW',
            channel: target.channel,
            body,
            language: 'zh-CN',
            toAddress: target.address,
          });
          queue.push({ id, channel: target.channel });
        }
      }
    }
    await sql.query(`UPDATE "TrainingListPublication" SET files = $2::jsonb, pushed = $3 WHERE id = $1`, [
      claim.rows[0].id,
      JSON.stringify(files),
      queue.length,
    ]);
    return { published: true as const, queue };
  });
  if (outcome.queue.length > 0) await deps.enqueue(outcome.queue);
  const p = await deps.db.pool.query<Publication>(
    `SELECT id, "countyId", month, rows, people, files, pushed, "publishedAt" FROM "TrainingListPublication"
      WHERE "countyId" = $1 AND month = $2`,
    [q.countyId, q.month],
  );
  return { published: outcome.published, publication: p.rows[0]! };
}

/**
 * Publishes the month's list of every county with requests on it (or only `countyId`); counties
 * already published are left as they are. Default month: the one before `now` (run on the 1st).
 */
export async function publishTrainingLists(
  deps: PublishDeps,
  q: { month?: string; countyId?: number; now?: Date } = {},
): Promise<PublishResult[]> {
  const now = q.now ?? new Date();
  const [y, m] = shanghaiDate(now);
  const month = q.month ?? previousMonth(`${y}-${String(m).padStart(2, '0')}`);
  assertMonth(month);
  const counties = q.countyId
    ? [q.countyId]
    : (
        await deps.db.pool.query<{ countyId: number }>(
          `SELECT DISTINCT w."countyId" FROM "TrainingRequest" t JOIN "Worker" w ON w.id = t."workerId"
            WHERE t."listMonth" = $1 ORDER BY 1`,
          [month],
        )
      ).rows.map((r) => r.countyId);
  const results: PublishResult[] = [];
  for (const countyId of counties) results.push(await publishTrainingList(deps, { countyId, month, now }));
  return results;
}

/** A county's publications, newest month first. */
export async function trainingListPublications(sql: Sql, countyId: number): Promise<Publication[]> {
  const r = await sql.query<Publication>(
    `SELECT id, "countyId", month, rows, people, files, pushed, "publishedAt" FROM "TrainingListPublication"
      WHERE "countyId" = $1 ORDER BY month DESC`,
    [countyId],
  );
  return r.rows;
}

// ───────────────────────────── 30-day follow-up (§16) ─────────────────────────────

export interface FollowUpDeps {
  db: Db;
  texts: Texts;
  enqueue(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
}

export interface FollowUpResult {
  /** Enrolments followed up, with how. */
  followedUp: Array<{ enrollmentId: number; workerId: number; channel: Channel | null; outcome: string }>;
  /** Enrolments left for the next run (the trainee is in another conversation). */
  deferred: number;
  /** employedWithinMonth values written. */
  updated: number;
}

/**
 * Sets employedWithinMonth from the employment events effective within TRAINING_FOLLOW_UP_DAYS after the
 * course ended, for enrolments followed up in the last TRAINING_FOLLOW_UP_DAYS days (late reports count).
 */
export async function refreshEmployedWithinMonth(sql: Sql, now = new Date(), enrollmentIds?: number[]): Promise<number> {
  const r = await sql.query(
    `WITH v AS (
       SELECT e.id,
              EXISTS (SELECT 1 FROM "EmploymentEvent" ev
                       WHERE ev."workerId" = e."workerId" AND ev.status = ANY($2::"EmploymentStatus"[])
                         AND ev."effectiveDate" BETWEEN c."endDate" AND c."endDate" + $3::int) AS employed
         FROM "TrainingEnrollment" e JOIN "TrainingCourse" c ON c.id = e."courseId"
        WHERE e."followUpAt" IS NOT NULL
          AND ($4::int[] IS NOT NULL AND e.id = ANY($4::int[])
               OR $4::int[] IS NULL AND e."followUpAt" > $1::timestamp(3) - make_interval(days => $3::int))
     )
     UPDATE "TrainingEnrollment" e SET "employedWithinMonth" = v.employed
       FROM v WHERE e.id = v.id AND e."employedWithinMonth" IS DISTINCT FROM v.employed`,
    [now.toISOString(), EMPLOYED_STATUSES, TRAINING_FOLLOW_UP_DAYS, enrollmentIds ?? null],
  );
  return r.rowCount ?? 0;
}

/**
 * The daily 'training-follow-up' routine: every enrolment whose course ended TRAINING_FOLLOW_UP_DAYS or
 * more days ago and has not been followed up gets the check-in (a call for workers who need
 * voice, else SMS, else Telegram) and followUpAt. A trainee in another conversation is left for
 * the next day; one who cannot be reached is marked followed up all the same. Then
 * employedWithinMonth is refreshed.
 */
export async function followUpTrainees(
  deps: FollowUpDeps,
  opts: { now?: Date; countyId?: number; limit?: number } = {},
): Promise<FollowUpResult> {
  const now = opts.now ?? new Date();
  const due = await deps.db.pool.query<{
    id: number;
    workerId: number;
    phone: string | null;
    telegramChatId: string | null;
    needsVoice: boolean;
  }>(
    `SELECT e.id, e."workerId", w.phone, w."telegramChatId"::text AS "telegramChatId", w."needsVoice"
       FROM "TrainingEnrollment" e
       JOIN "TrainingCourse" c ON c.id = e."courseId"
       JOIN "Worker" w ON w.id = e."workerId"
      WHERE e."followUpAt" IS NULL AND c."endDate" <= $1::date - $2::int
        AND ($3::int IS NULL OR w."countyId" = $3)
      ORDER BY c."endDate", e.id
      LIMIT $4`,
    [shanghaiDay(now), TRAINING_FOLLOW_UP_DAYS, opts.countyId ?? null, opts.limit ?? 5000],
  );
  const result: FollowUpResult = { followedUp: [], deferred: 0, updated: 0 };
  const done: number[] = [];
  for (const e of due.rows) {
    const channel: 'SMS' | 'TELEGRAM' | 'VOICE' | null =
      e.phone && e.needsVoice ? 'VOICE' : e.phone ? 'SMS' : e.telegramChatId ? 'TELEGRAM' : null;
    let outcome = 'no_address';
    if (channel) {
      const r = await startCheckIn(deps, e.workerId, channel, now);
      if (!r.started && r.reason === 'busy') {
        result.deferred++;
        continue;
      }
      outcome = r.started ? 'check_in_started' : r.reason;
    }
    // Only the first run to get here marks it, so a concurrent run does not count it twice.
    const mark = await deps.db.pool.query(
      `UPDATE "TrainingEnrollment" SET "followUpAt" = $2::timestamp(3) WHERE id = $1 AND "followUpAt" IS NULL`,
      [e.id, now.toISOString()],
    );
    if ((mark.rowCount ?? 0) === 0) continue;
    done.push(e.id);
    result.followedUp.push({ enrollmentId: e.id, workerId: e.workerId, channel, outcome });
  }
  result.updated = await refreshEmployedWithinMonth(deps.db.pool, now);
  if (done.length > 0) result.updated += await refreshEmployedWithinMonth(deps.db.pool, now, done);
  return result;
}

// ───────────────────────────── Employment rates (§16) ─────────────────────────────

export interface RateRow {
  trainees: number;
  followedUp: number;
  employed: number;
  /** employed ÷ trainees of courses whose follow-up is due; null before any is. */
  rate: number | null;
  /** Below TRAINING_EMPLOYMENT_RATE_THRESHOLD. */
  flagged: boolean;
}

export interface CourseRate extends RateRow {
  courseId: number;
  institutionId: number;
  title: string;
  trade: string;
  endDate: string;
  /** The course ended less than TRAINING_FOLLOW_UP_DAYS ago: no rate yet. */
  pending: boolean;
}

export interface InstitutionRate extends RateRow {
  institutionId: number;
  name: string;
  courses: number;
}

function rateOf(employed: number, trainees: number): Pick<RateRow, 'rate' | 'flagged'> {
  if (trainees === 0) return { rate: null, flagged: false };
  const rate = employed / trainees;
  return { rate: Math.round(rate * 1000) / 1000, flagged: rate < TRAINING_EMPLOYMENT_RATE_THRESHOLD };
}

/**
 * Employment within a month of training, per course and per institution, for the institutions of
 * a region's subtree. A course counts once its follow-up is due (ended TRAINING_FOLLOW_UP_DAYS ago); the
 * rate is trainees employed within the month over all its trainees; below 50% is flagged.
 */
export async function trainingRates(
  sql: Sql,
  q: { regionId: number; now?: Date },
): Promise<{ institutions: InstitutionRate[]; courses: CourseRate[] }> {
  const r = await sql.query<{
    courseId: number;
    institutionId: number;
    name: string;
    title: string;
    trade: string;
    endDate: string;
    pending: boolean;
    trainees: number;
    followedUp: number;
    employed: number;
  }>(
    `WITH RECURSIVE sub AS (
       SELECT id FROM "Region" WHERE id = $1
       UNION ALL SELECT r.id FROM "Region" r JOIN sub ON r."parentId" = sub.id
     )
     SELECT c.id AS "courseId", i.id AS "institutionId", i.name, c.title, c.trade,
            to_char(c."endDate", 'YYYY-MM-DD') AS "endDate", c."endDate" > $2::date - $3::int AS pending,
            count(e.id)::int AS trainees, count(e."followUpAt")::int AS "followedUp",
            count(e.id) FILTER (WHERE e."employedWithinMonth")::int AS employed
       FROM "TrainingInstitution" i
       JOIN "TrainingCourse" c ON c."institutionId" = i.id
       LEFT JOIN "TrainingEnrollment" e ON e."courseId" = c.id
      WHERE i."regionId" IN (SELECT id FROM sub)
      GROUP BY i.id, c.id
      ORDER BY i.id, c."endDate", c.id`,
    [q.regionId, shanghaiDay(q.now ?? new Date()), TRAINING_FOLLOW_UP_DAYS],
  );
  const courses: CourseRate[] = r.rows.map((c) => ({
    courseId: c.courseId,
    institutionId: c.institutionId,
    title: c.title,
    trade: c.trade,
    endDate: c.endDate,
    pending: c.pending,
    trainees: c.trainees,
    followedUp: c.followedUp,
    employed: c.employed,
    ...(c.pending ? { rate: null, flagged: false } : rateOf(c.employed, c.trainees)),
  }));
  const byInst = new Map<number, InstitutionRate>();
  for (const c of r.rows) {
    const inst = byInst.get(c.institutionId) ?? {
      institutionId: c.institutionId,
      name: c.name,
      courses: 0,
      trainees: 0,
      followedUp: 0,
      employed: 0,
      rate: null,
      flagged: false,
    };
    inst.courses++;
    if (!c.pending) {
      inst.trainees += c.trainees;
      inst.followedUp += c.followedUp;
      inst.employed += c.employed;
    }
    byInst.set(c.institutionId, inst);
  }
  const institutions = [...byInst.values()].map((i) => ({ ...i, ...rateOf(i.employed, i.trainees) }));
  return { institutions, courses };
}
