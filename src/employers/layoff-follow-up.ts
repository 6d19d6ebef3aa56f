/**
 * §8 for the layoffs a key employer reports: every laid-off poor-household worker it names is
 * followed up. A worker matched to the ledger gets the weekly check-in's question now ("still
 * working at X? 1 yes 2 no", bots/check-in.ts: "no" continues into the status report, which puts
 * the worker on the unemployed list with its provenance) and a staff task in their village (so the
 * county sees it); a name the ledger could not match gets a task in the employer's township, to
 * find the worker. The employer's word alone never changes a worker's status.
 *
 * Run by the `employer-layoff-follow-up` routine (every 10 minutes, and queued right after a
 * report that names anyone); idempotent: each named worker is followed up once per employer and
 * month, however many revisions name them again.
 */

import { startCheckIn } from '../conversations/start.js';
import type { Db } from '../db/database.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { createStaffTask } from '../ledger/staff-tasks.js';
import type { Queues } from '../queues/queues.js';

export interface FollowUpDeps {
  db: Db;
  texts: Texts;
  enqueue(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
}

/** Queues the follow-up routine now (a report just named laid-off workers). */
export async function followUpSoon(queues: Pick<Queues, 'programs'>): Promise<void> {
  await queues.programs.add('employer-layoff-follow-up', { routine: 'employer-layoff-follow-up' });
}

interface Pending {
  id: number;
  employerId: number;
  employerName: string;
  townshipId: number;
  month: string;
  name: string;
  workerId: number | null;
  /** An earlier row of the same employer, month and worker was followed up already. */
  repeated: boolean;
}

export async function followUpLayoffs(
  deps: FollowUpDeps,
  o: { now?: Date } = {},
): Promise<{ checkIns: number; tasks: number; repeated: number }> {
  const now = o.now ?? new Date();
  const { pool } = deps.db;
  const pending = await pool.query<Pending>(
    `SELECT l.id, l."employerId", e.name AS "employerName", e."regionId" AS "townshipId", l.month, l.name, l."workerId",
            EXISTS (SELECT 1 FROM "EmployerLayoff" p
                     WHERE p."employerId" = l."employerId" AND p.month = l.month AND p.id < l.id AND p."followedUpAt" IS NOT NULL
                       AND (p."workerId" = l."workerId" OR (p."workerId" IS NULL AND l."workerId" IS NULL AND p.name = l.name))) AS repeated
       FROM "EmployerLayoff" l JOIN "Employer" e ON e.id = l."employerId"
      WHERE l."followedUpAt" IS NULL
      ORDER BY l.id LIMIT 500`,
  );
  const done = { checkIns: 0, tasks: 0, repeated: 0 };
  // Workers followed up in this run (the query saw none of them as done yet).
  const seen = new Set<string>();
  for (const l of pending.rows) {
    let followUp: string;
    let taskId: number | null = null;
    const key = `${l.employerId}|${l.month}|${l.workerId ?? `name:${l.name}`}`;
    const repeated = l.repeated || seen.has(key);
    seen.add(key);
    if (repeated) {
      followUp = 'repeated';
      done.repeated++;
    } else if (l.workerId !== null) {
      const r = await startCheckIn(deps, l.workerId, 'SMS', now);
      followUp = r.started ? 'check_in' : `check_in_${r.reason}`;
      if (r.started) done.checkIns++;
      taskId = await createStaffTask(pool, {
        kind: 'employer_layoff',
        workerId: l.workerId,
        title: `${l.employerName} 报告 ${l.month} 裁减了 ${l.name}（贫困劳动力），请核实就业状态并提供帮扶`,
        details: { employerId: l.employerId, month: l.month, layoffId: l.id, checkIn: followUp },
      });
      done.tasks++;
    } else {
      const t = await pool.query<{ id: number }>(
        `INSERT INTO "StaffTask" (kind, "regionId", title, details) VALUES ('employer_layoff', $1, $2, $3::jsonb) RETURNING id`,
        [
          l.townshipId,
          `${l.employerName} 报告 ${l.month} 裁减了 ${l.name}（贫困劳动力），台账中未找到此人，请核实并提供帮扶`,
          JSON.stringify({ employerId: l.employerId, month: l.month, layoffId: l.id, matched: false }),
        ],
      );
      taskId = t.rows[0]!.id;
      followUp = 'unmatched';
      done.tasks++;
    }
    await pool.query(
      `UPDATE "EmployerLayoff" SET "followedUpAt" = $2::timestamp(3), "followUp" = $3, "taskId" = $4 WHERE id = $1`,
      [l.id, now.toISOString(), followUp, taskId],
    );
  }
  return done;
}
