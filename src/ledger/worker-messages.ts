/**
 * A worker's conversation log for staff: what the person sent and what the service sent them on
 * every channel, newest first, with delivery status. Paged by a cursor that names the last line
 * shown (time, direction, id), so lines with the same timestamp are neither lost nor repeated.
 */
import { invalid, notFound } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Channel, MessageKind, MessageStatus } from '../generated/prisma/enums.js';
import { type Staff, scopeFilter } from '../staff/scope.js';

export interface MessageLine {
  direction: 'in' | 'out';
  id: string;
  at: Date;
  channel: Channel;
  text: string;
  /** Outbound: BROADCAST, REPLY, FLOW or OTP; inbound: null. */
  kind: MessageKind | null;
  /** Outbound: QUEUED, SENT, DELIVERED, FAILED or CANCELLED; inbound: null. */
  status: MessageStatus | null;
  errorCode: string | null;
  campaignId: number | null;
  /** A family member's messages about the worker carry their contact id. */
  familyContactId: number | null;
}

/** Outbound lines sort before inbound lines of the same millisecond. */
const RANK = { out: 0, in: 1 } as const;

interface Cursor {
  at: Date;
  rank: 0 | 1;
  id: bigint;
}

function parseCursor(raw: string): Cursor {
  const m = /^(\d{1,15})\.([01])\.([1-9]\d{0,18})$/.exec(raw);
  if (!m) throw invalid('querystring/cursor', 'must be the nextCursor of the previous page');
  return { at: new Date(Number(m[1])), rank: Number(m[2]) as 0 | 1, id: BigInt(m[3]!) };
}

/** Rows of one direction that come after the cursor in the merged order (time desc, rank, id desc). */
function after(c: Cursor | null, rank: 0 | 1, timeField: 'queuedAt' | 'receivedAt') {
  if (!c) return {};
  const sameTime = rank > c.rank ? {} : rank === c.rank ? { id: { lt: c.id } } : null;
  return { OR: [{ [timeField]: { lt: c.at } }, ...(sameTime ? [{ [timeField]: c.at, ...sameTime }] : [])] };
}

/** Messages to and from a worker of the caller's scope (404 outside), newest first. */
export async function workerMessages(
  prisma: PrismaClient,
  staff: Staff,
  workerId: number,
  q: { cursor?: string; limit: number },
): Promise<{ items: MessageLine[]; nextCursor: string | null }> {
  const cursor = q.cursor ? parseCursor(q.cursor) : null;
  const f = scopeFilter(staff);
  const worker = await prisma.worker.findFirst({ where: { id: workerId, [f.column]: f.value }, select: { id: true } });
  if (!worker) throw notFound(`no worker ${workerId}`);
  const [outbound, inbound] = await Promise.all([
    prisma.outboundMessage.findMany({
      where: { workerId, ...after(cursor, RANK.out, 'queuedAt') },
      orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      select: {
        id: true,
        queuedAt: true,
        channel: true,
        body: true,
        kind: true,
        status: true,
        errorCode: true,
        campaignId: true,
        familyContactId: true,
      },
    }),
    prisma.inboundMessage.findMany({
      where: { workerId, ...after(cursor, RANK.in, 'receivedAt') },
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      select: { id: true, receivedAt: true, channel: true, text: true, familyContactId: true },
    }),
  ]);
  const lines: MessageLine[] = [
    ...outbound.map((m) => ({
      direction: 'out' as const,
      id: m.id.toString(),
      at: m.queuedAt,
      channel: m.channel,
      text: m.body,
      kind: m.kind,
      status: m.status,
      errorCode: m.errorCode,
      campaignId: m.campaignId,
      familyContactId: m.familyContactId,
    })),
    ...inbound.map((m) => ({
      direction: 'in' as const,
      id: m.id.toString(),
      at: m.receivedAt,
      channel: m.channel,
      text: m.text ?? '',
      kind: null,
      status: null,
      errorCode: null,
      campaignId: null,
      familyContactId: m.familyContactId,
    })),
  ].sort(
    (a, b) =>
      b.at.getTime() - a.at.getTime() ||
      RANK[a.direction] - RANK[b.direction] ||
      (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0),
  );
  const items = lines.slice(0, q.limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: lines.length > q.limit && last ? `${last.at.getTime()}.${RANK[last.direction]}.${last.id}` : null,
  };
}
