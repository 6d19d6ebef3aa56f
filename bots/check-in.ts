/**
 * Weekly check-in (§3: the ledger is refreshed at least weekly). Started by the service
 * (startCheckIn in src/flows/check-in.ts), not by a keyword: "still working at X? 1 yes 2 no".
 * Yes reconfirms the current status (as "no change" does); no continues into the status report.
 *
 * State from the loader: hasCurrent, employed, employer.
 */
import { tr } from '../src/flows/text.js';
import { defineFlow } from '../src/flows/types.js';

export const checkIn = defineFlow({
  id: 'check_in',
  keywords: [],
  audiences: ['worker'],
  channels: ['SMS', 'TELEGRAM', 'VOICE'],
  first: 'still',
  // A weekly question may be answered the next day.
  ttlMinutes: 3 * 24 * 60,
  // Nothing on record to reconfirm: go straight to the status report.
  start: (s, ctx) => (s.hasCurrent ? null : { startFlow: 'status_report', say: [tr(ctx, 'flows:checkin.no_status')] }),
  steps: {
    still: {
      prompt: (s, ctx) =>
        s.employed && s.employer
          ? tr(ctx, 'flows:checkin.still_working', { employer: s.employer })
          : tr(ctx, 'flows:checkin.same'),
      ask: {
        type: 'choice',
        choices: (_s, ctx) => [
          { key: '1', value: 'yes', label: tr(ctx, 'flows:checkin.yes'), aliases: ['是', '是的', '还在', '一样', 'yes'] },
          { key: '2', value: 'no', label: tr(ctx, 'flows:checkin.no'), aliases: ['不是', '没有', '变了', 'no'] },
        ],
      },
      next: (a, _s, ctx) =>
        a.value === 'yes'
          ? { end: 'completed', say: [tr(ctx, 'flows:checkin.thanks')], effects: [{ kind: 'status_unchanged' }] }
          : { startFlow: 'status_report' },
    },
  },
});
