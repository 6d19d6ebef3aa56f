/**
 * Ledger consistency (§3: 账实相符、账账相符): the rules (rules.ts), a run over a region (check.ts),
 * what staff read and ask for (staff.ts), and the share of consistent records per region that the
 * county assessment shows (share.ts: `consistentShare(db, regionId)`, a stable signature).
 */
export { CONSISTENCY_TASK_KIND, queueRun, type RunOptions, type RunSummary, runConsistencyCheck } from './check.js';
export { RULES, type Rule } from './rules.js';
export { type ConsistentShare, consistentShare, regionShare } from './share.js';
