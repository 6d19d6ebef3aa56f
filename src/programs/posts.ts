/**
 * Public-welfare posts (公益性岗位, §12): temporary posts of at most 6 months, extendable with the
 * county's approval to at most 12; one person, one post (no 一人多岗); a monthly subsidy.
 *
 * - assignPost: start, end, post name, unit, subsidy. An end beyond 6 months needs an approved
 *   extension (the approving staff user), never beyond 12. The worker's row is locked while the
 *   overlap is checked and the post written, so two assignments at once cannot both succeed.
 *   Records a PUBLIC_WELFARE_POST employment event (the worker counts as employed).
 * - extendPost: a new end date, approved by a staff user (recorded), within 12 months of the start.
 * - endPost: the post ends (today or an earlier day); a worker whose current status is the post
 *   becomes UNEMPLOYED (§8: the layoff enters the unemployed list and its follow-up).
 * - postRoster: who held a post in a month, the days and the subsidy for them, in a region.
 *
 * "6 months" runs from the start date to the day before the same date 6 months later
 * (2025-01-15 → 2025-07-14), as PostgreSQL adds months (clamped to the month's last day).
 */
import type pg from 'pg';
import { inTransaction, type Sql } from '../db/sql.js';
import { DomainError, type DomainStatus } from '../errors.js';
import type { Channel } from '../generated/prisma/enums.js';
import { shanghaiDay } from '../ledger/china-time.js';
import { appendEmploymentEvent } from '../ledger/employment.js';
import { POST_MAX_MONTHS, POST_MAX_MONTHS_EXTENDED } from '../ledger/program-rules.js';

export type PostErrorCode =
  | 'invalid_dates'
  | 'beyond_6_months'
  | 'beyond_12_months'
  | 'overlap'
  | 'no_worker'
  | 'no_post'
  | 'ended';

const POST_ERROR_STATUS: Record<PostErrorCode, DomainStatus> = {
  invalid_dates: 400,
  beyond_6_months: 422,
  beyond_12_months: 422,
  overlap: 409,
  ended: 409,
  no_worker: 404,
  no_post: 404,
};

/** A post rule refused the change: a DomainError whose code names the rule. */
function postRule(code: PostErrorCode, message: string): DomainError {
  return new DomainError(POST_ERROR_STATUS[code], code, message);
}

export interface Post {
  id: number;
  workerId: number;
  postName: string;
  unit: string | null;
  regionId: number;
  startDate: string;
  endDate: string;
  monthlySubsidy: number | null;
  extensionApprovedById: number | null;
  extensionApprovedAt: Date | null;
  endedAt: Date | null;
}

const POST_COLUMNS = `id, "workerId", "postName", unit, "regionId", to_char("startDate", 'YYYY-MM-DD') AS "startDate",
  to_char("endDate", 'YYYY-MM-DD') AS "endDate", "monthlySubsidy", "extensionApprovedById", "extensionApprovedAt", "endedAt"`;

/** The day a post stops counting: its end date, or the China day it was ended on if earlier (SQL). */
const EFFECTIVE_END = `LEAST(p."endDate", (p."endedAt" AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date)`;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The last day allowed for a post starting on `start`: 6 months without an extension, 12 with one. */
async function limits(sql: Sql, start: string): Promise<{ max6: string; max12: string }> {
  const r = await sql.query<{ max6: string; max12: string }>(
    `SELECT to_char(($1::date + make_interval(months => $2))::date - 1, 'YYYY-MM-DD') AS max6,
            to_char(($1::date + make_interval(months => $3))::date - 1, 'YYYY-MM-DD') AS max12`,
    [start, POST_MAX_MONTHS, POST_MAX_MONTHS_EXTENDED],
  );
  return r.rows[0]!;
}

function checkDates(start: string, end: string): void {
  if (!DATE_RE.test(start) || !DATE_RE.test(end) || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end)))
    throw postRule('invalid_dates', 'dates must be YYYY-MM-DD');
  if (end < start) throw postRule('invalid_dates', `the end ${end} is before the start ${start}`);
}

async function checkLength(sql: Sql, start: string, end: string, extensionApproved: boolean): Promise<void> {
  const { max6, max12 } = await limits(sql, start);
  if (end > max12)
    throw postRule(
      'beyond_12_months',
      `a post lasts at most ${POST_MAX_MONTHS_EXTENDED} months even with an extension (last day ${max12})`,
    );
  if (end > max6 && !extensionApproved)
    throw postRule(
      'beyond_6_months',
      `a post lasts at most ${POST_MAX_MONTHS} months (last day ${max6}) unless the county approves an extension`,
    );
}

