/**
 * What a campaign says, per kind. Text kinds (policy notice, training list, zero-employment
 * outreach) have one text per language, frozen into every row. Flow kinds (job leads, check-in,
 * training follow-up) start a conversation per person; its first message is written into the
 * person's frozen row when it is sent (src/conversations/start.ts startWorkerConversation).
 */
import { z } from 'zod';
import type { Sql } from '../db/sql.js';
import { invalid } from '../errors.js';
import type { FlowId } from '../flows/types.js';
import type { CampaignKind } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { shanghaiMonth } from '../ledger/china-time.js';
import { RowId } from '../validation.js';
import type { RegionRef } from './audience.js';

export const contentSchema = z
  .object({
    /** Message text per language; zh-CN is required for text kinds, others fall back to it. */
    text: z
      .object({ 'zh-CN': z.string().min(1).max(1000) })
      .catchall(z.string().min(1).max(1000))
      .optional(),
    /** JOB_LEADS: only these leads (default: every open lead reaching the campaign's region). */
    leadIds: z.array(RowId).max(50).optional(),
    /**
     * One channel for everyone (people without an address on it are left out), or AUTO: a call for
     * those who cannot read, else Telegram when linked, else SMS.
     */
    channel: z.enum(['AUTO', 'SMS', 'TELEGRAM', 'VOICE']).optional(),
    /** JOB_LEADS: at most this many people get each lead (zero-employment households first). */
    perLeadCap: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

export type Content = z.infer<typeof contentSchema>;

/** Kinds whose message is a conversation's first question rather than a fixed text. */
export const FLOW_OF: Partial<Record<CampaignKind, FlowId>> = {
  JOB_LEADS: 'job_leads',
  CHECK_IN: 'check_in',
  TRAINING_FOLLOW_UP: 'check_in',
};

/** Opt-out instruction appended to broadcast texts that do not carry one (carriers expect it). */
function withFooter(text: string, footer: string): string {
  return /退订|\bTD\b|\bSTOP\b/i.test(text) ? text : `${text}\n${footer}`;
}

/**
 * The text per language for a text kind, or null for flow kinds. A TRAINING_LIST without its own
 * text lists this month's courses of the institutions inside the campaign's region.
 */
export async function textsFor(
  sql: Sql,
  texts: Texts,
  kind: CampaignKind,
  content: Content,
  region: RegionRef,
  now = new Date(),
): Promise<Record<string, string> | null> {
  if (FLOW_OF[kind]) return null;
  const out: Record<string, string> = {};
  if (content.text) {
    for (const [lang, text] of Object.entries(content.text))
      out[lang] = withFooter(text, texts.forLanguage(lang)('campaigns:footer'));
    return out;
  }
  if (kind !== 'TRAINING_LIST') throw invalid('content/text', 'is required for this kind of campaign (a text in zh-CN)');
  const month = shanghaiMonth(now);
  const courses = await sql.query<{ title: string; institution: string; start: string }>(
    `SELECT c.title, i.name AS institution, to_char(c."startDate", 'MM-DD') AS start
       FROM "TrainingCourse" c
       JOIN "TrainingInstitution" i ON i.id = c."institutionId"
       JOIN "Region" r ON r.id = i."regionId"
      WHERE to_char(c."startDate", 'YYYY-MM') = $1 AND (r.code LIKE $2 || '%' OR $2 LIKE r.code || '%')
      ORDER BY c."startDate", c.id LIMIT 8`,
    [month, region.code],
  );
  for (const lang of texts.languages) {
    const t = texts.forLanguage(lang);
    out[lang] = courses.rows.length
      ? [
          t('campaigns:training_list.header', { month: Number(month.slice(5)) }),
          ...courses.rows.map((c, i) => t('campaigns:training_list.course', { n: i + 1, ...c })),
          t('campaigns:training_list.footer'),
        ].join('\n')
      : t('campaigns:training_list.none');
  }
  return out;
}
