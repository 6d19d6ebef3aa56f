/**
 * Work for staff: a conversation that escalated, a person who asked for a person (转人工), a
 * worker interested in a job lead, a zero-employment household's follow-up with a deadline. A task
 * belongs to the village of the worker or household it concerns, so the village, its township and
 * its county all see it in their scope. Staff list them, assign them, and close them with what
 * they did; closing after a call to the worker records that call as a service (帮扶记录).
 */
import type { Sql } from '../db/sql.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Channel, TaskStatus } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { codeInScope, type Staff } from '../staff/scope.js';
import type { Json } from './json.js';
import { recordServiceContact } from './service-contacts.js';
import { maskPhone } from './worker-directory.js';

export interface NewStaffTask {
  kind: 'escalated_conversation' | 'human_help' | 'job_lead_interest' | 'employer_layoff';
  /** The worker concerned: the task goes to their village (and so to every staff scope above it). */
  workerId: number;
  title: string;
  details?: { [key: string]: Json };
  inboundMessageId?: string | null;
}

/** Opens a task in the worker's village, with the worker and household attached. Returns its id. */
export async function createStaffTask(sql: Sql, t: NewStaffTask): Promise<number> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "StaffTask" (kind, "regionId", "workerId", "householdId", "inboundMessageId", title, details)
     SELECT $2, w."villageId", w.id, w."householdId", $3, $4, $5::jsonb FROM "Worker" w WHERE w.id = $1
     RETURNING id`,
    [t.workerId, t.kind, t.inboundMessageId ?? null, t.title, JSON.stringify(t.details ?? {})],
  );
  if (!r.rows[0]) throw new Error(`no worker ${t.workerId} for a staff task`);
  return r.rows[0].id;
}

// ───────────── Staff reading and acting on tasks ─────────────

export interface TaskQuery {
  status?: TaskStatus;
  /** `me`: assigned to the caller; `none`: unassigned. */
  assigned?: 'me' | 'none';
  kind?: string;
  /** A region inside the caller's scope (its code); default the whole scope. */
  regionCode?: string;
  /** `overdue`: open past its deadline; `today`/`week`: due within a day/7 days (or overdue). */
  due?: 'overdue' | 'today' | 'week';
  workerId?: number;
  /** Tasks with an id below this (newest first). */
  before?: number;
  limit: number;
  now?: Date;
}

const TASK_SELECT = {
  id: true,
  kind: true,
  title: true,
  status: true,
  details: true,
  dueAt: true,
  createdAt: true,
  closedAt: true,
  outcome: true,
  inboundMessageId: true,
  region: { select: { id: true, code: true, name: true } },
  worker: { select: { id: true, name: true, phone: true } },
  household: { select: { id: true, code: true, headName: true } },
  assignee: { select: { id: true, username: true, name: true } },
  closedBy: { select: { id: true, username: true, name: true } },
} as const;

type TaskRecord = Prisma.StaffTaskGetPayload<{ select: typeof TASK_SELECT }>;

export interface TaskView extends Omit<TaskRecord, 'inboundMessageId' | 'worker'> {
  inboundMessageId: string | null;
  worker: { id: number; name: string; phone: string | null } | null;
  /** Open and past its deadline. */
  overdue: boolean;
}

function view(t: TaskRecord, now: Date): TaskView {
  return {
    ...t,
    inboundMessageId: t.inboundMessageId?.toString() ?? null,
    worker: t.worker && { ...t.worker, phone: maskPhone(t.worker.phone) },
    overdue: t.status === 'OPEN' && t.dueAt !== null && t.dueAt < now,
  };
}

const DAY_MS = 86_400_000;

/** Tasks of the caller's scope matching every filter, newest first. */
export async function listTasks(prisma: PrismaClient, staff: Staff, q: TaskQuery): Promise<TaskView[]> {
  const now = q.now ?? new Date();
  if (q.regionCode && !codeInScope(staff, q.regionCode))
    throw forbidden(`region ${q.regionCode} is outside your scope (${staff.regionCode} and below)`);
  const dueBefore =
    q.due === 'overdue'
      ? now
      : q.due === 'today'
        ? new Date(now.getTime() + DAY_MS)
        : q.due === 'week'
          ? new Date(now.getTime() + 7 * DAY_MS)
          : null;
  const rows = await prisma.staffTask.findMany({
    where: {
      region: { code: { startsWith: q.regionCode ?? staff.regionCode } },
      status: q.status ?? (q.due ? 'OPEN' : undefined),
      kind: q.kind,
      workerId: q.workerId,
      assigneeId: q.assigned === 'me' ? staff.userId : q.assigned === 'none' ? null : undefined,
      dueAt: dueBefore ? { lt: dueBefore } : undefined,
      id: q.before === undefined ? undefined : { lt: q.before },
    },
    orderBy: { id: 'desc' },
    take: q.limit,
    select: TASK_SELECT,
  });
  return rows.map((t) => view(t, now));
}

/** Counts for a dashboard: open, overdue, open and assigned to the caller, open and unassigned. */
export async function taskCounts(prisma: PrismaClient, staff: Staff, now = new Date()) {
  const inScope = { region: { code: { startsWith: staff.regionCode } }, status: 'OPEN' as const };
  const [open, overdue, mine, unassigned] = await Promise.all([
    prisma.staffTask.count({ where: inScope }),
    prisma.staffTask.count({ where: { ...inScope, dueAt: { lt: now } } }),
    prisma.staffTask.count({ where: { ...inScope, assigneeId: staff.userId } }),
    prisma.staffTask.count({ where: { ...inScope, assigneeId: null } }),
  ]);
  return { open, overdue, mine, unassigned };
}

async function taskInScope(prisma: Prisma.TransactionClient | PrismaClient, staff: Staff, id: number): Promise<TaskRecord> {
  const t = await prisma.staffTask.findUnique({ where: { id }, select: TASK_SELECT });
  if (!t || !codeInScope(staff, t.region.code)) throw notFound(`no task ${id}`);
  return t;
}

export async function getTask(prisma: PrismaClient, staff: Staff, id: number, now = new Date()): Promise<TaskView> {
  return view(await taskInScope(prisma, staff, id), now);
}

function requireWriter(staff: Staff): void {
  if (staff.role === 'VIEWER') throw forbidden('role VIEWER may not change tasks; needs ADMIN or OPERATOR');
}

/**
 * Gives an open task to a staff user (or takes it back with null). The assignee must be active and
 * see the task's region in their own scope.
 */
export async function assignTask(
  prisma: PrismaClient,
  staff: Staff,
  id: number,
  assignee: { id: number } | { username: string } | null,
  via: Channel,
  now = new Date(),
): Promise<TaskView> {
  requireWriter(staff);
  return prisma.$transaction(async (tx) => {
    const task = await taskInScope(tx, staff, id);
    if (task.status !== 'OPEN') throw conflict('invalid_state', `task ${id} is ${task.status}: only open tasks are assigned`);
    let assigneeId: number | null = null;
    if (assignee) {
      const field = 'id' in assignee ? 'body/assigneeId' : 'body/assignee';
      const u = await tx.staffUser.findUnique({
        where: 'id' in assignee ? { id: assignee.id } : { username: assignee.username.trim().toLowerCase() },
        select: { id: true, username: true, active: true, region: { select: { code: true } } },
      });
      if (!u || !codeInScope(staff, u.region.code)) throw invalid(field, 'names no staff user of your scope');
      if (!u.active) throw invalid(field, `: ${u.username} is disabled`);
      if (!codeInScope({ regionCode: u.region.code }, task.region.code))
        throw invalid(field, `: ${u.username} cannot see tasks of region ${task.region.code}`);
      assigneeId = u.id;
    }
    await tx.staffTask.update({ where: { id }, data: { assigneeId } });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'task.assign',
      entity: 'StaffTask',
      entityId: id,
      regionId: task.region.id,
      details: { assigneeId, previousAssigneeId: task.assignee?.id ?? null, via },
    });
    return view(await taskInScope(tx, staff, id), now);
  });
}

export interface CloseTask {
  /** What was done, in the staff member's words. */
  outcome: string;
  /** CANCELLED: nothing to do (a duplicate, the person withdrew). Default DONE. */
  status?: 'DONE' | 'CANCELLED';
  /** The worker was called about it: records a STAFF_CALL service contact. */
  called?: boolean;
  /** When the call took place (default now). */
  calledAt?: Date;
  /** For a household's task: which member was called. */
  workerId?: number;
  via: Channel;
}

/** Closes an open task with its outcome; a call made about it becomes a service contact. */
export async function closeTask(
  prisma: PrismaClient,
  staff: Staff,
  id: number,
  c: CloseTask,
  now = new Date(),
): Promise<TaskView & { serviceContactId: string | null }> {
  requireWriter(staff);
  return prisma.$transaction(async (tx) => {
    const task = await taskInScope(tx, staff, id);
    if (task.status !== 'OPEN') throw conflict('invalid_state', `task ${id} is already ${task.status}`);
    let serviceContactId: bigint | null = null;
    if (c.called) {
      const workerId = c.workerId ?? task.worker?.id;
      if (workerId === undefined) throw invalid('body/workerId', 'is required: say which member of the household was called');
      if (c.workerId !== undefined && task.worker && c.workerId !== task.worker.id)
        throw invalid('body/workerId', `: the task is about worker ${task.worker.id}`);
      if (c.workerId !== undefined && task.household) {
        const member = await tx.worker.findFirst({
          where: { id: c.workerId, householdId: task.household.id },
          select: { id: true },
        });
        if (!member) throw invalid('body/workerId', `is not a member of household ${task.household.code}`);
      }
      const calledAt = c.calledAt ?? now;
      if (calledAt.getTime() > now.getTime() + 60_000) throw invalid('body/calledAt', 'is in the future');
      serviceContactId = await recordServiceContact(tx, staff, {
        workerId,
        kind: 'STAFF_CALL',
        occurredAt: calledAt,
        note: c.outcome,
        via: c.via,
      });
    }
    const updated = await tx.staffTask.updateMany({
      where: { id, status: 'OPEN' },
      data: { status: c.status ?? 'DONE', outcome: c.outcome, closedAt: now, closedById: staff.userId },
    });
    if (updated.count === 0) throw conflict('invalid_state', `task ${id} was closed meanwhile`);
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'task.close',
      entity: 'StaffTask',
      entityId: id,
      regionId: task.region.id,
      details: {
        status: c.status ?? 'DONE',
        called: c.called ?? false,
        serviceContactId: serviceContactId?.toString() ?? null,
        via: c.via,
      },
    });
    return { ...view(await taskInScope(tx, staff, id), now), serviceContactId: serviceContactId?.toString() ?? null };
  });
}