/** Refuses when the worker holds another post that is active on any day of [start, end]. */
async function checkOverlap(sql: Sql, workerId: number, start: string, end: string, exceptPostId?: number): Promise<void> {
  const r = await sql.query<{ id: number; postName: string; startDate: string; endDate: string }>(
    `SELECT p.id, p."postName", to_char(p."startDate", 'YYYY-MM-DD') AS "startDate", to_char(${EFFECTIVE_END}, 'YYYY-MM-DD') AS "endDate"
       FROM "PublicWelfarePost" p
      WHERE p."workerId" = $1 AND p.id <> $4 AND p."startDate" <= $3::date AND ${EFFECTIVE_END} >= $2::date
      LIMIT 1`,
    [workerId, start, end, exceptPostId ?? 0],
  );
  const o = r.rows[0];
  if (o)
    throw postRule(
      'overlap',
      `one person, one post: the worker holds post ${o.id} (${o.postName}, ${o.startDate} to ${o.endDate})`,
    );
}

/** Locks the worker row (serialises post changes per worker); returns its village. */
async function lockWorker(sql: Sql, workerId: number): Promise<{ villageId: number }> {
  const r = await sql.query<{ villageId: number }>(`SELECT "villageId" FROM "Worker" WHERE id = $1 FOR UPDATE`, [workerId]);
  if (!r.rows[0]) throw postRule('no_worker', `no worker ${workerId}`);
  return r.rows[0];
}

async function loadPost(sql: Sql, postId: number): Promise<Post> {
  const r = await sql.query<Post>(`SELECT ${POST_COLUMNS} FROM "PublicWelfarePost" WHERE id = $1`, [postId]);
  if (!r.rows[0]) throw postRule('no_post', `no post ${postId}`);
  return r.rows[0];
}

/** Runs in the same transaction after the change (e.g. the audit entry). */
export type InTransactionHook = (sql: pg.PoolClient, post: Post) => Promise<void>;

export interface AssignPostInput {
  workerId: number;
  postName: string;
  unit?: string | null;
  /** Where the post is; default the worker's village. */
  regionId?: number | null;
  startDate: string;
  endDate: string;
  monthlySubsidy?: number | null;
  /** A staff user approving an end beyond 6 months (the county's approval). */
  extensionApprovedById?: number | null;
  staffUserId?: number | null;
  channel?: Channel;
  now?: Date;
}

export async function assignPost(pool: pg.Pool, input: AssignPostInput, hook?: InTransactionHook): Promise<Post> {
  checkDates(input.startDate, input.endDate);
  if (!input.postName?.trim()) throw postRule('invalid_dates', 'the post name is missing');
  const now = input.now ?? new Date();
  return inTransaction(pool, async (sql) => {
    const worker = await lockWorker(sql, input.workerId);
    await checkLength(sql, input.startDate, input.endDate, Boolean(input.extensionApprovedById));
    await checkOverlap(sql, input.workerId, input.startDate, input.endDate);
    const { max6 } = await limits(sql, input.startDate);
    const extended = input.endDate > max6;
    const r = await sql.query<Post>(
      `INSERT INTO "PublicWelfarePost" ("workerId", "postName", unit, "regionId", "startDate", "endDate", "monthlySubsidy",
                                        "extensionApprovedById", "extensionApprovedAt")
       VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, $8, $9::timestamp(3))
       RETURNING ${POST_COLUMNS}`,
      [
        input.workerId,
        input.postName.trim(),
        input.unit ?? null,
        input.regionId ?? worker.villageId,
        input.startDate,
        input.endDate,
        input.monthlySubsidy ?? null,
        extended ? input.extensionApprovedById : null,
        extended ? now.toISOString() : null,
      ],
    );
    const post = r.rows[0]!;
    await appendEmploymentEvent(
      sql,
      {
        workerId: input.workerId,
        status: 'PUBLIC_WELFARE_POST',
        employer: post.unit ?? post.postName,
        industry: 'public_welfare_post',
        monthlyWage: post.monthlySubsidy,
        effectiveDate: post.startDate,
      },
      { source: 'STAFF', channel: input.channel ?? 'API', reportedById: input.staffUserId ?? null },
      now,
    );
    await hook?.(sql, post);
    return post;
  });
}

export interface ExtendPostInput {
  postId: number;
  endDate: string;
  /** The staff user approving the extension (recorded on the post). */
  approvedById: number;
  now?: Date;
}

export async function extendPost(pool: pg.Pool, input: ExtendPostInput, hook?: InTransactionHook): Promise<Post> {
  const now = input.now ?? new Date();
  return inTransaction(pool, async (sql) => {
    const before = await loadPost(sql, input.postId);
    await lockWorker(sql, before.workerId);
    const post = await loadPost(sql, input.postId);
    if (post.endedAt) throw postRule('ended', `post ${post.id} has ended`);
    checkDates(post.startDate, input.endDate);
    await checkLength(sql, post.startDate, input.endDate, true);
    await checkOverlap(sql, post.workerId, post.startDate, input.endDate, post.id);
    const r = await sql.query<Post>(
      `UPDATE "PublicWelfarePost"
          SET "endDate" = $2::date, "extensionApprovedById" = $3, "extensionApprovedAt" = $4::timestamp(3)
        WHERE id = $1 RETURNING ${POST_COLUMNS}`,
      [post.id, input.endDate, input.approvedById, now.toISOString()],
    );
    const updated = r.rows[0]!;
    await hook?.(sql, updated);
    return updated;
  });
}

