/**
 * `outreach task list|assign|close`: the staff task list from a terminal, through the running
 * service's API (scope, roles and audit as there).
 */
import type { Command } from 'commander';
import { chinaTime, positiveId, withApiOptions } from './api-client.js';

interface Task {
  id: number;
  kind: string;
  title: string;
  status: string;
  dueAt: string | null;
  overdue: boolean;
  region: { code: string; name: string };
  worker: { id: number; name: string; phone: string | null } | null;
  assignee: { username: string } | null;
  outcome: string | null;
}

const taskId = positiveId('a task id');

function line(t: Task): string {
  const due = t.dueAt ? ` due ${chinaTime(t.dueAt)}${t.overdue ? ' 已逾期/OVERDUE' : ''}` : '';
  const who = t.worker ? ` · ${t.worker.name} (#${t.worker.id} ${t.worker.phone ?? '-'})` : '';
  return `#${t.id} ${t.status} ${t.kind} ${t.region.name}${who} · ${t.title}${due} · ${t.assignee ? `@${t.assignee.username}` : 'unassigned'}`;
}

export function registerTaskCommand(program: Command): void {
  const task = program.command('task').description('staff tasks through the running service: list, assign, close');
  const call = withApiOptions(task);

  task
    .command('list')
    .description('tasks of your scope, newest first (open ones by default)')
    .option('--all', 'every status, not only open tasks')
    .option('--mine', 'only those assigned to you')
    .option('--unassigned', 'only those nobody has taken')
    .option('--overdue', 'only open tasks past their deadline')
    .option('--kind <kind>', 'human_help | escalated_conversation | job_lead_interest | zero_employment_follow_up')
    .option('--region <code>', 'a region inside your scope')
    .option('--limit <n>', 'at most this many', '50')
    .action(
      async (o: {
        all?: boolean;
        mine?: boolean;
        unassigned?: boolean;
        overdue?: boolean;
        kind?: string;
        region?: string;
        limit: string;
      }) => {
        const q = new URLSearchParams({ limit: o.limit });
        if (!o.all) q.set('status', 'OPEN');
        if (o.mine) q.set('assigned', 'me');
        if (o.unassigned) q.set('assigned', 'none');
        if (o.overdue) q.set('due', 'overdue');
        if (o.kind) q.set('kind', o.kind);
        if (o.region) q.set('regionCode', o.region);
        const r = await call()<{ items: Task[] }>('GET', `/tasks?${q}`);
        if (r.items.length === 0) console.log('no tasks');
        for (const t of r.items) console.log(line(t));
      },
    );

  task
    .command('assign <id>')
    .description('give an open task to a staff user (a username, or "me"); --unassign takes it back')
    .option('--to <username>', 'who takes it', 'me')
    .option('--unassign', 'nobody has it')
    .action(async (v: string, o: { to: string; unassign?: boolean }) => {
      const t = await call()<Task>('POST', `/tasks/${taskId(v)}/assign`, o.unassign ? { assigneeId: null } : { assignee: o.to });
      console.log(line(t));
    });

  task
    .command('close <id>')
    .description('close an open task with what was done; --called records your call to the worker as a service')
    .requiredOption('--outcome <text>', 'what was done, in your words')
    .option('--called', 'you called the worker about it (a STAFF_CALL service contact)')
    .option('--called-at <time>', 'when the call was (ISO 8601; default now)')
    .option('--worker <id>', 'for a household’s task: the member called')
    .option('--cancel', 'close it as CANCELLED: nothing to do')
    .action(async (v: string, o: { outcome: string; called?: boolean; calledAt?: string; worker?: string; cancel?: boolean }) => {
      const t = await call()<Task & { serviceContactId: string | null }>('POST', `/tasks/${taskId(v)}/close`, {
        outcome: o.outcome,
        status: o.cancel ? 'CANCELLED' : 'DONE',
        called: Boolean(o.called),
        ...(o.calledAt ? { calledAt: new Date(o.calledAt).toISOString() } : {}),
        ...(o.worker ? { workerId: positiveId('a worker id')(o.worker) } : {}),
      });
      console.log(line(t));
      if (t.serviceContactId) console.log(`service contact #${t.serviceContactId} recorded (STAFF_CALL)`);
    });
}
