/**
 * Runs one turn of a conversation inside the caller's transaction: the engine computes the next
 * session, reply and effects; this writes the reply (an OutboundMessage, or nothing when a voice
 * webhook renders it), applies the effects with the turn's provenance, and saves the session.
 * Callers hold the per-sender lock, so turns of one person never interleave. The flows come in
 * with the deps (the registry in bots/index.ts): the engine does not pick them itself.
 */
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { hashCode, newCode } from '../ledger/otp.js';
import { createMessage, fillMessage } from '../ledger/outbound.js';
import {
  activeKey,
  endSession,
  insertSession,
  type StoredSession as LedgerSession,
  saveSession,
  saveSessionStatement,
} from '../ledger/sessions.js';
import { applyEffects } from './effects.js';
import { enter, promptFor, step } from './engine.js';
import { initialState } from './loaders.js';
import type { Audience, FlowId, FlowRegistry, FlowState, Input, Output, SessionState, StepContext, StepResult } from './types.js';

/** A session of one of the flows, as the ledger stores it. */
export type StoredSession = LedgerSession<FlowId>;

/** Who the conversation is with, and about. */
export interface Party {
  channel: Channel;
  /** Phone number (SMS, voice) or chat id (Telegram). */
  address: string;
  audience: Audience;
  /** The worker the conversation is about (the family member's worker when audience = family). */
  workerId: number | null;
  familyContactId: number | null;
  language: string;
}

export interface TurnDeps {
  sql: Sql;
  texts: Texts;
  /** The flows a session may run, by id. */
  flows: FlowRegistry;
  now?: Date;
}

export interface Turn {
  party: Party;
  /** The inbound message this turn answers (null when the service starts the conversation). */
  inboundMessageId: string | null;
  callSid?: string | null;
  /**
   * How the reply reaches the person: `message` writes an OutboundMessage (SMS, Telegram);
   * `call` writes a VOICE row whose call will speak the session's question; `inline` writes
   * nothing (a voice webhook renders the reply as TwiML).
   */
  delivery: 'message' | 'call' | 'inline';
  /**
   * Write the first message into this existing QUEUED ledger row instead of a new one: a
   * campaign's frozen row for this person, so the campaign's record is the message itself.
   */
  outboundId?: bigint;
}

export type TurnAction =
  /**
   * `open`: the person's open conversation on the channel, which the new one replaces (null: the
   * caller knows there is none; absent: any there is ends).
   */
  | { kind: 'start'; flow: FlowId; state?: FlowState; open?: StoredSession | null }
  | { kind: 'answer'; session: StoredSession; input: Input }
  /** Ask the current question again (a call resumed, the language changed). */
  | { kind: 'repeat'; session: StoredSession };

export interface TurnOutcome {
  output: Output;
  /** The conversation still waiting for an answer after this turn, if any. */
  session: StoredSession | null;
  /** Outbound rows to queue after the transaction commits. */
  queue: Array<{ id: bigint; channel: Channel }>;
  replyId: bigint | null;
}

/** The pure inputs a step sees for this party. */
export function stepContext(texts: Texts, party: Party, now: Date): StepContext {
  const scope = activeKey(party.channel, party.address);
  return {
    t: texts.forLanguage(party.language),
    channel: party.channel,
    now,
    audience: party.audience,
    newCode,
    hashCode: (code) => hashCode(scope, code),
  };
}

/** Flow hand-overs in one turn (menu → status report, check-in → status report); a guard against loops. */
const MAX_HANDOVERS = 3;

