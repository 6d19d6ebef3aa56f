/**
 * Applies the effects a flow step asked for, with the conversation's provenance: who (the worker,
 * or the family member speaking for them), which channel, which inbound message or call, when.
 * Runs inside the conversation's transaction on its Sql, so an answer and what it changed commit
 * together or not at all.
 */
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { markConfirmationExpired, recordConfirmationResponse } from '../ledger/confirmations.js';
import { appendEmploymentEvent, type Provenance, reconfirmStatus } from '../ledger/employment.js';
import { recordJobInterest, recordLeadsShown } from '../ledger/job-leads.js';
import { codeBody, sendCode } from '../ledger/otp.js';
import { createStaffTask } from '../ledger/staff-tasks.js';
import { linkTelegramChat } from '../ledger/telegram-links.js';
import { recordTrainingRequest } from '../ledger/training-requests.js';
import type { Effect, FlowId } from './types.js';

export interface EffectContext {
  sql: Sql;
  texts: Texts;
  now: Date;
  flow: FlowId;
  channel: Channel;
  /** The person's address on the channel (phone, chat id). */
  address: string;
  /** The worker the conversation is about. */
  workerId: number | null;
  /** Set when a registered family member is speaking for the worker. */
  familyContactId: number | null;
  inboundMessageId: string | null;
  callSid: string | null;
  /** The reply that carried this turn's question or list (for service contacts). */
  replyId: bigint | null;
}

/** Staff read tasks in Chinese, whatever language the worker uses. */
const STAFF_LANGUAGE = 'zh-CN';

function requireWorker(ec: EffectContext, kind: string): number {
  if (ec.workerId === null) throw new Error(`effect ${kind} needs a worker, and the conversation has none`);
  return ec.workerId;
}

async function workerName(ec: EffectContext, workerId: number): Promise<string> {
  const r = await ec.sql.query<{ name: string }>(`SELECT name FROM "Worker" WHERE id = $1`, [workerId]);
  return r.rows[0]?.name ?? String(workerId);
}

/** Applies `effects` in order; returns outbound rows (one-time codes) to queue after commit. */
export async function applyEffects(ec: EffectContext, effects: Effect[]): Promise<Array<{ id: bigint; channel: Channel }>> {
  const queue: Array<{ id: bigint; channel: Channel }> = [];
  const provenance = (): Provenance => ({
    source: ec.familyContactId ? 'FAMILY' : 'WORKER',
    channel: ec.channel,
    inboundMessageId: ec.inboundMessageId,
    callSid: ec.callSid,
    familyContactId: ec.familyContactId,
  });
  const staffT = ec.texts.forLanguage(STAFF_LANGUAGE);

  for (const e of effects) {
    switch (e.kind) {
      case 'employment_event':
        await appendEmploymentEvent(ec.sql, { workerId: requireWorker(ec, e.kind), ...e }, provenance(), ec.now);
        break;
      case 'status_unchanged':
        await reconfirmStatus(ec.sql, requireWorker(ec, e.kind), provenance(), ec.now);
        break;
      case 'job_leads_shown':
        await recordLeadsShown(ec.sql, {
          workerId: requireWorker(ec, e.kind),
          jobLeadIds: e.jobLeadIds,
          channel: ec.channel,
          outboundMessageId: ec.replyId,
          now: ec.now,
        });
        break;
      case 'job_interest': {
        const workerId = requireWorker(ec, e.kind);
        const fresh = await recordJobInterest(ec.sql, {
          workerId,
          jobLeadId: e.jobLeadId,
          channel: ec.channel,
          inboundMessageId: ec.inboundMessageId,
        });
        // Asking twice for the same lead tells staff once.
        if (fresh) {
          await createStaffTask(ec.sql, {
            kind: 'job_lead_interest',
            workerId,
            title: staffT('flows:staff.job_interest', { name: await workerName(ec, workerId), title: e.title }),
            details: { jobLeadId: e.jobLeadId, channel: ec.channel },
            inboundMessageId: ec.inboundMessageId,
          });
        }
        break;
      }
      case 'training_request':
        await recordTrainingRequest(
          ec.sql,
          {
            workerId: requireWorker(ec, e.kind),
            trade: e.trade,
            preferredMonth: e.preferredMonth,
            channel: ec.channel,
            inboundMessageId: ec.inboundMessageId,
          },
          ec.now,
        );
        break;
      case 'confirmation_response':
        await recordConfirmationResponse(ec.sql, {
          confirmationId: e.confirmationId,
          familyContactId: ec.familyContactId,
          workerId: requireWorker(ec, e.kind),
          phone: ec.address,
          channel: ec.channel,
          outcome: e.outcome,
          reason: e.reason,
          verificationMethod: e.verificationMethod,
          evidence: { inboundMessageIds: e.messageIds, callSid: ec.callSid, recording: e.recording ?? null },
          now: ec.now,
        });
        break;
      case 'confirmation_expired':
        await markConfirmationExpired(ec.sql, e.confirmationId);
        break;
      case 'send_code': {
        const target =
          e.to === 'worker' ? { kind: 'worker' as const, workerId: ec.workerId } : { kind: 'phone' as const, phone: e.to.phone };
        const id = await sendCode(ec.sql, target, codeBody(ec.texts.forLanguage, e.purpose, e.code), ec.now);
        if (id !== null) queue.push({ id, channel: 'SMS' });
        break;
      }
      case 'link_telegram':
        if (ec.channel !== 'TELEGRAM') throw new Error('link_telegram outside a Telegram conversation');
        await linkTelegramChat(ec.sql, {
          phone: e.phone,
          chatId: ec.address,
          via: 'sms_code',
          inboundMessageId: ec.inboundMessageId,
        });
        break;
      case 'staff_task': {
        const workerId = requireWorker(ec, e.kind);
        const name = await workerName(ec, workerId);
        const flowName = staffT(`flows:staff.flow.${ec.flow}`);
        await createStaffTask(ec.sql, {
          kind: e.task,
          workerId,
          title: staffT(`flows:staff.${e.task}`, { name, flow: flowName }),
          details: { ...e.details, channel: ec.channel, familyContactId: ec.familyContactId, callSid: ec.callSid },
          inboundMessageId: ec.inboundMessageId,
        });
        break;
      }
    }
  }
  return queue;
}

/** A person asks for staff ("转人工", key 0): a task for their county, raised from wherever they were. */
export async function requestHuman(
  turn: {
    sql: Sql;
    texts: Texts;
    now: Date;
    party: { channel: Channel; address: string; workerId: number | null; familyContactId: number | null };
    inboundMessageId: string | null;
    callSid?: string | null;
  },
  during: FlowId,
): Promise<void> {
  await applyEffects(
    {
      sql: turn.sql,
      texts: turn.texts,
      now: turn.now,
      flow: during,
      channel: turn.party.channel,
      address: turn.party.address,
      workerId: turn.party.workerId,
      familyContactId: turn.party.familyContactId,
      inboundMessageId: turn.inboundMessageId,
      callSid: turn.callSid ?? null,
      replyId: null,
    },
    [{ kind: 'staff_task', task: 'human_help', details: { during } }],
  );
}
