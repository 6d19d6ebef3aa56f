/**
 * The automatic follow-up plan of a zero-employment household (零就业户, Annex 1: at least one
 * person employed within a month, the list cleared dynamically). A ZeroEmploymentSpell is opened
 * and closed with the household's flag (src/ledger/household-counts.ts); this module takes its
 * steps, FOLLOW_UP_STEP_DAYS apart:
 *
 *   LEADS_SMS   matching job leads by SMS to each working-age worker (JOB_LEAD service contacts
 *               once the SMS has gone out)
 *   CALL        a voice call to the worker(s): the plan read aloud
 *   FAMILY      a message to the workers' registered family contacts
 *   STAFF_TASK  a StaffTask in the county, due in FOLLOW_UP_TASK_DUE_DAYS
 *   DONE        the plan is finished (the task stays open); STOPPED when someone reports a job
 *
 * Each step runs in one transaction on a spell claimed with FOR UPDATE SKIP LOCKED: its messages,
 * task, history entry and the move to the next stage commit together, so a second run at the same
 * time skips the spell and a crash mid-step leaves the step to be taken again. Messages are queued
 * after the commit (the sweep re-queues any the process could not queue). A step with nobody to
 * reach (no phone, opted out, no leads) is recorded and the plan moves on at once.
 */
import type { Db } from '../db/database.js';
import { inTransaction, type Sql } from '../db/sql.js';
import type { Channel, FollowUpStage } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { shanghaiDate } from '../ledger/china-time.js';
import { matchingJobLeads } from '../ledger/job-leads.js';
import { isOptedOut } from '../ledger/opt-outs.js';
import { createMessage } from '../ledger/outbound.js';
import { WORKING_AGE } from '../ledger/program-rules.js';

export interface PlanDeps {
  db: Db;
  texts: Texts;
  /** Queues sends after the step's transaction commits (enqueueSends with the service's queues). */
  enqueue(rows: Array<{ id: bigint; channel: Channel }>): Promise<void>;
  /** FOLLOW_UP_STEP_DAYS: days between steps. */
  stepDays: number;
  /** FOLLOW_UP_TASK_DUE_DAYS: the staff task's deadline. */
  taskDueDays: number;
}

/** The plan's order; DONE and STOPPED are final. */
export const PLAN_STAGES: readonly FollowUpStage[] = ['LEADS_SMS', 'CALL', 'FAMILY', 'STAFF_TASK', 'DONE'];
const ACTIVE_STAGES: readonly FollowUpStage[] = ['LEADS_SMS', 'CALL', 'FAMILY', 'STAFF_TASK'];

export const ZERO_EMPLOYMENT_TASK_KIND = 'zero_employment_follow_up';

interface SpellRow {
  id: number;
  stage: FollowUpStage;
  householdId: number;
  countyId: number;
  villageId: number;
  enteredAt: Date;
  code: string;
  headName: string | null;
}

interface PlanWorker {
  id: number;
  name: string;
  phone: string | null;
  language: string;
}

/** One message the plan sent in a step. */
export interface PlanMessage {
  messageId: string;
  workerId: number;
  channel: Channel;
  familyContactId?: number;
  /** LEADS_SMS: the leads in the message (service contacts once it is sent). */
  leads?: number[];
}

/** What a step did, as appended to the spell's history. */
export interface StepEntry {
  stage: FollowUpStage;
  at: string;
  messages: PlanMessage[];
  skipped: Array<{ workerId?: number; familyContactId?: number; reason: string }>;
  staffTaskId?: number;
  /** LEADS_SMS: JOB_LEAD service contacts not yet recorded (waiting for the SMS to go out). */
  contactsPending?: boolean;
}

export interface StepsResult {
  /** Steps taken, in order. */
  steps: Array<{ spellId: number; householdId: number } & StepEntry>;
  /** JOB_LEAD service contacts recorded for plan SMS that went out since the last run. */
  contactsRecorded: number;
}

const DAY_MS = 86_400_000;

/** Workers the plan addresses: with labour, of working age, not unable or (on record) unwilling. */
async function planWorkers(sql: Sql, householdId: number, now: Date): Promise<PlanWorker[]> {
  const [year] = shanghaiDate(now);
  const r = await sql.query<PlanWorker>(
    `SELECT id, name, phone, language FROM "Worker"
      WHERE "householdId" = $1 AND "laborCapacity" <> 'NONE'
        AND "currentStatus" NOT IN ('UNABLE_TO_WORK', 'TEMPORARILY_UNWILLING')
        AND ("birthYear" IS NULL OR $2::int - "birthYear" BETWEEN $3::int AND $4::int)
      ORDER BY id`,
    [householdId, year, WORKING_AGE.min, WORKING_AGE.max],
  );
  return r.rows;
}

