/**
 * A text turn starts from what was read in the round trip that takes the sender's lock
 * (turnStartForMessage, which takes the address from the message row). It must find exactly what
 * the turn's own read (readTurnStart, which takes the address as a parameter) finds: the same
 * worker or family contact, the same open conversation, the same "expired", on both databases and
 * for any address a webhook could record.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTurnStart, type TurnStart, turnStartForMessage, turnStartFromResult } from '../../src/conversations/identify.js';
import type { Db } from '../../src/db/database.js';
import { inTransaction } from '../../src/db/sql.js';
import type { Channel } from '../../src/generated/prisma/enums.js';
import { activeKey } from '../../src/ledger/sessions.js';
import { createTestDb, DB_KINDS } from '../helpers/db.js';
import { seedWorker } from '../helpers/ledger.js';

let providerSeq = 0;

async function record(db: Db, channel: Channel, fromAddress: string, handled = false): Promise<string> {
  const m = await db.prisma.inboundMessage.create({
    data: { channel, fromAddress, providerId: `p-${++providerSeq}`, text: 'x', handledAt: handled ? new Date() : null },
  });
  return String(m.id);
}

/** The read with the lock, as prepared (parameters) and as written out (literals). */
const forms = (id: string, now: Date) => [
  { text: turnStartForMessage('$1', '$2::timestamp(3)'), values: [id, now.toISOString()] },
  { text: turnStartForMessage(id, `'${now.toISOString()}'::timestamp(3)`), values: [] },
];

/** Both reads of the start of a turn for message `id` (the one with the lock in both forms), in one transaction. */
async function bothReads(db: Db, id: string, now: Date): Promise<{ prefetched: TurnStart | undefined; own: TurnStart }> {
  const m = await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: BigInt(id) } });
  return inTransaction(db.pool, async (sql) => {
    const [asPrepared, written] = await Promise.all(forms(id, now).map((q) => sql.query(q.text, q.values)));
    expect(written!.rows).toEqual(asPrepared!.rows);
    const own = await readTurnStart(sql, m.channel, m.fromAddress, now);
    return { prefetched: turnStartFromResult(asPrepared!.rows), own };
  });
}

for (const kind of DB_KINDS) {
  describe(`the turn start read with the lock (${kind})`, () => {
    let db: Db;
    const now = new Date('2026-11-30T08:00:00.000Z');
    beforeAll(async () => {
      db = await createTestDb(kind);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('finds the worker, the family contact, the open and the expired conversation as the turn would', async () => {
      const { worker } = await seedWorker(db, { phone: '+8613800138001', telegramChatId: 700000001n, language: 'en' });
      const { worker: other } = await seedWorker(db, { phone: '+8613800138002' });
      await db.prisma.familyContact.create({
        data: { workerId: other.id, name: '李四', relation: 'SPOUSE', phone: '+8613800138003', verified: true },
      });
      const session = (address: string, channel: Channel, expiresAt: Date) =>
        db.prisma.conversationSession.create({
          data: {
            channel,
            address,
            activeKey: activeKey(channel, address),
            workerId: worker.id,
            flow: 'status-report',
            step: 'ask-change',
            state: { n: 1 },
            status: 'ACTIVE',
            expiresAt,
          },
        });
      await session('+8613800138001', 'SMS', new Date(now.getTime() + 60_000));
      await session('700000001', 'TELEGRAM', new Date(now.getTime() - 60_000));

      const cases: Array<[Channel, string, (s: TurnStart) => void]> = [
        [
          'SMS',
          '+8613800138001',
          (s) => expect(s).toMatchObject({ sender: { workerId: worker.id }, session: { expired: false } }),
        ],
        [
          'TELEGRAM',
          '700000001',
          (s) => expect(s).toMatchObject({ sender: { workerId: worker.id }, session: { expired: true } }),
        ],
        ['SMS', '+8613800138003', (s) => expect(s).toMatchObject({ sender: { familyWorkerId: other.id }, session: null })],
        ['SMS', '+8613800138009', (s) => expect(s).toEqual({ sender: null, session: null })],
        ['TELEGRAM', '+8613800138001', (s) => expect(s).toEqual({ sender: null, session: null })],
        ['TELEGRAM', '9999999999999999999', (s) => expect(s).toEqual({ sender: null, session: null })],
        ['TELEGRAM', '-42', (s) => expect(s).toEqual({ sender: null, session: null })],
      ];
      for (const [channel, address, check] of cases) {
        const { prefetched, own } = await bothReads(db, await record(db, channel, address), now);
        expect(prefetched, `${channel} ${address}`).toEqual(own);
        check(own);
      }
    });

    it('reads nothing for a call, a handled message or an unknown id (the turn reads its own)', async () => {
      for (const id of [
        await record(db, 'VOICE', '+8613800138001'),
        await record(db, 'SMS', '+8613800138001', true),
        '987654321',
      ]) {
        for (const q of forms(id, now)) {
          const r = await inTransaction(db.pool, (sql) => sql.query(q.text, q.values));
          expect(turnStartFromResult(r.rows)).toBeUndefined();
        }
      }
    });

    test.prop(
      [
        fc.constantFrom<Channel>('SMS', 'TELEGRAM'),
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
          fc.constantFrom('+8613800138001', '700000001', '+8613800138003'),
        ),
      ],
      { numRuns: 25 },
    )('any recorded address reads the same both ways', async (channel, raw) => {
      const address = raw.replaceAll('\0', '');
      const { prefetched, own } = await bothReads(db, await record(db, channel, address), now);
      expect(prefetched).toEqual(own);
    });
  });
}
