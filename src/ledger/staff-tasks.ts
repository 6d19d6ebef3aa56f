/** Work for staff raised by conversations: escalations, requests for a person, job-lead interest. */
import type { Sql } from '../db/sql.js';
import type { Json } from '../flows/types.js';

export interface NewStaffTask {
  kind: 'escalated_conversation' | 'human_help' | 'job_lead_interest';
  /** The worker concerned: the task goes to their county (the region staff are scoped by). */
  workerId: number;
  title: string;
  details?: { [key: string]: Json };
  inboundMessageId?: string | null;
}

/** Opens a task in the worker's county, with the worker and household attached. Returns its id. */
export async function createStaffTask(sql: Sql, t: NewStaffTask): Promise<number> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "StaffTask" (kind, "regionId", "workerId", "householdId", "inboundMessageId", title, details)
     SELECT $2, w."countyId", w.id, w."householdId", $3, $4, $5::jsonb FROM "Worker" w WHERE w.id = $1
     RETURNING id`,
    [t.workerId, t.kind, t.inboundMessageId ?? null, t.title, JSON.stringify(t.details ?? {})],
  );
  if (!r.rows[0]) throw new Error(`no worker ${t.workerId} for a staff task`);
  return r.rows[0].id;
}
