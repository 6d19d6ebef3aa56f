/**
 * What a flow knows when it starts, read from the ledger inside the conversation's transaction:
 * the engine itself reads nothing, so everything a step shows comes from here or from answers.
 */

import { prepared } from '../db/prepared.js';
import type { Sql } from '../db/sql.js';
import type { EmploymentStatus } from '../generated/prisma/enums.js';
import { matchingJobLeads } from '../ledger/job-leads.js';
import { isEmployed } from '../ledger/status-rules.js';
import type { FlowId, FlowState } from './types.js';

/** The worker's status on record: whether there is one, whether it is a job, and where. */
async function currentStatus(sql: Sql, workerId: number | null): Promise<FlowState> {
  if (workerId === null) return { hasCurrent: false, employed: false, employer: null };
  const r = await sql.query<{ currentEventId: string | null; status: EmploymentStatus; employer: string | null }>(
    prepared(
      sql,
      `SELECT w."currentEventId", w."currentStatus" AS status, e.employer
       FROM "Worker" w LEFT JOIN "EmploymentEvent" e ON e.id = w."currentEventId"
      WHERE w.id = $1`,
      [workerId],
    ),
  );
  const row = r.rows[0];
  if (!row?.currentEventId) return { hasCurrent: false, employed: false, employer: null };
  return { hasCurrent: true, employed: isEmployed(row.status), employer: row.employer };
}

/** Initial state of `flow` for the worker the conversation is about (null when nobody is known). */
export async function initialState(sql: Sql, flow: FlowId, workerId: number | null, now: Date): Promise<FlowState> {
  switch (flow) {
    case 'status_report':
    case 'check_in':
      return currentStatus(sql, workerId);
    case 'job_leads': {
      if (workerId === null) return { leads: [] };
      const leads = await matchingJobLeads(sql, workerId, now);
      return { leads: leads.map((l) => ({ ...l })) };
    }
    default:
      return {};
  }
}
