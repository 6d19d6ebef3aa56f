/**
 * Family confirmation (家人代签): staff ask (requestConfirmation), the registered family contact
 * answers by SMS or phone, what backs the answer is recorded, staff review it; a stranger's
 * number can neither see nor change anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfirmationRequest, requestConfirmation } from '../../src/conversations/request-confirmation.js';
import { listConfirmations, recordConfirmationResponse, reviewConfirmation } from '../../src/ledger/confirmations.js';
import { enqueueSends } from '../../src/queues/queues.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { twilioSignature } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { SERVICE_NUMBER, seedFamily, sms } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
const db = () => svc.running.container.db;
const request = (input: Omit<ConfirmationRequest, 'kind' | 'confirmer'> & Partial<ConfirmationRequest>) =>
  requestConfirmation(
    {
      db: db(),
      texts: svc.running.container.texts,
      config: svc.running.container.config,
      enqueue: (rows) => enqueueSends(svc.running.container.queues, rows),
    },
    null,
    { kind: 'STATUS', confirmer: 'FAMILY', ...input },
  );
const lastTo = async (phone: string, count: number) => {
  await expect.poll(() => sim.messages({ to: phone, direction: 'outbound-api' }).length, { timeout: 10_000 }).toBe(count);
  return sim.messages({ to: phone, direction: 'outbound-api' })[count - 1]!.body;
};

beforeAll(async () => {
  svc = await startTestService({ SMS_RATE_PER_SECOND: '0' });
  sim = svc.running.container.providers.simulators!.twilio;
  sim.configure({ statusCallbackDelays: 5 });
});
afterAll(async () => {
  await svc?.stop();
});

describe('family confirmation', () => {
  it('by SMS from a verified family number: statement, answer, reason; attributable, then approved by staff', async () => {
    const { worker, county } = await seedWorker(db(), { phone: '+8613800139401', name: '王五' });
    const family = await seedFamily(db(), worker.id, '+8613900139401', true);
    const id = await request({
      workerId: worker.id,
      kind: 'TEMPORARILY_UNWILLING',
      statement: '王五在家照顾老人，暂时不外出务工',
    });
    expect(await db().prisma.confirmation.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'REQUESTED' });
    const asked = await lastTo(family.phone, 1);
    expect(asked).toContain('请为您的家人王五确认：“王五在家照顾老人，暂时不外出务工”');
    expect(asked).toMatch(/\n1 属实\n2 不属实$/);

    expect(await sms(sim, family.phone, '1')).toContain('请说明王五暂时不工作的主要原因');
    expect(await sms(sim, family.phone, '母亲生病需要照顾')).toContain('已记录您的确认');

    const c = await db().prisma.confirmation.findUniqueOrThrow({ where: { id } });
    const inbound = await db().prisma.inboundMessage.findMany({ where: { fromAddress: family.phone }, orderBy: { id: 'asc' } });
    expect(c).toMatchObject({
      status: 'CONFIRMED',
      reason: '母亲生病需要照顾',
      confirmerType: 'FAMILY',
      familyContactId: family.id,
      relation: 'SPOUSE',
      confirmerPhone: family.phone,
      channel: 'SMS',
      verificationMethod: 'REGISTERED_FAMILY_NUMBER',
    });
    expect(c.respondedAt).not.toBeNull();
    expect((c.evidence as { inboundMessageIds: string[] }).inboundMessageIds).toEqual(inbound.map((m) => m.id.toString()));

    const user = await db().prisma.staffUser.create({
      data: { username: 'reviewer', name: '审核员', role: 'OPERATOR', regionId: county.id },
    });
    const staff = {
      userId: user.id,
      username: user.username,
      role: user.role,
      regionId: county.id,
      regionCode: county.code,
      regionLevel: county.level,
    };
    expect((await listConfirmations(db().prisma, staff, { status: 'CONFIRMED', limit: 10 })).map((r) => r.id)).toContain(id);
    expect(
      await reviewConfirmation(db().prisma, staff, { confirmationId: id, decision: 'approve', note: '电话核实', via: 'API' }),
    ).toMatchObject({ id, status: 'APPROVED' });
    expect(await db().prisma.confirmation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'APPROVED',
      reviewedById: user.id,
      reviewNote: '电话核实',
    });
  });

  it('an unverified family number is backed by a code sent to the worker’s own phone', async () => {
    const { worker } = await seedWorker(db(), { phone: '+8613800139402', name: '赵六' });
    const family = await seedFamily(db(), worker.id, '+8613900139402', false);
    const id = await request({ workerId: worker.id, statement: '赵六在苏州电子厂工作' });
    await lastTo(family.phone, 1);
    await sms(sim, family.phone, '属实');
    expect(await sms(sim, family.phone, '无')).toContain('已向赵六的手机发送验证码');
    const codeSms = await lastTo(worker.phone!, 1);
    const code = codeSms.match(/(\d{6})/)![1]!;
    expect(await sms(sim, family.phone, code === '111111' ? '222222' : '111111')).toContain('验证码不对');
    expect(await sms(sim, family.phone, code)).toContain('已记录您的确认');
    expect(await db().prisma.confirmation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'CONFIRMED',
      verificationMethod: 'WORKER_OTP',
    });
    // The code message is a ledger row of its own, to the worker.
    expect(await db().prisma.outboundMessage.count({ where: { kind: 'OTP', workerId: worker.id } })).toBe(1);
  });

  it('a stranger, or another worker’s family, can neither see nor change a confirmation', async () => {
    const { worker } = await seedWorker(db(), { phone: '+8613800139403', name: '孙七' });
    const family = await seedFamily(db(), worker.id, '+8613900139403', true);
    const { worker: other } = await seedWorker(db(), { phone: '+8613800139404' });
    const otherFamily = await seedFamily(db(), other.id, '+8613900139404', true);
    const id = await request({ workerId: worker.id, statement: '孙七在家务农' });
    await lastTo(family.phone, 1);

    const stranger = '+8613700139403';
    const reply = await sms(sim, stranger, '1');
    expect(reply).toMatch(/尚未.*登记/);
    expect(reply).not.toContain('孙七');
    const otherReply = await sms(sim, otherFamily.phone, '1');
    expect(otherReply).not.toContain('孙七');
    expect(await db().prisma.confirmation.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'REQUESTED' });

    // The ledger function checks too: the contact the request went to, at its own number.
    const base = {
      confirmationId: id,
      workerId: worker.id,
      channel: 'SMS' as const,
      outcome: 'CONFIRMED' as const,
      reason: null,
      verificationMethod: 'REGISTERED_FAMILY_NUMBER' as const,
      evidence: {},
    };
    expect(
      await recordConfirmationResponse(db().pool, { ...base, familyContactId: otherFamily.id, phone: otherFamily.phone }),
    ).toBe(false);
    expect(await recordConfirmationResponse(db().pool, { ...base, familyContactId: family.id, phone: stranger })).toBe(false);
    expect(await db().prisma.confirmation.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'REQUESTED' });
  });

  it('by phone: consent notice, statement, key 2 to dispute, the reason recorded; the recording is the evidence', async () => {
    const { worker } = await seedWorker(db(), { phone: '+8613800139405', name: '周八' });
    const family = await seedFamily(db(), worker.id, '+8613900139405', true);
    const id = await request({
      workerId: worker.id,
      statement: '周八暂时不愿外出务工',
      kind: 'TEMPORARILY_UNWILLING',
      channel: 'VOICE',
    });
    await expect.poll(() => sim.calls().filter((c) => c.to === family.phone).length, { timeout: 10_000 }).toBe(1);
    const placed = sim.calls().find((c) => c.to === family.phone)!;
    const call = await sim.answerCall(placed.sid, [{ digits: '2' }]);
    const said = call.says.join('');
    expect(said.indexOf('本次通话将被录音')).toBeLessThan(said.indexOf('周八暂时不愿外出务工'));
    expect(said).toContain('不属实请按2');
    // The simulator does not play <Record> (it goes on as after silence); Twilio would post the recording.
    const last = call.documents.find((d) => d.twiml.includes('<Record'))!;
    expect(last.says.join('')).toContain('请说明周八的实际情况');

    const action = last.twiml.match(/<Record[^>]*action="([^"]+)"/)![1]!.replace(/&amp;/g, '&');
    const params = {
      CallSid: placed.sid,
      AccountSid: sim.accountSid,
      From: SERVICE_NUMBER,
      To: family.phone,
      Direction: 'outbound-api',
      RecordingSid: `RE${'a1'.repeat(16)}`,
      RecordingUrl: `${sim.url}/2010-04-01/Accounts/${sim.accountSid}/Recordings/RE${'a1'.repeat(16)}`,
      RecordingDuration: '12',
    };
    const post = (path: string, p: Record<string, string>) =>
      fetch(`${svc.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(sim.authToken, `${svc.running.container.config.PUBLIC_BASE_URL}${path}`, p),
        },
        body: new URLSearchParams(p),
      });
    const res = await post(action, params);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('已记录您的确认');
    // A later recording of the same call (a recording status callback) joins the evidence.
    const later = { ...params, RecordingSid: `RE${'b2'.repeat(16)}` };
    expect((await post('/webhooks/twilio/voice/recording', later)).status).toBe(200);

    const c = await db().prisma.confirmation.findUniqueOrThrow({ where: { id } });
    expect(c).toMatchObject({
      status: 'DISPUTED',
      channel: 'VOICE',
      confirmerPhone: family.phone,
      familyContactId: family.id,
      verificationMethod: 'REGISTERED_FAMILY_NUMBER',
    });
    const evidence = c.evidence as {
      callSid: string;
      recording: { sid: string; url: string };
      recordings: Array<{ sid: string }>;
      inboundMessageIds: string[];
    };
    expect(evidence.callSid).toBe(placed.sid);
    expect(evidence.recording.sid).toBe(params.RecordingSid);
    expect(evidence.recordings.map((r) => r.sid)).toEqual([later.RecordingSid]);
    expect(evidence.inboundMessageIds).toHaveLength(2);
  });

  it('a request nobody answers in time expires, and the late answer is told so', async () => {
    const { worker } = await seedWorker(db(), { phone: '+8613800139406' });
    const family = await seedFamily(db(), worker.id, '+8613900139406', true);
    const id = await request({ workerId: worker.id, statement: '在家' });
    await lastTo(family.phone, 1);
    await db().pool.query(`UPDATE "ConversationSession" SET "expiresAt" = now() - interval '1 minute' WHERE address = $1`, [
      family.phone,
    ]);
    expect(await sms(sim, family.phone, '1')).toContain('上次的对话已超时结束');
    expect(await db().prisma.confirmation.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'EXPIRED' });
  });
});
