/**
 * Status report (状态 / STATUS): found a job, lost a job, came home, or no change.
 *
 * Found a job asks employer, where (which decides the employment status), place, industry,
 * monthly wage band and start date; lost a job asks the reason and the date; came home asks the
 * date. Every path ends with a summary to confirm, and confirming appends an EmploymentEvent.
 *
 * "No change" appends a copy of the current event (same status, employer and effective date,
 * reported now): the reconfirmation then has its own provenance (who, channel, message, time)
 * in the append-only history, the current status stays the same by the status rule, and
 * statusConfirmedAt moves to now. A worker with no status on record cannot answer "no change".
 *
 * State from the loader: hasCurrent (a current event exists).
 */
import { tr } from '../src/flows/text.js';
import { type Choice, defineFlow, type FlowState, type StepContext } from '../src/flows/types.js';
import type { EmploymentStatus } from '../src/generated/prisma/enums.js';

/** Where the job is decides the employment status (county, province, Jiangsu partner, elsewhere). */
const WHERE: Array<{ value: EmploymentStatus; key: string }> = [
  { value: 'EMPLOYED_LOCAL', key: 'local' },
  { value: 'EMPLOYED_IN_PROVINCE', key: 'province' },
  { value: 'EMPLOYED_JIANGSU', key: 'jiangsu' },
  { value: 'EMPLOYED_OUT_OF_PROVINCE', key: 'elsewhere' },
];

export const INDUSTRIES = ['manufacturing', 'construction', 'catering', 'housekeeping', 'logistics', 'agriculture', 'other'];

/** Wage bands in yuan per month; the ledger stores the band's middle (the top band: 6000). */
export const WAGE_BANDS: Array<{ key: string; value: number }> = [
  { key: 'under2000', value: 1500 },
  { key: '2000to3000', value: 2500 },
  { key: '3000to4000', value: 3500 },
  { key: '4000to5000', value: 4500 },
  { key: 'over5000', value: 6000 },
];

const LOST_REASONS = ['contract_ended', 'laid_off', 'quit', 'health', 'other'];

const numbered = (items: string[], ctx: StepContext, prefix: string): Choice[] =>
  items.map((v, i) => ({ key: String(i + 1), value: v, label: tr(ctx, `${prefix}.${v}`) }));

const confirmChoices = (ctx: StepContext): Choice[] => [
  { key: '1', value: 'yes', label: tr(ctx, 'flows:common.confirm'), aliases: ['确认', '对', '是', 'yes', 'ok'] },
  { key: '2', value: 'redo', label: tr(ctx, 'flows:common.redo'), aliases: ['重填', '不对', 'no'] },
];

function summary(s: FlowState, ctx: StepContext): string {
  const vars = {
    date: s.date,
    employer: s.employer,
    place: s.place,
    where: s.where ? tr(ctx, `flows:status.where.${WHERE.find((w) => w.value === s.where)?.key}`) : '',
    industry: s.industry ? tr(ctx, `flows:status.industry.${s.industry}`) : '',
    wage: s.wage ? tr(ctx, `flows:status.wage.${WAGE_BANDS.find((w) => w.value === s.wage)?.key}`) : '',
    reason: s.reason ? tr(ctx, `flows:status.reason.${s.reason}`) : '',
  };
  return tr(ctx, `flows:status.summary.${s.change}`, vars);
}

