/**
 * The same flows by phone, in Mandarin: keypad and speech answers through the Twilio simulator's
 * scripted calls, with the ledger rows they leave. A dropped call resumes on the next call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedWorker } from '../helpers/ledger.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { SERVICE_NUMBER } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
const db = () => svc.running.container.db;

beforeAll(async () => {
  svc = await startTestService();
  sim = svc.running.container.providers.simulators!.twilio;
});
afterAll(async () => {
  await svc?.stop();
});

describe('status report by phone', () => {
  it('found a job: keys for choices, speech for names and places, a spoken date, "press 1 to confirm"', async () => {
    const phone = '+8613600137001';
    const { worker } = await seedWorker(db(), { phone });
    const call = await sim.placeInboundCall({
      from: phone,
      to: SERVICE_NUMBER,
      steps: [
        { digits: '1' }, // menu: report a change
        { speech: '我找到工作了' }, // found a job
        { speech: '西安宏达建筑公司' },
        { digits: '2' }, // elsewhere in the province
        { speech: '西安市雁塔区' },
        { digits: '2' }, // construction
        { digits: '3' }, // 3000-4000
        { speech: '三月五号' },
        { digits: '1' }, // confirm
      ],
    });
    const docs = call.documents;
    expect(docs[0]!.says.join('')).toContain('报告就业变化请按1');
    expect(docs[1]!.says.join('')).toContain('找到工作请按1');
    expect(docs[1]!.gather).toMatchObject({ input: 'dtmf speech', numDigits: '1', language: 'cmn-Hans-CN' });
    expect(docs[2]!.gather).toMatchObject({ input: 'speech' });
    expect(docs[8]!.says.join('')).toContain('请核对');
    expect(docs[8]!.says.join('')).toContain('确认请按1');
    expect(call.says.at(-2)).toContain('已记录');
    expect(call.says.at(-1)).toContain('再见');

    const e = await db().prisma.employmentEvent.findFirstOrThrow({ where: { workerId: worker.id } });
    expect(e).toMatchObject({
      status: 'EMPLOYED_IN_PROVINCE',
      employer: '西安宏达建筑公司',
      place: '西安市雁塔区',
      industry: 'construction',
      monthlyWage: 3500,
      channel: 'VOICE',
      source: 'WORKER',
      callSid: call.callSid,
    });
    const last = await db().prisma.inboundMessage.findUniqueOrThrow({
      where: { channel_providerId: { channel: 'VOICE', providerId: `${call.callSid}:9` } },
    });
    expect(e.inboundMessageId).toBe(last.id);
    expect(e.effectiveDate.toISOString().slice(5, 10)).toBe('03-05');
    // Answered in the call: no text was sent to the caller.
    expect(await db().prisma.outboundMessage.count({ where: { toAddress: phone } })).toBe(0);
  });

  it('a dropped call resumes on the next call; silence asks again, then says goodbye', async () => {
    const phone = '+8613600137002';
    const { worker } = await seedWorker(db(), { phone });
    const first = await sim.placeInboundCall({
      from: phone,
      to: SERVICE_NUMBER,
      steps: [{ digits: '1' }, { digits: '3' }, { hangup: true }],
    });
    expect(first.says.join('')).toContain('哪天回到家');

    const quiet = await sim.placeInboundCall({
      from: phone,
      to: SERVICE_NUMBER,
      steps: [{ silence: true }, { silence: true }, { silence: true }],
    });
    expect(quiet.says[0]).toContain('继续上次');
    expect(quiet.says.filter((s) => s.includes('哪天回到家'))).toHaveLength(3);
    expect(quiet.says.at(-1)).toContain('再见');

    const again = await sim.placeInboundCall({ from: phone, to: SERVICE_NUMBER, steps: [{ digits: '0305' }, { digits: '1' }] });
    expect(again.documents[1]!.says.join('')).toContain('返乡回家');
    const e = await db().prisma.employmentEvent.findFirstOrThrow({ where: { workerId: worker.id } });
    expect(e).toMatchObject({ status: 'RETURNED_HOME', channel: 'VOICE', callSid: again.callSid });
  });

  it('nonsense answers on a call escalate to staff', async () => {
    const phone = '+8613600137003';
    const { worker } = await seedWorker(db(), { phone });
    const call = await sim.placeInboundCall({
      from: phone,
      to: SERVICE_NUMBER,
      steps: [{ digits: '1' }, { digits: '7' }, { speech: '嗯' }, { digits: '8' }],
    });
    expect(call.says.join('')).toContain('已转给工作人员');
    expect(await db().prisma.staffTask.findFirst({ where: { workerId: worker.id } })).toMatchObject({
      kind: 'escalated_conversation',
      regionId: worker.villageId,
    });
  });
});
