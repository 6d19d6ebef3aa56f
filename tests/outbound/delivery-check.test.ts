/**
 * Delivery reports whose callback was lost are recovered from the provider: messages left SENT
 * past DELIVERY_CHECK_AFTER_MS are fetched from Twilio (the simulator) by id and settled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioSmsAdapter } from '../../src/channels/twilio/sms-adapter.js';
import type { ChannelAdapter } from '../../src/channels/types.js';
import type { Db } from '../../src/db/database.js';
import { createLogger } from '../../src/logging.js';
import { checkOverdueReports } from '../../src/outbound/delivery-check.js';
import { startTwilioSimulator, type TwilioSimulator, twilioClientFor } from '../../src/simulators/index.js';
import { createTestDb } from '../helpers/db.js';
import { seedWorker } from '../helpers/ledger.js';

let db: Db;
let sim: TwilioSimulator;
let sms: ChannelAdapter;

beforeAll(async () => {
  db = await createTestDb('postgres');
  sim = await startTwilioSimulator({ statusCallbackDelays: 0 });
  sms = createTwilioSmsAdapter({
    client: twilioClientFor(sim.url, sim.accountSid, sim.authToken),
    accountSid: sim.accountSid,
    authToken: sim.authToken,
    apiBase: sim.url,
    from: '+8610690000000',
    // Nobody listens here: every status callback is lost, as when the service was down.
    statusCallback: 'http://127.0.0.1:9/webhooks/twilio/status',
  });
});
afterAll(async () => {
  await sim.close();
  await db.close();
});

/** A reply the provider took `ageMs` ago whose callback never arrived. */
async function sentReply(phone: string, ageMs: number): Promise<bigint> {
  const { worker } = await seedWorker(db, { phone });
  const row = await db.prisma.outboundMessage.create({
    data: { kind: 'REPLY', channel: 'SMS', body: '您好', workerId: worker.id },
  });
  const res = await sms.send({ messageId: row.id, to: phone, text: '您好' });
  await db.prisma.outboundMessage.update({
    where: { id: row.id },
    data: { status: 'SENT', providerId: res.providerId, sentAt: new Date(Date.now() - ageMs) },
  });
  return row.id;
}

const deps = () => ({ db, logger: createLogger('silent'), adapters: { SMS: sms }, afterMs: 30 * 60_000 });

describe('delivery reports lost on the way', () => {
  it('are fetched from the provider once overdue and settled, each asked at most once per interval', async () => {
    sim.failDelivery({ status: 'undelivered', errorCode: 30003, to: '+8613900000002' });
    const delivered = await sentReply('+8613900000001', 2 * 3_600_000);
    const undelivered = await sentReply('+8613900000002', 2 * 3_600_000);
    const recent = await sentReply('+8613900000003', 60_000);
    await sim.idle(); // the provider has finished with them; their callbacks went nowhere
    expect(
      sim.message((await db.prisma.outboundMessage.findUniqueOrThrow({ where: { id: delivered } })).providerId!)?.status,
    ).toBe('delivered');

    const first = await checkOverdueReports(deps());
    expect(first).toEqual({ checked: 2, settled: 2 });
    const rows = await db.prisma.outboundMessage.findMany({ where: { id: { in: [delivered, undelivered, recent] } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(delivered)).toMatchObject({ status: 'DELIVERED' });
    expect(byId.get(delivered)!.deliveredAt).not.toBeNull();
    expect(byId.get(undelivered)).toMatchObject({ status: 'FAILED', errorCode: '30003' });
    // Not overdue yet: neither asked nor changed.
    expect(byId.get(recent)).toMatchObject({ status: 'SENT', checkedAt: null });

    // A message the provider still reports as sent is asked again only after the interval.
    const stuck = await sentReply('+8613900000004', 2 * 3_600_000);
    await sim.idle();
    const sid = (await db.prisma.outboundMessage.findUniqueOrThrow({ where: { id: stuck } })).providerId!;
    sim.message(sid)!.status = 'sent';
    expect(await checkOverdueReports(deps())).toEqual({ checked: 1, settled: 0 });
    expect(await db.prisma.outboundMessage.findUniqueOrThrow({ where: { id: stuck } })).toMatchObject({ status: 'SENT' });
    expect(await checkOverdueReports(deps())).toEqual({ checked: 0, settled: 0 });
  });
});