export interface EndPostInput {
  postId: number;
  /** The last day worked (YYYY-MM-DD), default today in China; the planned end if that is earlier. */
  lastDay?: string;
  staffUserId?: number | null;
  channel?: Channel;
  now?: Date;
}

export async function endPost(pool: pg.Pool, input: EndPostInput, hook?: InTransactionHook): Promise<Post> {
  const now = input.now ?? new Date();
  const lastDay = input.lastDay ?? shanghaiDay(now);
  return inTransaction(pool, async (sql) => {
    const before = await loadPost(sql, input.postId);
    await lockWorker(sql, before.workerId);
    const post = await loadPost(sql, input.postId);
    if (post.endedAt) throw postRule('ended', `post ${post.id} has already ended`);
    checkDates(post.startDate, lastDay);
    // YYYY-MM-DD strings sort as dates: the post ends on the earlier of the last day and its planned end.
    const end = [lastDay, post.endDate].sort()[0] as string;
    const r = await sql.query<Post>(
      `UPDATE "PublicWelfarePost" SET "endDate" = $2::date, "endedAt" = $3::timestamp(3) WHERE id = $1 RETURNING ${POST_COLUMNS}`,
      [post.id, end, now.toISOString()],
    );
    const ended = r.rows[0]!;
    const w = await sql.query<{ currentStatus: string }>(`SELECT "currentStatus" FROM "Worker" WHERE id = $1`, [post.workerId]);
    if (w.rows[0]?.currentStatus === 'PUBLIC_WELFARE_POST') {
      const next = await sql.query<{ d: string }>(`SELECT to_char($1::date + 1, 'YYYY-MM-DD') AS d`, [end]);
      await appendEmploymentEvent(
        sql,
        { workerId: post.workerId, status: 'UNEMPLOYED', reason: '公益性岗位结束', effectiveDate: next.rows[0]!.d },
        { source: 'STAFF', channel: input.channel ?? 'API', reportedById: input.staffUserId ?? null },
        now,
      );
    }
    await hook?.(sql, ended);
    return ended;
  });
}

export interface RosterRow {
  postId: number;
  workerId: number;
  name: string;
  idLast4: string;
  householdCode: string;
  village: string;
  postName: string;
  unit: string | null;
  startDate: string;
  endDate: string;
  extended: boolean;
  /** Days held in the month. */
  days: number;
  daysInMonth: number;
  monthlySubsidy: number | null;
  /** The subsidy for the days held (the full monthly amount for a full month), in yuan. */
  subsidy: number | null;
}

/**
 * Who held a post in the month (YYYY-MM) among the workers of a region (any level): days held and
 * the subsidy for them (monthly subsidy × days ÷ days in the month, rounded to the yuan).
 */
export async function postRoster(sql: Sql, q: { regionId: number; month: string }): Promise<RosterRow[]> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(q.month)) throw postRule('invalid_dates', 'the month must be YYYY-MM');
  const r = await sql.query<RosterRow>(
    `WITH b AS (
       SELECT $2::date AS m0, (($2::date + interval '1 month')::date - 1) AS m1
     ), x AS (
       SELECT p.*, ${EFFECTIVE_END} AS eff_end FROM "PublicWelfarePost" p
     )
     SELECT x.id AS "postId", w.id AS "workerId", w.name, w."idLast4", h.code AS "householdCode", v.name AS village,
            x."postName", x.unit, to_char(x."startDate", 'YYYY-MM-DD') AS "startDate", to_char(x.eff_end, 'YYYY-MM-DD') AS "endDate",
            x."extensionApprovedById" IS NOT NULL AS extended,
            (LEAST(x.eff_end, b.m1) - GREATEST(x."startDate", b.m0) + 1)::int AS days,
            (b.m1 - b.m0 + 1)::int AS "daysInMonth",
            x."monthlySubsidy",
            round(x."monthlySubsidy"::numeric * (LEAST(x.eff_end, b.m1) - GREATEST(x."startDate", b.m0) + 1) / (b.m1 - b.m0 + 1))::int AS subsidy
       FROM x CROSS JOIN b
       JOIN "Worker" w ON w.id = x."workerId"
       JOIN "Household" h ON h.id = w."householdId"
       JOIN "Region" v ON v.id = w."villageId"
      WHERE x."startDate" <= b.m1 AND x.eff_end >= b.m0
        AND $1::int IN (w."villageId", w."townshipId", w."countyId", w."cityId", w."provinceId")
      ORDER BY v.code, w.name, x.id`,
    [q.regionId, `${q.month}-01`],
  );
  return r.rows;
}

/** A worker's posts, newest first. */
export async function workerPosts(sql: Sql, workerId: number): Promise<Post[]> {
  const r = await sql.query<Post>(
    `SELECT ${POST_COLUMNS} FROM "PublicWelfarePost" WHERE "workerId" = $1 ORDER BY "startDate" DESC, id DESC`,
    [workerId],
  );
  return r.rows;
}
