/** Every flow the service runs, by id. Adding a flow: declare it in its own file and list it here. */
import type { FlowDef, FlowId } from '../src/flows/types.js';
import { checkIn } from './check-in.js';
import { familyConfirmation } from './family-confirmation.js';
import { jobLeads } from './job-leads.js';
import { linkTelegram } from './link-telegram.js';
import { menu } from './menu.js';
import { statusReport } from './status-report.js';
import { training } from './training.js';

export const FLOWS: Record<FlowId, FlowDef> = {
  menu,
  status_report: statusReport,
  job_leads: jobLeads,
  training,
  family_confirmation: familyConfirmation,
  check_in: checkIn,
  link_telegram: linkTelegram,
};
