/**
 * Staff ask for a confirmation (Annex 1): a registered family member confirms for an absent worker
 * (家人代签), or the worker confirms from their own number (本人远程确认), by SMS or a recorded
 * call. The Confirmation row and the conversation that asks it are written in one transaction by
 * the service's one conversation starter, so a request to a number that opted out writes nothing.
 */
import type { Config } from '../config.js';
import { conflict, forbidden, notFound, refused } from '../errors.js';
import type { Channel, ConfirmationKind } from '../generated/prisma/enums.js';
import { insertConfirmation, linkConfirmationSession } from '../ledger/confirmations.js';
import { recordAudit } from '../staff/audit.js';
import { type Staff, scopeFilter } from '../staff/scope.js';
import { type StartDeps, startServiceConversation } from './start.js';

export interface ConfirmationRequest {
  workerId: number;
  kind: ConfirmationKind;
  /** What is to be confirmed, in plain words ("张三目前在家照顾老人，暂时不外出务工"). */
  statement: string;
  /** FAMILY: a registered family contact answers (家人代签); WORKER: the worker, at their own number. */
  confirmer: 'FAMILY' | 'WORKER';
  /** The family contact to ask; default the worker's verified contact, else the first registered. */
  familyContactId?: number;
  /** SMS (default) or a phone call for people who cannot read. */
  channel?: 'SMS' | 'VOICE';
}

export interface RequestConfirmationDeps extends StartDeps {
  config: Pick<Config, 'CONFIRMATION_EXPIRE_HOURS'>;
}

/**
 * Asks the confirmation and returns its id. `staff` null is the service itself (tests, the CLI's
 * shell); otherwise the worker must be in the caller's scope (404) and the caller may write (403).
 * 422 when there is nobody to ask; 409 `opted_out` when that number opted out of the channel.
 */
export async function requestConfirmation(
  deps: RequestConfirmationDeps,
  staff: Staff | null,
  input: ConfirmationRequest,
  via: Channel = 'API',
  now = new Date(),
): Promise<number> {
  if (staff?.role === 'VIEWER') throw forbidden('role VIEWER may not request confirmations; needs ADMIN or OPERATOR');
  const scope = staff ? scopeFilter(staff) : null;
  const worker = await deps.db.prisma.worker.findFirst({
    where: { id: input.workerId, ...(scope ? { [scope.column]: scope.value } : {}) },
    select: {
      id: true,
      name: true,
      phone: true,
      language: true,
      householdId: true,
      villageId: true,
      familyContacts: {
        where: { removedAt: null, ...(input.familyContactId !== undefined ? { id: input.familyContactId } : {}) },
        orderBy: [{ verified: 'desc' }, { id: 'asc' }],
        take: 1,
        select: { id: true, phone: true, relation: true, verified: true, language: true },
      },
    },
  });
  if (!worker) throw notFound(`no worker ${input.workerId}`);
  const channel = input.channel ?? 'SMS';
  const contact = input.confirmer === 'FAMILY' ? worker.familyContacts[0] : undefined;
  if (input.confirmer === 'FAMILY' && !contact) {
    throw refused(
      'no_family_contact',
      input.familyContactId !== undefined
        ? `body/familyContactId: worker ${worker.id} has no registered family contact ${input.familyContactId}`
        : `body/confirmer: worker ${worker.id} has no registered family contact; register one first`,
    );
  }
  if (input.confirmer === 'WORKER' && !worker.phone)
    throw refused('no_phone', `body/confirmer: worker ${worker.id} has no mobile number in the ledger to confirm from`);
  const address = contact ? contact.phone : worker.phone!;
  const expiresAt = new Date(now.getTime() + deps.config.CONFIRMATION_EXPIRE_HOURS * 3_600_000);

  const r = await startServiceConversation(
    deps,
    {
      party: {
        channel,
        address,
        audience: contact ? 'family' : 'worker',
        workerId: worker.id,
        familyContactId: contact?.id ?? null,
        language: contact?.language ?? worker.language,
      },
      flow: 'family_confirmation',
      whenBusy: 'replace',
      prepare: async (sql) => {
        const id = await insertConfirmation(
          sql,
          {
            workerId: worker.id,
            householdId: worker.householdId,
            kind: input.kind,
            statement: input.statement,
            confirmerType: input.confirmer,
            familyContactId: contact?.id ?? null,
            relation: contact?.relation ?? null,
            channel,
            requestedById: staff?.userId ?? null,
            expiresAt,
          },
          now,
        );
        await recordAudit(sql, {
          staffUserId: staff?.userId ?? null,
          action: 'confirmation.request',
          entity: 'Confirmation',
          entityId: id,
          regionId: worker.villageId,
          details: {
            workerId: worker.id,
            kind: input.kind,
            confirmer: input.confirmer,
            familyContactId: contact?.id ?? null,
            channel,
            via,
          },
        });
        return {
          made: id,
          state: {
            confirmationId: id,
            kind: input.kind,
            statement: input.statement,
            workerName: worker.name,
            self: !contact,
            verified: contact?.verified ?? false,
            workerHasPhone: worker.phone !== null,
          },
        };
      },
      started: async (sql, id, sessionId) => {
        if (sessionId !== null) await linkConfirmationSession(sql, id, sessionId);
      },
    },
    now,
  );
  if (!r.started) {
    throw conflict(
      r.reason,
      `the number asked opted out of ${channel === 'VOICE' ? 'calls' : 'text messages'}: ask by another channel or another contact`,
    );
  }
  return r.made;
}