function wageText(t: ReturnType<Texts['forLanguage']>, min: number | null, max: number | null): string {
  if (min === null && max === null) return '';
  const wage = min !== null && max !== null && min !== max ? `${min}-${max}` : String(min ?? max);
  return t('programs:zero.wage', { wage });
}

async function stepLeadsSms(deps: PlanDeps, sql: Sql, spell: SpellRow, now: Date, entry: StepEntry): Promise<void> {
  for (const w of await planWorkers(sql, spell.householdId, now)) {
    if (!w.phone) {
      entry.skipped.push({ workerId: w.id, reason: 'no_phone' });
      continue;
    }
    if (await isOptedOut(sql, 'SMS', w.phone)) {
      entry.skipped.push({ workerId: w.id, reason: 'opted_out' });
      continue;
    }
    const leads = await matchingJobLeads(sql, w.id, now, 3);
    if (leads.length === 0) {
      entry.skipped.push({ workerId: w.id, reason: 'no_leads' });
      continue;
    }
    const t = deps.texts.forLanguage(w.language);
    const lines = leads.map((l, i) =>
      t('programs:zero.lead_line', {
        n: i + 1,
        title: l.title,
        employer: l.employer,
        place: l.place,
        wage: wageText(t, l.wageMin, l.wageMax),
      }),
    );
    const body = [t('programs:zero.leads_intro'), ...lines, t('programs:zero.leads_outro')].join('\n');
    const id = await createMessage(sql, { kind: 'FLOW', channel: 'SMS', body, language: w.language, workerId: w.id });
    entry.messages.push({ messageId: id.toString(), workerId: w.id, channel: 'SMS', leads: leads.map((l) => l.id) });
  }
  if (entry.messages.length > 0) entry.contactsPending = true;
}

async function stepCall(deps: PlanDeps, sql: Sql, spell: SpellRow, now: Date, entry: StepEntry): Promise<void> {
  for (const w of await planWorkers(sql, spell.householdId, now)) {
    if (!w.phone) {
      entry.skipped.push({ workerId: w.id, reason: 'no_phone' });
      continue;
    }
    if (await isOptedOut(sql, 'VOICE', w.phone)) {
      entry.skipped.push({ workerId: w.id, reason: 'opted_out' });
      continue;
    }
    const body = deps.texts.forLanguage(w.language)('programs:zero.call');
    const id = await createMessage(sql, { kind: 'FLOW', channel: 'VOICE', body, language: w.language, workerId: w.id });
    entry.messages.push({ messageId: id.toString(), workerId: w.id, channel: 'VOICE' });
  }
}

async function stepFamily(deps: PlanDeps, sql: Sql, spell: SpellRow, now: Date, entry: StepEntry): Promise<void> {
  const workers = await planWorkers(sql, spell.householdId, now);
  if (workers.length === 0) return;
  // One message per number: the first registered contact per worker (verified first), never a
  // number that is a worker's own phone in this household.
  const r = await sql.query<{ id: number; workerId: number; phone: string; language: string; workerName: string }>(
    `SELECT DISTINCT ON (f.phone) f.id, f."workerId", f.phone, f.language, w.name AS "workerName"
       FROM "FamilyContact" f JOIN "Worker" w ON w.id = f."workerId"
      WHERE f."workerId" = ANY($1::int[]) AND f."removedAt" IS NULL
        AND f.phone NOT IN (SELECT phone FROM "Worker" WHERE "householdId" = $2 AND phone IS NOT NULL)
      ORDER BY f.phone, f.verified DESC, f.id`,
    [workers.map((w) => w.id), spell.householdId],
  );
  if (r.rows.length === 0) entry.skipped.push({ reason: 'no_family_contact' });
  for (const f of r.rows) {
    if (await isOptedOut(sql, 'SMS', f.phone)) {
      entry.skipped.push({ familyContactId: f.id, reason: 'opted_out' });
      continue;
    }
    const body = deps.texts.forLanguage(f.language)('programs:zero.family', { name: f.workerName });
    const id = await createMessage(sql, {
      kind: 'FLOW',
      channel: 'SMS',
      body,
      language: f.language,
      workerId: f.workerId,
      familyContactId: f.id,
      toAddress: f.phone,
    });
    entry.messages.push({ messageId: id.toString(), workerId: f.workerId, channel: 'SMS', familyContactId: f.id });
  }
}

