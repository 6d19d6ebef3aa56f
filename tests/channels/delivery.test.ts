/**
 * Outbound delivery through the send queues against the simulators' failure injection:
 * no message is lost, none is sent twice, and each failure ends where its type says.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/generated/prisma/enums.js';
import { createMessage } from '../../src/ledger/outbound.js';
import { enqueueSends } from '../../src/queues/queues.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import { settled, startTestService, type TestService } from '../helpers/service.js';

let svc: TestService;
let sim: TwilioSimulator;

beforeAll(async () => {
  svc = await startTestService({ SMS_RATE_PER_SECOND: '0' });
  sim = svc.running.container.providers.simulators!.twilio;
  sim.configure({ statusCallbackDelays: 5 });
});
afterAll(async () => {
  await svc?.stop();
});
beforeEach(() => sim.reset());

const c = () => svc.running.container;

async function send(phone: string, body: string, kind: 'REPLY' | 'BROADCAST' = 'REPLY', channel: Channel = 'SMS') {
  const { worker } = await seedWorker(c().db, { phone });
  const id = await createMessage(c().db.pool, { kind, channel, body, language: 'zh-CN', workerId: worker.id });
  await enqueueSends(c().queues, [{ id, channel }]);
  return id;
}
const row = (id: bigint) => c().db.prisma.outboundMessage.findUniqueOrThrow({ where: { id } });

describe('SMS delivery', () => {
  it('records provider id and segments, then DELIVERED from the status callback', async () => {
    const id = await send('+8613700137001', '一'.repeat(71));
    await expect.poll(async () => (await row(id)).status, { timeout: 10_000 }).toBe('DELIVERED');
    const r = await row(id);
    expect(r.providerId).toMatch(/^SM/);
    expect(r.segments).toBe(2);
    expect(r.attempts).toBe(1);
    expect(sim.messages({ to: '+8613700137001' })).toHaveLength(1);
  });

  it('status callbacks out of order and repeated still end at DELIVERED', async () => {
    sim.configure({ statusCallbackMode: 'disorder' });
    try {
      const id = await send('+8613700137002', 'x');
      await expect.poll(async () => (await row(id)).status, { timeout: 10_000 }).toBe('DELIVERED');
      await sim.idle();
      expect((await row(id)).status).toBe('DELIVERED');
      expect(sim.webhookDeliveries('message-status').filter((d) => d.params.MessageStatus === 'sent').length).toBeGreaterThan(0);
    } finally {
      sim.configure({ statusCallbackMode: 'in-order' });
    }
  });

  it('a provider outage leaves the message queued, and it goes out once the outage ends', async () => {
    sim.setOutage(true);
    const id = await send('+8613700137003', 'outage');
    await expect.poll(async () => (await row(id)).attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect((await row(id)).status).toBe('QUEUED');
    sim.setOutage(false);
    await expect.poll(async () => (await row(id)).status, { timeout: 20_000 }).toBe('DELIVERED');
    expect(sim.messages({ to: '+8613700137003' })).toHaveLength(1);
  });

  it('an invalid number fails at once with the provider code, without retries', async () => {
    sim.injectFailure({ kind: 'invalid-number', to: '+8613700137004' });
    const id = await send('+8613700137004', 'x');
    await expect.poll(async () => (await row(id)).status, { timeout: 10_000 }).toBe('FAILED');
    expect(await row(id)).toMatchObject({ errorCode: '21211', attempts: 1 });
  });

  it('21610 marks the recipient opted out, and a later broadcast to them is not sent', async () => {
    sim.injectFailure({ kind: 'unsubscribed', to: '+8613700137005' });
    const id = await send('+8613700137005', 'x');
    await expect.poll(async () => (await row(id)).status, { timeout: 10_000 }).toBe('FAILED');
    expect((await row(id)).errorCode).toBe('21610');
    expect(
      await c().db.prisma.optOut.findUnique({ where: { channel_address: { channel: 'SMS', address: '+8613700137005' } } }),
    ).toMatchObject({
      source: 'provider:21610',
    });
    const later = await send('+8613700137005', 'policy', 'BROADCAST');
    await expect.poll(async () => (await row(later)).status, { timeout: 10_000 }).toBe('CANCELLED');
    expect(sim.messages({ to: '+8613700137005' })).toHaveLength(0);
  });

  it('a 429 pauses the channel and the message still goes out once', async () => {
    sim.injectFailure({ kind: 'rate-limited', times: 1 });
    const id = await send('+8613700137006', 'x');
    await expect.poll(async () => (await row(id)).status, { timeout: 15_000 }).toBe('DELIVERED');
    expect(sim.messages({ to: '+8613700137006' })).toHaveLength(1);
  });

  it('a job replayed after the send does not send again', async () => {
    const id = await send('+8613700137007', 'once');
    await expect.poll(async () => (await row(id)).status, { timeout: 10_000 }).toBe('DELIVERED');
    await c().queues.sendSms.add('send', { outboundId: id.toString() }); // a replay with a new job id
    await settled(svc);
    expect(sim.messages({ to: '+8613700137007' })).toHaveLength(1);
  });
});
