/**
 * The survey's texts to employers' contacts, through the outbound queues like every other message
 * (an OutboundMessage of kind SURVEY to the contact's mobile; the job carries its id only):
 * - the month's link on the 1st (every monitored employer with a mobile),
 * - reminders on the 15th and 18th (those who have not reported the month),
 * - a new link after an ADMIN reopens a locked month (those who have not reported).
 * Each purpose is sent once per employer and month (EmployerSurveyMessage is unique on it), so a
 * routine run twice, or by two processes, texts once. Numbers that opted out are skipped.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { inTransaction } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { shanghaiDate } from '../ledger/china-time.js';
import { isOptedOut } from '../ledger/opt-outs.js';
import { createMessage } from '../ledger/outbound.js';
import { lockAt, REMINDER_DAYS, surveyMonthAt } from './survey-calendar.js';
import { surveyLinkKey, surveyToken, surveyUrl } from './survey-link.js';

export interface SurveyDeps {
  db: Db;
  texts: Texts;
  config: Pick<Config, 'DATA_DIR' | 'PUBLIC_BASE_URL'>;
  /** Queues the rows after their transaction commits (enqueueSends with the service's queues). */
  enqueue(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
}

export interface SurveySend {
  month: string;
  /** link | reminder-15 | reminder-18 | reopen-<n>: once per employer and month. */
  purpose: string;
  /** Only employers that have not reported the month (reminders, reopenings). */
  unreportedOnly: boolean;
  /** When the link in the message stops working. */
  expiresAt: Date;
  /** Only this county's employers. */
  countyId?: number;
  now?: Date;
}

export interface SurveySendResult {
  sent: number;
  optedOut: number;
}

/** Texts the month's link (or a reminder with it) to every employer the purpose still owes one. */
export async function sendSurveyMessages(deps: SurveyDeps, s: SurveySend): Promise<SurveySendResult> {
  const { pool } = deps.db;
  const due = await pool.query<{ id: number; name: string; phone: string }>(
    `SELECT e.id, e.name, e.phone
       FROM "Employer" e JOIN "Region" t ON t.id = e."regionId"
      WHERE e."isKey" AND e."removedAt" IS NULL AND e.phone IS NOT NULL AND e."createdAt" < $5::timestamp(3)
        AND ($3::int IS NULL OR t.code LIKE (SELECT code FROM "Region" WHERE id = $3) || '%')
        AND NOT EXISTS (SELECT 1 FROM "EmployerSurveyMessage" m WHERE m."employerId" = e.id AND m.month = $1 AND m.purpose = $2)
        AND NOT ($4 AND EXISTS (SELECT 1 FROM "EmployerHeadcount" h WHERE h."employerId" = e.id AND h.month = $1))
      ORDER BY e.id`,
    [s.month, s.purpose, s.countyId ?? null, s.unreportedOnly, (s.now ?? new Date()).toISOString()],
  );
  const key = surveyLinkKey(deps.config);
  const t = deps.texts.forLanguage('zh-CN');
  const [y, m] = s.month.split('-').map(Number) as [number, number];
  const template =
    s.purpose === 'link'
      ? 'employers:survey.link'
      : s.purpose.startsWith('reopen')
        ? 'employers:survey.reopened'
        : 'employers:survey.reminder';
  // The last day the link works, as the contact reads it.
  const [, dm, dd] = shanghaiDate(new Date(s.expiresAt.getTime() - 1));
  const result: SurveySendResult = { sent: 0, optedOut: 0 };
  for (const e of due.rows) {
    const queued = await inTransaction(pool, async (sql) => {
      const claim = await sql.query<{ id: number }>(
        `INSERT INTO "EmployerSurveyMessage" ("employerId", month, purpose) VALUES ($1, $2, $3)
         ON CONFLICT ("employerId", month, purpose) DO NOTHING RETURNING id`,
        [e.id, s.month, s.purpose],
      );
      if (!claim.rows[0]) return null;
      if (await isOptedOut(sql, 'SMS', e.phone)) return 'opted-out' as const;
      const url = surveyUrl(deps.config, surveyToken(key, { employerId: e.id, month: s.month, expiresAt: s.expiresAt }));
      const body = t(template, { employer: e.name, month: `${y}年${m}月`, due: `${dm}月${dd}日`, url });
      const id = await createMessage(sql, { kind: 'SURVEY', channel: 'SMS', body, language: 'zh-CN', toAddress: e.phone });
      await sql.query(`UPDATE "EmployerSurveyMessage" SET "outboundMessageId" = $2 WHERE id = $1`, [
        claim.rows[0].id,
        id.toString(),
      ]);
      return id;
    });
    if (queued === 'opted-out') result.optedOut++;
    else if (queued !== null) {
      await deps.enqueue([{ id: queued, channel: 'SMS' }]);
      result.sent++;
    }
  }
  return result;
}

/** The routine of the 1st: last month's link to every monitored employer. */
export function sendMonthlyLinks(deps: SurveyDeps, o: { now?: Date; countyId?: number } = {}) {
  const now = o.now ?? new Date();
  const month = surveyMonthAt(now);
  return sendSurveyMessages(deps, {
    month,
    purpose: 'link',
    unreportedOnly: false,
    expiresAt: lockAt(month),
    countyId: o.countyId,
    now,
  });
}

/**
 * The routine of the 15th and 18th: a reminder to those who have not reported last month. A run
 * on a later day (the job waited out an outage) sends the latest reminder due, once.
 */
export async function sendReminders(deps: SurveyDeps, o: { now?: Date; countyId?: number } = {}) {
  const now = o.now ?? new Date();
  const month = surveyMonthAt(now);
  const day = shanghaiDate(now)[2];
  const reminder = [...REMINDER_DAYS].reverse().find((d) => day >= d);
  if (reminder === undefined || now >= lockAt(month)) return { month, reminder: null, sent: 0, optedOut: 0 };
  const r = await sendSurveyMessages(deps, {
    month,
    purpose: `reminder-${reminder}`,
    unreportedOnly: true,
    expiresAt: lockAt(month),
    countyId: o.countyId,
    now,
  });
  return { month, reminder, ...r };
}
