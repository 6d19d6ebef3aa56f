/**
 * The program's routines, run by the `programs` queue's worker on their schedules and by hand
 * (CLI, tests): each takes the process's container and an optional county.
 *
 * | routine                  | schedule (Asia/Shanghai) | what it does                                           |
 * |--------------------------|--------------------------|--------------------------------------------------------|
 * | zero-employment-steps    | every 5 minutes          | the next step of every due zero-employment plan        |
 * | training-list-publish    | the 1st, 08:00           | last month's training-demand list of every county      |
 * | training-follow-up       | daily, 09:00             | check-ins 30 days after a course; employed within month |
 * | region-figures           | every 5 minutes          | the console dashboard's figures of every region         |
 * | consistency-check        | daily, 02:30             | the ledger consistency check of every province (§3); with a runId, a run staff asked for |
 * | employer-survey-links    | the 1st, 08:00           | last month's headcount-survey link to each key employer |
 * | employer-survey-reminders| the 15th and 18th, 09:00 | a reminder to key employers that have not reported      |
 * | employer-layoff-follow-up| every 10 minutes         | a check-in and a task for each laid-off worker named    |
 */

import { runScheduledChecks } from '../consistency/routine.js';
import { refreshRegionFigures } from '../console/figures.js';
import type { Container } from '../container.js';
import { followUpLayoffs } from '../employers/layoff-follow-up.js';
import { sendMonthlyLinks, sendReminders } from '../employers/survey-messages.js';
import { enqueueSends } from '../queues/queues.js';
import { followUpTrainees, publishTrainingLists } from './training.js';
import { runZeroEmploymentSteps } from './zero-employment-plan.js';

type RoutineDeps = Pick<Container, 'db' | 'texts' | 'queues' | 'config'>;

export const ROUTINES = {
  'zero-employment-steps': { pattern: '*/5 * * * *' },
  'training-list-publish': { pattern: '0 8 1 * *' },
  'training-follow-up': { pattern: '0 9 * * *' },
  'region-figures': { pattern: '*/5 * * * *' },
  'consistency-check': { pattern: '30 2 * * *' },
  'employer-survey-links': { pattern: '0 8 1 * *' },
  'employer-survey-reminders': { pattern: '0 9 15,18 * *' },
  'employer-layoff-follow-up': { pattern: '*/10 * * * *' },
} as const;

export type RoutineName = keyof typeof ROUTINES;

export function isRoutine(name: string): name is RoutineName {
  return Object.hasOwn(ROUTINES, name);
}

/** Runs a routine now; returns a short summary for the job's result and the log. */
export async function runRoutine(
  deps: RoutineDeps,
  routine: string,
  opts: { countyId?: number; runId?: number; now?: Date } = {},
): Promise<Record<string, unknown>> {
  const enqueue = (rows: Array<{ id: bigint; channel: import('../generated/prisma/enums.js').Channel }>) =>
    enqueueSends(deps.queues, rows);
  switch (routine) {
    case 'zero-employment-steps': {
      const r = await runZeroEmploymentSteps(
        {
          db: deps.db,
          texts: deps.texts,
          enqueue,
          stepDays: deps.config.FOLLOW_UP_STEP_DAYS,
          taskDueDays: deps.config.FOLLOW_UP_TASK_DUE_DAYS,
        },
        { now: opts.now, countyId: opts.countyId },
      );
      return { steps: r.steps.length, contactsRecorded: r.contactsRecorded };
    }
    case 'training-list-publish': {
      const r = await publishTrainingLists(
        { db: deps.db, texts: deps.texts, enqueue, dataDir: deps.config.DATA_DIR },
        { countyId: opts.countyId, now: opts.now },
      );
      return { counties: r.length, published: r.filter((p) => p.published).length };
    }
    case 'training-follow-up': {
      const r = await followUpTrainees({ db: deps.db, texts: deps.texts, enqueue }, { now: opts.now, countyId: opts.countyId });
      return { followedUp: r.followedUp.length, deferred: r.deferred, updated: r.updated };
    }
    case 'region-figures':
      return { regions: await refreshRegionFigures(deps.db.pool, opts.now) };
    case 'consistency-check':
      return runScheduledChecks(deps, opts);
    case 'employer-survey-links':
      return { ...(await sendMonthlyLinks({ ...deps, enqueue }, opts)) };
    case 'employer-survey-reminders':
      return { ...(await sendReminders({ ...deps, enqueue }, opts)) };
    case 'employer-layoff-follow-up':
      return { ...(await followUpLayoffs({ ...deps, enqueue }, opts)) };
    default:
      throw new Error(`unknown routine "${routine}" (known: ${Object.keys(ROUTINES).join(', ')})`);
  }
}
