/**
 * Staff register an unknown sender from the inbox (src/ledger/inbox.ts); a worker registered by
 * text or Telegram is greeted with the menu, so they learn the service now knows them (unless they
 * opted out, or are in a conversation already).
 */
import type { Channel } from '../generated/prisma/enums.js';
import { type Registered, type Registration, registerInboxSender } from '../ledger/inbox.js';
import type { Staff } from '../staff/scope.js';
import { type StartDeps, startServiceConversation } from './start.js';

export async function registerSender(
  deps: StartDeps,
  staff: Staff,
  inboundId: bigint,
  reg: Registration,
  via: Channel,
): Promise<Omit<Registered, 'address'> & { greeted: boolean }> {
  const { address, ...done } = await registerInboxSender(deps.db.prisma, staff, inboundId, reg, via);
  let greeted = false;
  if (reg.as === 'worker' && (done.channel === 'SMS' || done.channel === 'TELEGRAM')) {
    const started = await startServiceConversation(deps, {
      party: {
        channel: done.channel,
        address,
        audience: 'worker',
        workerId: done.workerId,
        familyContactId: null,
        language: done.language,
      },
      flow: 'menu',
      whenBusy: 'skip',
      before: [deps.texts.forLanguage(done.language)('flows:common.registered')],
    });
    greeted = started.started;
  }
  return { ...done, greeted };
}
