/**
 * The channel-neutral flow engine. Pure: given a flow, a session and an input it returns the next
 * session, the reply and the ledger effects to apply; it reads no database, clock or random source
 * of its own (the context carries them). The same step serves SMS, Telegram and voice.
 */
import { parseAnswer } from './answers.js';
import type {
  Choice,
  Effect,
  FlowDef,
  FlowState,
  Input,
  Output,
  SessionState,
  StepContext,
  StepDef,
  StepResult,
} from './types.js';

/** Wrong answers to one step before the conversation goes to staff, unless the flow says otherwise. */
export const DEFAULT_MAX_TRIES = 3;

function stepOf(flow: FlowDef, name: string): StepDef {
  const step = flow.steps[name];
  if (!step) throw new Error(`flow ${flow.id} has no step "${name}"`);
  return step;
}

/** The question of the session's current step, with its choices. */
export function promptFor(flow: FlowDef, session: SessionState, ctx: StepContext, before: string[] = []): Output {
  const step = stepOf(flow, session.step);
  const choices: Choice[] | undefined = step.ask.type === 'choice' ? step.ask.choices(session.state, ctx) : undefined;
  return { lines: [...before, step.prompt(session.state, ctx)], choices, expect: step.ask };
}

/** A new session at the flow's first step, and its first question. */
export function enter(flow: FlowDef, state: FlowState, ctx: StepContext, before: string[] = []): StepResult {
  const session: SessionState = {
    flow: flow.id,
    step: flow.first,
    state,
    retries: 0,
    status: 'ACTIVE',
    expiresAt: new Date(ctx.now.getTime() + flow.ttlMinutes * 60_000),
  };
  const started = flow.start?.(state, ctx);
  if (started && !('retry' in started)) {
    const r = follow(flow, session, started, ctx);
    return { ...r, output: { ...r.output, lines: [...before, ...r.output.lines] } };
  }
  return { session, output: promptFor(flow, session, ctx, before), effects: [] };
}

function ended(session: SessionState, status: SessionState['status'], lines: string[], effects: Effect[]): StepResult {
  return { session: { ...session, status }, output: { lines }, effects };
}

/** The default after too many wrong answers: a staff task for the worker's county, and a polite end. */
function escalate(flow: FlowDef, session: SessionState, input: Input, ctx: StepContext): StepResult {
  if (ctx.audience === 'unknown') {
    // Nobody in the ledger to hand over; the conversation just ends.
    return ended(session, 'COMPLETED', [ctx.t('flows:common.gave_up')], []);
  }
  return ended(
    session,
    'ESCALATED',
    [ctx.t('flows:common.escalated')],
    [
      {
        kind: 'staff_task',
        task: 'escalated_conversation',
        details: { flow: flow.id, step: session.step, lastAnswer: input.text.slice(0, 200), retries: session.retries },
      },
    ],
  );
}

/**
 * Runs one input through the session's current step. A valid answer follows the step's
 * transition; an invalid one re-asks with a hint, and after `maxTries` wrong answers the flow's
 * fallback (by default escalation to staff) ends the conversation.
 */
export function step(flow: FlowDef, session: SessionState, input: Input, ctx: StepContext): StepResult {
  const current = stepOf(flow, session.step);
  let state = session.state;
  if (flow.keepMessageIds && input.messageId) {
    const ids = Array.isArray(state.messageIds) ? state.messageIds : [];
    state = { ...state, messageIds: [...ids, input.messageId] };
  }
  const expiresAt = new Date(ctx.now.getTime() + flow.ttlMinutes * 60_000);
  const base: SessionState = { ...session, state, expiresAt };

  const answer = parseAnswer(current.ask, input, state, ctx);
  const transition = answer ? current.next(answer, state, ctx) : { retry: `flows:common.invalid_${current.ask.type}` };

  if ('retry' in transition) {
    const retries = session.retries + 1;
    if (retries >= (flow.maxTries ?? DEFAULT_MAX_TRIES)) {
      const tooMany = flow.onTooManyTries?.(state, ctx);
      if (tooMany && !('retry' in tooMany)) return follow(flow, { ...base, retries }, tooMany, ctx);
      return escalate(flow, { ...base, retries }, input, ctx);
    }
    const hint = ctx.t(transition.retry, choiceRange(current, state, ctx));
    return { session: { ...base, retries }, output: promptFor(flow, base, ctx, [hint]), effects: [] };
  }
  return follow(flow, { ...base, retries: 0 }, transition, ctx);
}

function choiceRange(step: StepDef, s: FlowState, ctx: StepContext): Record<string, unknown> {
  if (step.ask.type === 'number') return { min: step.ask.min, max: step.ask.max };
  if (step.ask.type === 'choice')
    return {
      keys: step.ask
        .choices(s, ctx)
        .map((c) => c.key)
        .join('/'),
    };
  return {};
}

function follow(
  flow: FlowDef,
  session: SessionState,
  t: Exclude<ReturnType<StepDef['next']>, { retry: string }>,
  ctx: StepContext,
): StepResult {
  const state = t.set ? { ...session.state, ...t.set } : session.state;
  const say = t.say ?? [];
  const effects = t.effects ?? [];
  if ('goto' in t) {
    const next: SessionState = { ...session, state, step: t.goto, retries: 0 };
    return { session: next, output: promptFor(flow, next, ctx, say), effects };
  }
  if ('startFlow' in t) {
    return { session: { ...session, state, status: 'COMPLETED' }, output: { lines: say }, effects, startFlow: t.startFlow };
  }
  return ended({ ...session, state }, t.end === 'escalated' ? 'ESCALATED' : 'COMPLETED', say, effects);
}
