/**
 * Family confirmation (家人代签) and the worker's own remote confirmation (本人远程确认), Annex 1.
 * Staff ask for it (requestConfirmation in src/conversations/request-confirmation.ts); the
 * registered family contact, or the worker at their own number, is texted or called, reads or
 * hears the statement, confirms or disputes it, and gives the reason. On a call the consent notice
 * comes first and the reason is recorded; the recording is the evidence.
 *
 * Only the number the request went to can answer: the session is keyed on it. What backs the
 * answer (verificationMethod): the worker's own number in the ledger; a family number staff have
 * verified; otherwise a one-time code sent to the worker's own phone, which the family member
 * reads back; otherwise staff approval.
 *
 * State from the request: confirmationId, kind, statement, workerName, self (the worker answers),
 * verified, workerHasPhone.
 */
import { tr } from '../src/flows/text.js';
import { defineFlow, type Effect, type FlowState, type Transition } from '../src/flows/types.js';

type Method = 'REGISTERED_FAMILY_NUMBER' | 'REGISTERED_WORKER_NUMBER' | 'WORKER_OTP' | 'STAFF_APPROVAL';

/** The template key for the person asked: `_self` when the worker answers for themself. */
const who = (s: FlowState, key: string) => (s.self ? `${key}_self` : key);

function respond(s: FlowState, method: Method, say: string): Transition {
  const effect: Effect = {
    kind: 'confirmation_response',
    confirmationId: Number(s.confirmationId),
    outcome: s.answer === 'yes' ? 'CONFIRMED' : 'DISPUTED',
    reason: (s.reason as string | null) || null,
    verificationMethod: method,
    messageIds: Array.isArray(s.messageIds) ? s.messageIds.map(String) : [],
    recording: (s.recording as { sid: string; url?: string | null } | null) ?? null,
  };
  return { end: 'completed', say: [say], effects: [effect] };
}

export const familyConfirmation = defineFlow({
  id: 'family_confirmation',
  keywords: [],
  audiences: ['family', 'worker'],
  channels: ['SMS', 'VOICE'],
  first: 'answer',
  // Family members may be at work when the text arrives.
  ttlMinutes: 3 * 24 * 60,
  keepMessageIds: true,
  steps: {
    answer: {
      prompt: (s, ctx) =>
        // The consent notice opens the call, before anything is asked or recorded.
        (ctx.channel === 'VOICE' ? `${ctx.t('voice.consent')}` : '') +
        tr(ctx, who(s, 'flows:confirm.statement'), { name: s.workerName, statement: s.statement }),
      ask: {
        type: 'choice',
        choices: (_s, ctx) => [
          { key: '1', value: 'yes', label: tr(ctx, 'flows:confirm.yes'), aliases: ['属实', '是', '对', '确认', 'yes'] },
          { key: '2', value: 'no', label: tr(ctx, 'flows:confirm.no'), aliases: ['不属实', '不是', '不对', 'no'] },
        ],
      },
      next: (a) => ({ goto: 'reason', set: { answer: a.value } }),
    },
    reason: {
      prompt: (s, ctx) =>
        tr(
          ctx,
          who(s, s.answer === 'no' ? 'flows:confirm.reason_disputed' : `flows:confirm.reason_${String(s.kind).toLowerCase()}`),
          { name: s.workerName },
        ),
      ask: { type: 'text', minLength: 1, maxLength: 300, record: true },
      next: (a, s, ctx) => {
        const set: FlowState = { reason: String(a.value), recording: a.recording ?? null };
        const withReason = { ...s, ...set };
        if (s.self) return { ...respond(withReason, 'REGISTERED_WORKER_NUMBER', tr(ctx, 'flows:confirm.thanks')), set };
        if (s.verified) return { ...respond(withReason, 'REGISTERED_FAMILY_NUMBER', tr(ctx, 'flows:confirm.thanks')), set };
        if (!s.workerHasPhone) return { ...respond(withReason, 'STAFF_APPROVAL', tr(ctx, 'flows:confirm.thanks_review')), set };
        const code = ctx.newCode();
        return {
          goto: 'code',
          set: { ...set, codeHash: ctx.hashCode(code) },
          effects: [{ kind: 'send_code', to: 'worker', code, purpose: 'confirmation' }],
        };
      },
    },
    code: {
      prompt: (s, ctx) => tr(ctx, 'flows:confirm.code', { name: s.workerName }),
      ask: { type: 'number', min: 0, max: 999_999 },
      next: (a, s, ctx) => {
        if (a.value === 0) return respond(s, 'STAFF_APPROVAL', tr(ctx, 'flows:confirm.thanks_review'));
        if (ctx.hashCode(String(a.value)) !== s.codeHash) return { retry: 'flows:confirm.code_wrong' };
        return respond(s, 'WORKER_OTP', tr(ctx, 'flows:confirm.thanks'));
      },
    },
  },
  // Wrong codes fall back to staff review of the answer already given; nonsense before that escalates.
  onTooManyTries: (s, ctx) =>
    s.answer && s.reason !== undefined ? respond(s, 'STAFF_APPROVAL', tr(ctx, 'flows:confirm.thanks_review')) : null,
  onExpire: (s) => [{ kind: 'confirmation_expired', confirmationId: Number(s.confirmationId) }],
});
