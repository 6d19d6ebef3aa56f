/**
 * The main menu: what HELP shows (and what a known sender gets for a message no flow expects).
 * Numbered on SMS, buttons on Telegram, keypad or speech on a call. Family members see only what
 * they may do for their worker.
 */
import { tr } from '../src/flows/text.js';
import { type Choice, defineFlow, type StepContext } from '../src/flows/types.js';

function choices(ctx: StepContext): Choice[] {
  const all: Choice[] = [
    { key: '1', value: 'status_report', label: tr(ctx, 'flows:menu.status'), aliases: ['状态', 'status'] },
    { key: '2', value: 'job_leads', label: tr(ctx, 'flows:menu.jobs'), aliases: ['找工作', 'jobs'] },
    { key: '3', value: 'training', label: tr(ctx, 'flows:menu.training'), aliases: ['培训', 'training'] },
    { key: '0', value: 'human', label: tr(ctx, 'flows:menu.human'), aliases: ['转人工', 'agent'] },
  ];
  // Job leads and training are the worker's own business; a family member reports status for them.
  return ctx.audience === 'family' ? all.filter((c) => c.value === 'status_report' || c.value === 'human') : all;
}

export const menu = defineFlow({
  id: 'menu',
  keywords: [],
  audiences: ['worker', 'family'],
  channels: ['SMS', 'TELEGRAM', 'VOICE'],
  first: 'pick',
  ttlMinutes: 60,
  steps: {
    pick: {
      prompt: (_s, ctx) => tr(ctx, 'flows:menu.prompt'),
      ask: { type: 'choice', choices: (_s, ctx) => choices(ctx) },
      next: (a, _s, ctx) => {
        if (a.value === 'human') {
          return {
            end: 'escalated',
            say: [ctx.t('flows:common.human')],
            effects: [{ kind: 'staff_task', task: 'human_help', details: { from: 'menu' } }],
          };
        }
        return { startFlow: a.value as 'status_report' | 'job_leads' | 'training' };
      },
    },
  },
});