async function stepStaffTask(deps: PlanDeps, sql: Sql, spell: SpellRow, now: Date, entry: StepEntry): Promise<void> {
  const t = deps.texts.forLanguage('zh-CN');
  const r = await sql.query<{ id: number }>(
    `INSERT INTO "StaffTask" (kind, "regionId", "householdId", title, details, "dueAt")
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::timestamp(3)) RETURNING id`,
    [
      ZERO_EMPLOYMENT_TASK_KIND,
      spell.villageId,
      spell.householdId,
      t('programs:zero.task_title', { code: spell.code, head: spell.headName ?? '' }),
      JSON.stringify({ spellId: spell.id, enteredAt: spell.enteredAt.toISOString() }),
      new Date(now.getTime() + deps.taskDueDays * DAY_MS).toISOString(),
    ],
  );
  entry.staffTaskId = r.rows[0]!.id;
}

const STEPS: Record<string, typeof stepLeadsSms> = {
  LEADS_SMS: stepLeadsSms,
  CALL: stepCall,
  FAMILY: stepFamily,
  STAFF_TASK: stepStaffTask,
};

/** Takes the next step of one due spell, in one transaction; null when no spell is due. */
async function takeOneStep(
  deps: PlanDeps,
  now: Date,
  countyId: number | undefined,
): Promise<({ spellId: number; householdId: number } & StepEntry) | null> {
  const done = await inTransaction(deps.db.pool, async (sql) => {
    const r = await sql.query<SpellRow>(
      `SELECT s.id, s.stage, s."householdId", s."countyId", s."villageId", s."enteredAt", h.code, h."headName"
         FROM "ZeroEmploymentSpell" s JOIN "Household" h ON h.id = s."householdId"
        WHERE s."clearedAt" IS NULL AND s."nextStepAt" <= $1::timestamp(3) AND s.stage = ANY($2::"FollowUpStage"[])
          AND ($3::int IS NULL OR s."countyId" = $3)
        ORDER BY s."nextStepAt", s.id
        LIMIT 1
        FOR UPDATE OF s SKIP LOCKED`,
      [now.toISOString(), ACTIVE_STAGES, countyId ?? null],
    );
    const spell = r.rows[0];
    if (!spell) return null;
    const entry: StepEntry = { stage: spell.stage, at: now.toISOString(), messages: [], skipped: [] };
    await STEPS[spell.stage]!(deps, sql, spell, now, entry);
    const next = PLAN_STAGES[PLAN_STAGES.indexOf(spell.stage) + 1] as FollowUpStage;
    const acted = entry.messages.length > 0 || entry.staffTaskId !== undefined;
    const nextStepAt = next === 'DONE' ? null : new Date(now.getTime() + (acted ? deps.stepDays * DAY_MS : 0));
    await sql.query(
      `UPDATE "ZeroEmploymentSpell"
          SET stage = $2::"FollowUpStage", "nextStepAt" = $3::timestamp(3), "staffTaskId" = COALESCE($4, "staffTaskId"),
              history = history || jsonb_build_array($5::jsonb), "updatedAt" = $6::timestamp(3)
        WHERE id = $1`,
      [spell.id, next, nextStepAt?.toISOString() ?? null, entry.staffTaskId ?? null, JSON.stringify(entry), now.toISOString()],
    );
    return { spellId: spell.id, householdId: spell.householdId, ...entry };
  });
  if (done && done.messages.length > 0) {
    await deps.enqueue(done.messages.map((m) => ({ id: BigInt(m.messageId), channel: m.channel })));
  }
  return done;
}

/**
 * Records JOB_LEAD service contacts (帮扶记录) for the plan's lead SMS that have gone out (SENT or
 * DELIVERED), once per message; failed or cancelled ones count for nothing. A step's entry stops
 * being pending when none of its messages is still queued. Returns the contacts recorded.
 */
