/**
 * Job leads (找工作 / JOBS): up to three open leads that match the worker (loaded by
 * src/flows/loaders.ts), each shown as a numbered choice. Showing them is a service contact per
 * lead (帮扶记录); "interested in 2" (or button 2, or key 2) records the interest and tells the
 * county's staff.
 *
 * State from the loader: leads [{ id, title, employer, place, wageMin, wageMax }].
 */
import { tr } from '../src/flows/text.js';
import { type Choice, defineFlow, type FlowState, type StepContext } from '../src/flows/types.js';
import type { MatchedLead } from '../src/ledger/job-leads.js';

/** A lead as the loader puts it in the flow state. */
export type LeadSummary = MatchedLead;

const leadsOf = (s: FlowState) => (Array.isArray(s.leads) ? (s.leads as unknown as LeadSummary[]) : []);

function wage(l: LeadSummary, ctx: StepContext): string {
  if (l.wageMin && l.wageMax) return tr(ctx, 'flows:jobs.wage_range', { min: l.wageMin, max: l.wageMax });
  if (l.wageMin) return tr(ctx, 'flows:jobs.wage_from', { min: l.wageMin });
  return tr(ctx, 'flows:jobs.wage_unknown');
}

function choices(s: FlowState, ctx: StepContext): Choice[] {
  const leads = leadsOf(s).map((l, i) => ({
    key: String(i + 1),
    value: String(l.id),
    label: tr(ctx, 'flows:jobs.lead', { title: l.title, employer: l.employer, place: l.place, wage: wage(l, ctx) }),
  }));
  return [...leads, { key: '0', value: 'none', label: tr(ctx, 'flows:jobs.none'), aliases: ['都不合适', '不要', 'none', 'no'] }];
}

export const jobLeads = defineFlow({
  id: 'job_leads',
  keywords: ['找工作', 'jobs', 'job', '岗位'],
  audiences: ['worker'],
  channels: ['SMS', 'TELEGRAM', 'VOICE'],
  first: 'pick',
  ttlMinutes: 24 * 60,
  start: (s, ctx) => {
    const leads = leadsOf(s);
    if (leads.length === 0) return { end: 'completed', say: [tr(ctx, 'flows:jobs.no_leads')] };
    // The first question, with each lead it shows recorded as a service contact.
    return { goto: 'pick', effects: [{ kind: 'job_leads_shown', jobLeadIds: leads.map((l) => l.id) }] };
  },
  steps: {
    pick: {
      prompt: (s, ctx) => tr(ctx, 'flows:jobs.prompt', { count: leadsOf(s).length }),
      ask: { type: 'choice', choices },
      next: (a, s, ctx) => {
        if (a.value === 'none') return { end: 'completed', say: [tr(ctx, 'flows:jobs.thanks_none')] };
        const lead = leadsOf(s).find((l) => String(l.id) === a.value)!;
        return {
          end: 'completed',
          say: [tr(ctx, 'flows:jobs.interest_recorded', { title: lead.title })],
          effects: [{ kind: 'job_interest', jobLeadId: lead.id, title: lead.title }],
        };
      },
    },
  },
});
