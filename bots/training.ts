/**
 * Training request (培训 / TRAINING): a trade from the list kept in templates
 * (flows:training.trades, in order), then the preferred month. Lands in TrainingRequest on the
 * current month's training-demand list (培训需求清单, §15).
 */

import { tr } from '../src/flows/text.js';
import { type Choice, defineFlow, type StepContext } from '../src/flows/types.js';
import { shanghaiDate } from '../src/ledger/china-time.js';

/** The trades offered, in template order (the keys are the ledger's trade codes). */
export function trades(ctx: Pick<StepContext, 't'>): Array<{ code: string; label: string }> {
  const list = ctx.t('flows:training.trades', { returnObjects: true }) as unknown as Record<string, string>;
  return Object.entries(list).map(([code, label]) => ({ code, label }));
}

/** The next occurrence of month `m` (1–12) as YYYY-MM: this year unless it has passed. */
export function nextMonth(m: number, now: Date): string {
  const [y, cm] = shanghaiDate(now);
  return `${m >= cm ? y : y + 1}-${String(m).padStart(2, '0')}`;
}

export const training = defineFlow({
  id: 'training',
  keywords: ['培训', 'training', 'train', '技能培训'],
  audiences: ['worker'],
  channels: ['SMS', 'TELEGRAM', 'VOICE'],
  first: 'trade',
  ttlMinutes: 120,
  steps: {
    trade: {
      prompt: (_s, ctx) => tr(ctx, 'flows:training.prompt'),
      ask: {
        type: 'choice',
        choices: (_s, ctx): Choice[] => trades(ctx).map((x, i) => ({ key: String(i + 1), value: x.code, label: x.label })),
      },
      next: (a, _s, ctx) => ({
        goto: 'month',
        set: { trade: String(a.value), tradeLabel: trades(ctx).find((x) => x.code === a.value)?.label ?? '' },
      }),
    },
    month: {
      prompt: (s, ctx) => tr(ctx, 'flows:training.month', { trade: s.tradeLabel }),
      ask: { type: 'number', min: 0, max: 12 },
      next: (a, s, ctx) => {
        const preferredMonth = a.value === 0 ? null : nextMonth(Number(a.value), ctx.now);
        return {
          end: 'completed',
          say: [tr(ctx, 'flows:training.thanks', { trade: s.tradeLabel })],
          effects: [{ kind: 'training_request', trade: String(s.trade), preferredMonth }],
        };
      },
    },
  },
});
