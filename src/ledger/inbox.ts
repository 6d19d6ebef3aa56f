/**
 * The inbox: messages from numbers and Telegram chats the ledger does not know. They were told how
 * to register; staff who recognise the person (by what they wrote, or a call back) register the
 * number to a worker of their scope, or as a worker's family contact. The sender's earlier
 * messages then belong to that worker (or contact) and show in the worker's conversation log.
 *
 * Unknown senders have no region yet, so every staff user sees the inbox (numbers masked to their
 * last 4 digits); registering needs a worker inside the caller's scope.
 */
import type { Sql } from '../db/sql.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Channel, FamilyRelation } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { type Staff, scopeFilter } from '../staff/scope.js';
import { maskPhone } from './worker-directory.js';

export interface InboxEntry {
  /** The sender's latest message: name it to register the sender. */
  id: string;
  channel: Channel;
  /** Phone masked to its last 4 digits; a Telegram chat as "chat …1234". */
  from: string;
  messages: number;
  firstAt: Date;
  lastAt: Date;
  /** The latest few texts, newest first. */
  texts: string[];
}

const maskAddress = (channel: Channel, address: string) =>
  channel === 'TELEGRAM' ? `chat …${address.slice(-4)}` : (maskPhone(address) ?? '');

/**
 * Unknown senders' messages of the last $1 days (channel $2 or any), grouped by sender, before
 * message $3 (paging), most recent first, at most $4: read off InboundMessage_unknown_sender_idx.
 */
export const UNKNOWN_SENDERS_SQL = `SELECT max(id)::text AS id, channel, "fromAddress", count(*)::int AS messages, min("receivedAt") AS "firstAt",
            max("receivedAt") AS "lastAt", (array_agg(COALESCE(text, '') ORDER BY id DESC))[1:3] AS texts
       FROM "InboundMessage"
      WHERE "workerId" IS NULL AND "familyContactId" IS NULL AND "handledAt" IS NOT NULL
        AND "receivedAt" > now() - make_interval(days => $1) AND ($2::"Channel" IS NULL OR channel = $2::"Channel")
      GROUP BY channel, "fromAddress"
     HAVING $3::bigint IS NULL OR max(id) < $3::bigint
      ORDER BY max(id) DESC LIMIT $4`;

/** Unknown senders of the last `days`, most recent first (one entry per sender). */
export async function listInbox(
  sql: Sql,
  q: { days: number; channel?: Channel; limit: number; before?: bigint },
): Promise<InboxEntry[]> {
  const r = await sql.query<{
    id: string;
    channel: Channel;
    fromAddress: string;
    messages: number;
    firstAt: Date;
    lastAt: Date;
    texts: string[];
  }>(UNKNOWN_SENDERS_SQL, [q.days, q.channel ?? null, q.before?.toString() ?? null, q.limit]);
  return r.rows.map(({ fromAddress, ...e }) => ({ ...e, from: maskAddress(e.channel, fromAddress) }));
}

export type Registration =
  | { as: 'worker'; workerId: number /** Replace the worker's number on file with this one. */; replace?: boolean }
  | { as: 'family'; workerId: number; name: string; relation: FamilyRelation; verified?: boolean };

export interface Registered {
  channel: Channel;
  workerId: number;
  familyContactId: number | null;
  /** Earlier messages from the sender now attached to the worker or contact. */
  messages: number;
  /** The sender's number or chat, to greet them (never returned to the caller). */
  address: string;
  language: string;
}

/**
 * Registers the sender of inbound message `inboundId` to a worker of the caller's scope, or as the
 * worker's family contact, and attaches the sender's earlier messages. Audited.
 */
export async function registerInboxSender(
  prisma: PrismaClient,
  staff: Staff,
  inboundId: bigint,
  reg: Registration,
  via: Channel,
  now = new Date(),
): Promise<Registered> {
  if (staff.role === 'VIEWER') throw forbidden('role VIEWER may not register senders; needs ADMIN or OPERATOR');
  const f = scopeFilter(staff);
  return prisma.$transaction(async (tx) => {
    const msg = await tx.inboundMessage.findUnique({
      where: { id: inboundId },
      select: { channel: true, fromAddress: true, workerId: true, familyContactId: true },
    });
    if (!msg) throw notFound(`no inbox message ${inboundId}`);
    if (msg.workerId !== null || msg.familyContactId !== null)
      throw conflict('already_registered', `the sender of message ${inboundId} is already in the ledger`);
    const worker = await tx.worker.findFirst({
      where: { id: reg.workerId, [f.column]: f.value },
      select: { id: true, phone: true, telegramChatId: true, language: true, villageId: true },
    });
    if (!worker) throw notFound(`no worker ${reg.workerId}`);
    const { channel, fromAddress: address } = msg;
    let familyContactId: number | null = null;
    let language = worker.language;
    if (reg.as === 'worker') {
      if (channel === 'TELEGRAM') {
        const holder = await tx.worker.findUnique({ where: { telegramChatId: BigInt(address) }, select: { id: true } });
        if (holder) throw conflict('chat_taken', `this chat is linked to worker ${holder.id}`);
        if (worker.telegramChatId !== null && !reg.replace)
          throw conflict('has_chat', `worker ${worker.id} already has a Telegram chat: pass replace to link this one instead`);
        await tx.worker.update({ where: { id: worker.id }, data: { telegramChatId: BigInt(address), updatedAt: now } });
      } else {
        if (worker.phone !== null && worker.phone !== address && !reg.replace)
          throw conflict(
            'has_phone',
            `worker ${worker.id} already has number ${maskPhone(worker.phone)}: pass replace to use this one instead`,
          );
        await tx.worker.update({ where: { id: worker.id }, data: { phone: address, updatedAt: now } });
      }
    } else {
      if (channel === 'TELEGRAM')
        throw invalid('body/as', ': a family contact is a phone number; a Telegram chat can only be a worker’s');
      if (worker.phone === address) throw invalid('body/as', ": this is the worker's own number");
      if (!reg.name.trim()) throw invalid('body/name', 'is required');
      const verification = reg.verified ? { verified: true, verifiedAt: now, verifiedById: staff.userId } : {};
      const contact = await tx.familyContact.upsert({
        where: { workerId_phone: { workerId: worker.id, phone: address } },
        update: { name: reg.name.trim(), relation: reg.relation, removedAt: null, updatedAt: now, ...verification },
        create: {
          workerId: worker.id,
          phone: address,
          name: reg.name.trim(),
          relation: reg.relation,
          updatedAt: now,
          ...verification,
        },
        select: { id: true, language: true },
      });
      familyContactId = contact.id;
      language = contact.language;
    }
    const attached = await tx.inboundMessage.updateMany({
      where: { channel, fromAddress: address, workerId: null, familyContactId: null },
      data: reg.as === 'worker' ? { workerId: worker.id } : { familyContactId },
    });
    await recordAudit(tx, {
      staffUserId: staff.userId,
      action: 'inbox.register',
      entity: reg.as === 'worker' ? 'Worker' : 'FamilyContact',
      entityId: reg.as === 'worker' ? worker.id : familyContactId,
      regionId: worker.villageId,
      details: {
        inboundId: inboundId.toString(),
        channel,
        as: reg.as,
        workerId: worker.id,
        from: maskAddress(channel, address),
        messages: attached.count,
        via,
      },
    });
    return { channel, workerId: worker.id, familyContactId, messages: attached.count, address, language };
  });
}
