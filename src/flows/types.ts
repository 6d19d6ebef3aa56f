/**
 * The vocabulary of conversational flows. A flow (bots/*.ts) is a typed declaration: steps with a
 * prompt, the kind of answer expected, and what a valid answer leads to. The engine
 * (engine.ts) runs a flow one input at a time without touching the ledger; what a step changes in
 * the ledger it asks for as effects (effects.ts applies them). Nothing here knows a channel's
 * wire format: choices become an SMS menu, Telegram buttons or a keypad menu at the edges.
 */
import type { TFunction } from 'i18next';
import type { Channel } from '../generated/prisma/enums.js';
import type { NewEmploymentEvent } from '../ledger/employment.js';
import type { JsonObject } from '../ledger/json.js';
import type { SessionRecord } from '../ledger/sessions.js';

export type FlowId = 'menu' | 'status_report' | 'job_leads' | 'training' | 'family_confirmation' | 'check_in' | 'link_telegram';

/** JSON-serialisable values: a session's state is stored as JSON in ConversationSession.state. */
export type { Json } from '../ledger/json.js';
export type FlowState = JsonObject;

/** Who is talking: a worker, a registered family member (speaking about their worker), or nobody known. */
export type Audience = 'worker' | 'family' | 'unknown';

/** What a step can see besides the session: pure inputs the caller provides. */
export interface StepContext {
  /** Translator fixed to the person's language. */
  t: TFunction;
  channel: Channel;
  now: Date;
  audience: Audience;
  /** A fresh one-time code (6 digits, no leading zero); randomness is injected to keep steps pure. */
  newCode(): string;
  /** Hash of a one-time code bound to this conversation (see ledger/otp.ts). */
  hashCode(code: string): string;
}

export interface Choice {
  /** What is typed, pressed or sent as button data: "1", "2", … */
  key: string;
  /** The value the flow stores. */
  value: string;
  /** Shown (SMS line, button) and spoken (voice) label, already translated. */
  label: string;
  /** Other words that select it ("是", "yes", "确认"). Matching ignores case. */
  aliases?: string[];
}

export type Ask =
  | { type: 'choice'; choices(s: FlowState, ctx: StepContext): Choice[] }
  | { type: 'number'; min: number; max: number }
  /** Free text. `record`: on a call the answer is a recording (after a consent notice) instead of speech. */
  | { type: 'text'; minLength?: number; maxLength?: number; record?: boolean }
  /** A calendar date (YYYY-MM-DD, Asia/Shanghai), within `pastDays` before and `futureDays` after today. */
  | { type: 'date'; pastDays?: number; futureDays?: number }
  /** A place name: town, county, city. */
  | { type: 'place' };

export type AnswerType = Ask['type'];

/** A validated answer: the stored value (choice value, number, text, ISO date, place). */
export interface Answer {
  value: string | number;
  /** The recording that carried a `record` answer on a call. */
  recording?: { sid: string; url?: string | null };
}

/** What a valid answer leads to. `say` lines are shown before whatever comes next. */
export type Transition =
  | { goto: string; set?: FlowState; say?: string[]; effects?: Effect[] }
  | { end: 'completed' | 'escalated'; set?: FlowState; say?: string[]; effects?: Effect[] }
  /** Ends this flow and starts another one (check-in "no" continues into the status report). */
  | { startFlow: FlowId; say?: string[]; effects?: Effect[]; set?: FlowState }
  /** The answer parsed but is not acceptable here (a wrong one-time code): counts as a wrong try. */
  | { retry: string };

export interface StepDef {
  /** The question, in the person's language; may differ by channel (voice has no "reply"). */
  prompt(s: FlowState, ctx: StepContext): string;
  ask: Ask;
  next(answer: Answer, s: FlowState, ctx: StepContext): Transition;
}

export interface FlowDef {
  id: FlowId;
  /** Words that start the flow (matched like global commands, ignoring case and punctuation). */
  keywords: string[];
  /** Who may start it by keyword or menu. */
  audiences: Audience[];
  /** Channels it runs on. */
  channels: Channel[];
  first: string;
  steps: Record<string, StepDef>;
  /** Minutes of silence after which the conversation ends (politely, at the next message). */
  ttlMinutes: number;
  /** Wrong answers to one step before the conversation goes to a staff inbox. */
  maxTries?: number;
  /**
   * What happens after too many wrong answers. Default: escalate to staff. A flow may instead end
   * with its own effects (a confirmation falls back to staff approval).
   */
  onTooManyTries?(s: FlowState, ctx: StepContext): Transition | null;
  /**
   * Evaluated when the flow starts, before its first question: a flow with nothing to ask (no
   * matching job leads) ends here, one that sends a code sends it here.
   */
  start?(s: FlowState, ctx: StepContext): Transition | null;
  /** Effects when the session expires unanswered (a confirmation request becomes EXPIRED). */
  onExpire?(s: FlowState): Effect[];
  /** Inbound message ids answering this flow are kept in state.messageIds (evidence). */
  keepMessageIds?: boolean;
}

/** Ledger changes a flow asks for. Applied by effects.ts with the conversation's provenance. */
export type Effect =
  | ({ kind: 'employment_event' } & Omit<NewEmploymentEvent, 'workerId'>)
  /** "No change": a copy of the current event, so the confirmation has provenance and a time. */
  | { kind: 'status_unchanged' }
  | { kind: 'job_leads_shown'; jobLeadIds: number[] }
  | { kind: 'job_interest'; jobLeadId: number; title: string }
  | { kind: 'training_request'; trade: string; preferredMonth: string | null }
  | {
      kind: 'confirmation_response';
      confirmationId: number;
      outcome: 'CONFIRMED' | 'DISPUTED';
      reason: string | null;
      verificationMethod: 'REGISTERED_FAMILY_NUMBER' | 'REGISTERED_WORKER_NUMBER' | 'WORKER_OTP' | 'STAFF_APPROVAL';
      messageIds: string[];
      recording?: { sid: string; url?: string | null } | null;
    }
  | { kind: 'confirmation_expired'; confirmationId: number }
  /** Sends a one-time code by SMS: to the subject worker's own phone, or to a phone given in the conversation. */
  | { kind: 'send_code'; to: 'worker' | { phone: string }; code: string; purpose: 'confirmation' | 'telegram_link' }
  | { kind: 'link_telegram'; phone: string }
  | { kind: 'staff_task'; task: 'escalated_conversation' | 'human_help'; details: FlowState };

/** One turn's reply: lines of text and, when a question waits, its choices and answer type. */
export interface Output {
  lines: string[];
  choices?: Choice[];
  /** The answer now expected (absent when the conversation ended). */
  expect?: Ask;
}

/** Where a conversation stands: the ledger's session record, of one of the flows. */
export type SessionState = SessionRecord<FlowId>;

export interface StepResult {
  session: SessionState;
  output: Output;
  effects: Effect[];
  /** Set when the flow handed over to another flow: the caller loads and enters it. */
  startFlow?: FlowId;
}

/** An input to a step: what was typed, pressed, spoken, or recorded. */
export interface Input {
  text: string;
  recording?: { sid: string; url?: string | null };
  /** The InboundMessage that carried it. */
  messageId?: string;
}

/** The flows a conversation may run, by id (bots/index.ts); passed to the runner, not imported by it. */
export type FlowRegistry = Readonly<Record<FlowId, FlowDef>>;

/** Helper that checks a flow declaration's shape while keeping its literal step names. */
export function defineFlow(flow: FlowDef): FlowDef {
  return flow;
}