export async function recordPlanLeadContacts(db: Db, now = new Date()): Promise<number> {
  const pending = await db.pool.query<{ id: number }>(
    `SELECT id FROM "ZeroEmploymentSpell" WHERE history @> '[{"contactsPending": true}]'::jsonb ORDER BY id`,
  );
  let recorded = 0;
  for (const { id } of pending.rows) {
    recorded += await inTransaction(db.pool, async (sql) => {
      const s = await sql.query<{ history: Array<StepEntry | { event: string }> }>(
        `SELECT history FROM "ZeroEmploymentSpell" WHERE id = $1 FOR UPDATE SKIP LOCKED`,
        [id],
      );
      const history = s.rows[0]?.history;
      if (!history) return 0;
      let n = 0;
      for (const entry of history) {
        if (!('contactsPending' in entry) || !entry.contactsPending) continue;
        const ids = entry.messages.map((m) => m.messageId);
        const st = await sql.query<{ id: string; status: string; sentAt: Date | null }>(
          `SELECT id::text, status, "sentAt" FROM "OutboundMessage" WHERE id = ANY($1::bigint[])`,
          [ids],
        );
        const status = new Map(st.rows.map((r) => [r.id, r]));
        let waiting = false;
        for (const m of entry.messages) {
          const row = status.get(m.messageId);
          if (!row || row.status === 'FAILED' || row.status === 'CANCELLED') continue;
          if (row.status === 'QUEUED') {
            waiting = true;
            continue;
          }
          const ins = await sql.query(
            `INSERT INTO "ServiceContact" (kind, "workerId", "householdId", channel, "outboundMessageId", "jobLeadId", "occurredAt", note)
             SELECT 'JOB_LEAD', w.id, w."householdId", 'SMS', $2::bigint, lead, $4::timestamp(3), 'zero_employment_plan'
               FROM "Worker" w, unnest($3::int[]) AS lead
              WHERE w.id = $1
                AND NOT EXISTS (SELECT 1 FROM "ServiceContact" c WHERE c."outboundMessageId" = $2::bigint)`,
            [m.workerId, m.messageId, m.leads ?? [], (row.sentAt ?? now).toISOString()],
          );
          n += ins.rowCount ?? 0;
        }
        if (!waiting) entry.contactsPending = false;
      }
      await sql.query(`UPDATE "ZeroEmploymentSpell" SET history = $2::jsonb WHERE id = $1`, [id, JSON.stringify(history)]);
      return n;
    });
  }
  return recorded;
}

/**
 * The 'zero-employment-steps' routine: records service contacts for lead SMS that went out, then
 * takes one step of every spell that is due (nextStepAt <= now, not cleared), optionally only in
 * one county, at most `limit` steps per run.
 */
export async function runZeroEmploymentSteps(
  deps: PlanDeps,
  opts: { now?: Date; countyId?: number; limit?: number } = {},
): Promise<StepsResult> {
  const now = opts.now ?? new Date();
  const contactsRecorded = await recordPlanLeadContacts(deps.db, now);
  const steps: StepsResult['steps'] = [];
  const limit = opts.limit ?? 1000;
  while (steps.length < limit) {
    const step = await takeOneStep(deps, now, opts.countyId);
    if (!step) break;
    steps.push(step);
  }
  return { steps, contactsRecorded };
}

export interface PlanState {
  householdId: number;
  zeroEmployment: boolean;
  zeroEmploymentSince: Date | null;
  spells: Array<{
    id: number;
    enteredAt: Date;
    clearedAt: Date | null;
    stage: FollowUpStage;
    nextStepAt: Date | null;
    staffTaskId: number | null;
    history: unknown[];
  }>;
}

/** A household's zero-employment flag and its spells with their plans, newest first; null if unknown. */
export async function zeroEmploymentPlanState(sql: Sql, householdId: number): Promise<PlanState | null> {
  const h = await sql.query<{ zeroEmployment: boolean; zeroEmploymentSince: Date | null }>(
    `SELECT "zeroEmployment", "zeroEmploymentSince" FROM "Household" WHERE id = $1`,
    [householdId],
  );
  if (!h.rows[0]) return null;
  const s = await sql.query<PlanState['spells'][number]>(
    `SELECT id, "enteredAt", "clearedAt", stage, "nextStepAt", "staffTaskId", history
       FROM "ZeroEmploymentSpell" WHERE "householdId" = $1 ORDER BY "enteredAt" DESC, id DESC`,
    [householdId],
  );
  return { householdId, ...h.rows[0], spells: s.rows };
}
