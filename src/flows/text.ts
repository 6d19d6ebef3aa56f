/** Prompt texts: a `_voice` variant of a template key is used on calls when it exists. */
import type { StepContext } from './types.js';

/** Translates `key` for the conversation's channel (voice prompts say "press", not "reply"). */
export function tr(ctx: Pick<StepContext, 't' | 'channel'>, key: string, vars: Record<string, unknown> = {}): string {
  return ctx.t(key, { ...vars, context: ctx.channel === 'VOICE' ? 'voice' : undefined }) as string;
}