export const statusReport = defineFlow({
  id: 'status_report',
  keywords: ['状态', 'status', '报告', '就业状态'],
  audiences: ['worker', 'family'],
  channels: ['SMS', 'TELEGRAM', 'VOICE'],
  first: 'change',
  ttlMinutes: 120,
  steps: {
    change: {
      prompt: (_s, ctx) => tr(ctx, ctx.audience === 'family' ? 'flows:status.change_family' : 'flows:status.change'),
      ask: {
        type: 'choice',
        choices: (_s, ctx) => [
          { key: '1', value: 'found', label: tr(ctx, 'flows:status.found'), aliases: ['找到了', '有工作了', 'found'] },
          { key: '2', value: 'lost', label: tr(ctx, 'flows:status.lost'), aliases: ['没工作了', '失业', 'lost'] },
          { key: '3', value: 'home', label: tr(ctx, 'flows:status.home'), aliases: ['回家了', '返乡', 'home'] },
          { key: '4', value: 'same', label: tr(ctx, 'flows:status.same'), aliases: ['没变', '没有变化', 'same'] },
        ],
      },
      next: (a, s, ctx) => {
        const fresh = { change: a.value, employer: null, where: null, place: null, industry: null, wage: null, reason: null };
        if (a.value === 'found') return { goto: 'employer', set: fresh };
        if (a.value === 'lost') return { goto: 'reason', set: fresh };
        if (a.value === 'home') return { goto: 'date', set: fresh };
        if (!s.hasCurrent) return { retry: 'flows:status.no_current' };
        return { end: 'completed', say: [tr(ctx, 'flows:status.thanks_same')], effects: [{ kind: 'status_unchanged' }] };
      },
    },
    employer: {
      prompt: (_s, ctx) => tr(ctx, 'flows:status.employer'),
      ask: { type: 'text', minLength: 2, maxLength: 60 },
      next: (a) => ({ goto: 'where', set: { employer: String(a.value) } }),
    },
    where: {
      prompt: (_s, ctx) => tr(ctx, 'flows:status.where_prompt'),
      ask: {
        type: 'choice',
        choices: (_s, ctx) =>
          WHERE.map((w, i) => ({ key: String(i + 1), value: w.value, label: tr(ctx, `flows:status.where.${w.key}`) })),
      },
      next: (a) => ({ goto: 'place', set: { where: a.value } }),
    },
    place: {
      prompt: (_s, ctx) => tr(ctx, 'flows:status.place'),
      ask: { type: 'place' },
      next: (a) => ({ goto: 'industry', set: { place: String(a.value) } }),
    },
    industry: {
      prompt: (_s, ctx) => tr(ctx, 'flows:status.industry_prompt'),
      ask: { type: 'choice', choices: (_s, ctx) => numbered(INDUSTRIES, ctx, 'flows:status.industry') },
      next: (a) => ({ goto: 'wage', set: { industry: a.value } }),
    },
    wage: {
      prompt: (_s, ctx) => tr(ctx, 'flows:status.wage_prompt'),
      ask: {
        type: 'choice',
        choices: (_s, ctx) =>
          WAGE_BANDS.map((w, i) => ({
            key: String(i + 1),
            value: String(w.value),
            label: tr(ctx, `flows:status.wage.${w.key}`),
          })),
      },
      next: (a) => ({ goto: 'date', set: { wage: Number(a.value) } }),
    },
    reason: {
      prompt: (_s, ctx) => tr(ctx, 'flows:status.reason_prompt'),
      ask: { type: 'choice', choices: (_s, ctx) => numbered(LOST_REASONS, ctx, 'flows:status.reason') },
      next: (a) => ({ goto: 'date', set: { reason: a.value } }),
    },
    date: {
      prompt: (s, ctx) => tr(ctx, `flows:status.date.${s.change}`),
      // A change reported up to two years late still counts; a start date up to a month ahead is a plan.
      ask: { type: 'date', pastDays: 731, futureDays: 31 },
      next: (a) => ({ goto: 'confirm', set: { date: String(a.value) } }),
    },
    confirm: {
      prompt: (s, ctx) => tr(ctx, 'flows:status.confirm', { summary: summary(s, ctx) }),
      ask: { type: 'choice', choices: (_s, ctx) => confirmChoices(ctx) },
      next: (a, s, ctx) => {
        if (a.value === 'redo') return { goto: 'change', say: [tr(ctx, 'flows:status.redo')] };
        const status: EmploymentStatus =
          s.change === 'found' ? (s.where as EmploymentStatus) : s.change === 'lost' ? 'UNEMPLOYED' : 'RETURNED_HOME';
        return {
          end: 'completed',
          say: [tr(ctx, 'flows:status.thanks')],
          effects: [
            {
              kind: 'employment_event',
              status,
              effectiveDate: String(s.date),
              employer: (s.employer as string | null) ?? null,
              place: (s.place as string | null) ?? null,
              industry: (s.industry as string | null) ?? null,
              monthlyWage: (s.wage as number | null) ?? null,
              reason: (s.reason as string | null) ?? null,
            },
          ],
        };
      },
    },
  },
});
