/**
 * Conversations survive a restart (the session is in the ledger, not in memory), one person's
 * messages are handled one at a time in order, and an expired conversation ends politely.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorker } from '../helpers/ledger.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { SERVICE_NUMBER, sms, smsScript } from './helpers.js';

const ENV = { SMS_RATE_PER_SECOND: '0' };
let svc: TestService;
const sim = (s: TestService) => s.running.container.providers.simulators!.twilio;
const db = () => svc.running.container.db;

beforeAll(async () => {
  svc = await startTestService(ENV);
  sim(svc).configure({ statusCallbackDelays: 5 });
});
afterAll(async () => {
  await svc?.stop();
});

describe('conversation sessions', () => {
  it('a restart mid-conversation resumes where it was', async () => {
    const first = await startTestService(ENV);
    try {
      const phone = '+8613800139101';
      const { worker } = await seedWorker(first.running.container.db, { phone });
      const asked = await smsScript(sim(first), phone, ['状态', '3']);
      expect(asked[1]).toContain('哪天回到家');

      // The service stops; a new one starts on the same ledger (new Redis prefix, new simulators).
      await first.running.stop();
      const second = await startTestService(ENV, { databaseUrl: first.databaseUrl });
      try {
        const summary = await sms(sim(second), phone, '今天');
        expect(summary).toContain('请核对');
        expect(await sms(sim(second), phone, '1')).toContain('已记录');
        const e = await second.running.container.db.prisma.employmentEvent.findFirstOrThrow({ where: { workerId: worker.id } });
        expect(e).toMatchObject({ status: 'RETURNED_HOME', channel: 'SMS', source: 'WORKER' });
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop(); // drops the database
    }
  });

  it('two messages from one person at once are handled in order', async () => {
    const phone = '+8613800139102';
    await seedWorker(db(), { phone });
    await Promise.all([
      sim(svc).sendInbound({ from: phone, to: SERVICE_NUMBER, body: '状态' }),
      new Promise((r) => setTimeout(r, 5)).then(() => sim(svc).sendInbound({ from: phone, to: SERVICE_NUMBER, body: '3' })),
    ]);
    await expect.poll(() => sim(svc).messages({ to: phone, direction: 'outbound-api' }).length, { timeout: 10_000 }).toBe(2);
    const replies = await db().prisma.outboundMessage.findMany({ where: { toAddress: phone }, orderBy: { id: 'asc' } });
    expect(replies[0]!.body).toContain('有什么变化');
    expect(replies[1]!.body).toContain('哪天回到家');
    const inbound = await db().prisma.inboundMessage.findMany({ where: { fromAddress: phone }, orderBy: { id: 'asc' } });
    expect(replies.map((r) => r.inReplyToId)).toEqual(inbound.map((m) => m.id));
  });

  it('an expired conversation ends politely and the message starts afresh', async () => {
    const phone = '+8613800139103';
    await seedWorker(db(), { phone });
    await sms(sim(svc), phone, '培训');
    await db().pool.query(`UPDATE "ConversationSession" SET "expiresAt" = now() - interval '1 minute' WHERE address = $1`, [
      phone,
    ]);
    const reply = await sms(sim(svc), phone, '1');
    expect(reply).toMatch(/^上次的对话已超时结束。\n就业帮扶服务/);
    const sessions = await db().prisma.conversationSession.findMany({ where: { address: phone }, orderBy: { id: 'asc' } });
    expect(sessions.map((s) => [s.flow, s.status])).toEqual([
      ['training', 'EXPIRED'],
      ['menu', 'ACTIVE'],
    ]);
    expect(await db().prisma.trainingRequest.count()).toBe(0);
  });
});