/** Runs `action` for the party and records everything it did. */
export async function runTurn(deps: TurnDeps, turn: Turn, action: TurnAction, before: string[] = []): Promise<TurnOutcome> {
  const { sql } = deps;
  const now = deps.now ?? new Date();
  const party = turn.party;
  const ctx = stepContext(deps.texts, party, now);
  let result: StepResult;
  let flowId: FlowId;
  let existing: StoredSession | null = null;
  switch (action.kind) {
    case 'start':
      flowId = action.flow;
      result = enter(deps.flows[flowId], action.state ?? (await initialState(sql, flowId, party.workerId, now)), ctx, before);
      break;
    case 'answer': {
      existing = action.session;
      flowId = existing.flow;
      const r = step(deps.flows[flowId], existing, action.input, ctx);
      result = { ...r, output: { ...r.output, lines: [...before, ...r.output.lines] } };
      break;
    }
    case 'repeat': {
      existing = action.session;
      flowId = existing.flow;
      const flow = deps.flows[flowId];
      const session: SessionState = { ...existing, expiresAt: new Date(now.getTime() + flow.ttlMinutes * 60_000) };
      result = { session, output: promptFor(flow, session, ctx, before), effects: [] };
      break;
    }
  }

  // The session row this turn updates (if it answered one) and the one it creates (if a flow started).
  const updated: StoredSession | null = existing ? { ...existing, ...result.session } : null;
  let created: SessionState | null = existing ? null : result.session;
  const effects = [...result.effects];
  const effectFlow = flowId;
  for (let hops = 0; result.startFlow && hops < MAX_HANDOVERS; hops++) {
    flowId = result.startFlow;
    const next = deps.flows[flowId];
    result = enter(next, await initialState(sql, flowId, party.workerId, now), ctx, result.output.lines);
    effects.push(...result.effects);
    created = result.session;
  }

  const output = result.output;
  let replyId: bigint | null = null;
  let sessionSaved = false;
  const queue: Array<{ id: bigint; channel: Channel }> = [];
  if (turn.delivery !== 'inline' && output.lines.length > 0 && turn.outboundId !== undefined) {
    replyId = await fillMessage(sql, turn.outboundId, {
      body: output.lines.join('\n'),
      choices: output.choices?.map((c) => ({ key: c.key, label: c.label })),
      language: party.language,
    });
    queue.push({ id: replyId, channel: party.channel });
  } else if (turn.delivery !== 'inline' && output.lines.length > 0) {
    // The answered session is written with the reply, in one statement (see below).
    const save = updated ? saveSessionStatement(sessionToSave(updated, created)) : undefined;
    sessionSaved = save !== undefined;
    replyId = await createMessage(
      sql,
      {
        kind: turn.inboundMessageId ? 'REPLY' : 'FLOW',
        channel: party.channel,
        body: output.lines.join('\n'),
        choices: output.choices?.map((c) => ({ key: c.key, label: c.label })),
        language: party.language,
        workerId: party.audience === 'worker' ? party.workerId : null,
        familyContactId: party.familyContactId,
        toAddress: party.address,
        inReplyToId: turn.inboundMessageId ? BigInt(turn.inboundMessageId) : null,
      },
      save,
    );
    queue.push({ id: replyId, channel: party.channel });
  }

  queue.push(
    ...(await applyEffects(
      {
        sql,
        texts: deps.texts,
        now,
        flow: effectFlow,
        channel: party.channel,
        address: party.address,
        workerId: party.workerId,
        familyContactId: party.familyContactId,
        inboundMessageId: turn.inboundMessageId,
        callSid: turn.callSid ?? null,
        replyId,
      },
      effects,
    )),
  );

  // The answered session first: it gives up the active key before a new session takes it.
  if (updated && !sessionSaved) await saveSession(sql, sessionToSave(updated, created));
  if (action.kind === 'start') {
    // The conversation open on this channel ends: the person (or staff) started something else.
    if (action.open) await endSession(sql, action.open.id, 'COMPLETED');
    else if (action.open === undefined) {
      await sql.query(
        `UPDATE "ConversationSession" SET status = 'COMPLETED', "activeKey" = NULL, "updatedAt" = now() WHERE "activeKey" = $1`,
        [activeKey(party.channel, party.address)],
      );
    }
  }
  let active: StoredSession | null = updated?.status === 'ACTIVE' && !created ? updated : null;
  if (created && created.status === 'ACTIVE') {
    active = await insertSession(sql, {
      ...created,
      channel: party.channel,
      address: party.address,
      workerId: party.workerId,
      familyContactId: party.familyContactId,
    });
  }
  return { output, session: active, queue, replyId };
}

/** The answered session as it is saved: a flow started in its place completes it. */
function sessionToSave(updated: StoredSession, created: SessionState | null): StoredSession {
  return created ? { ...updated, status: updated.status === 'ACTIVE' ? 'COMPLETED' : updated.status } : updated;
}

/**
 * Ends a conversation whose time ran out: its flow's expiry effects (a confirmation request
 * becomes EXPIRED), then the session gives up its active key. Returns what to tell the person, if
 * anything (an unanswered menu needs no apology).
 */
export async function expireSession(deps: TurnDeps, party: Party, session: StoredSession): Promise<string[]> {
  const now = deps.now ?? new Date();
  const flow = deps.flows[session.flow];
  const effects = flow.onExpire?.(session.state) ?? [];
  if (effects.length) {
    await applyEffects(
      {
        sql: deps.sql,
        texts: deps.texts,
        now,
        flow: session.flow,
        channel: party.channel,
        address: party.address,
        workerId: party.workerId,
        familyContactId: party.familyContactId,
        inboundMessageId: null,
        callSid: null,
        replyId: null,
      },
      effects,
    );
  }
  await endSession(deps.sql, session.id, 'EXPIRED');
  return session.flow === 'menu' ? [] : [deps.texts.forLanguage(party.language)('flows:common.expired')];
}

/**
 * False for a session a deploy left behind: its flow or step no longer exists. Callers end it
 * (as expired) instead of failing on every message from that person.
 */
export function isRunnable(flows: FlowRegistry, session: LedgerSession): session is StoredSession {
  const flow = (flows as Partial<Record<string, FlowRegistry[FlowId]>>)[session.flow];
  return flow !== undefined && flow.steps[session.step] !== undefined;
}
