/**
 * Linking a Telegram chat to a worker by a one-time code sent by SMS ("绑定 13800138000" or
 * "/link 13800138000"), for people who do not share their contact. The reply never says whether
 * the number is registered: a stranger learns nothing from trying numbers. Sharing one's own
 * contact card links at once (src/conversations/turn.ts).
 *
 * State from the command: phone (E.164).
 */
import { tr } from '../src/flows/text.js';
import { defineFlow } from '../src/flows/types.js';

export const linkTelegram = defineFlow({
  id: 'link_telegram',
  keywords: [],
  audiences: ['unknown', 'worker'],
  channels: ['TELEGRAM'],
  first: 'code',
  ttlMinutes: 15,
  start: (s, ctx) => {
    const code = ctx.newCode();
    return {
      goto: 'code',
      set: { codeHash: ctx.hashCode(code) },
      effects: [{ kind: 'send_code', to: { phone: String(s.phone) }, code, purpose: 'telegram_link' }],
    };
  },
  steps: {
    code: {
      prompt: (_s, ctx) => tr(ctx, 'flows:link.code'),
      ask: { type: 'number', min: 0, max: 999_999 },
      next: (a, s, ctx) => {
        if (ctx.hashCode(String(a.value)) !== s.codeHash) return { retry: 'flows:link.code_wrong' };
        return {
          end: 'completed',
          say: [tr(ctx, 'flows:link.linked')],
          effects: [{ kind: 'link_telegram', phone: String(s.phone) }],
        };
      },
    },
  },
});
