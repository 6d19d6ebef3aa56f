/**
 * "Temporarily unwilling to work" (Annex 1): refused naming every missing item; accepted with 3
 * service contacts, the reason and a family confirmation given through the confirmation flow;
 * the dossier holds every linked record, as JSON, CSV and XLSX.
 */
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestConfirmation } from '../../src/conversations/request-confirmation.js';
import { inTransaction } from '../../src/db/sql.js';
import { appendEmploymentEvent } from '../../src/ledger/employment.js';
import { recordTemporarilyUnwilling, unwillingDossier, writeDossier } from '../../src/programs/unwilling.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { seedFamily, sms } from '../flows/helpers.js';
import { seedWorker } from '../helpers/ledger.js';
import type { TestService } from '../helpers/service.js';
import { serviceDeps, startProgramsService } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
const db = () => svc.running.container.db;

beforeAll(async () => {
  ({ svc, sim } = await startProgramsService());
});
afterAll(async () => {
  await svc?.stop();
});

const record = (input: Parameters<typeof recordTemporarilyUnwilling>[1]) =>
  inTransaction(db().pool, (sql) => recordTemporarilyUnwilling(sql, input));

async function addContacts(workerId: number, householdId: number, n: number, kind: 'JOB_LEAD' | 'STAFF_CALL' | 'POLICY_NOTICE') {
  for (let i = 0; i < n; i++) {
    await db().prisma.serviceContact.create({ data: { kind, workerId, householdId, channel: 'SMS' } });
  }
}

/** A TEMPORARILY_UNWILLING confirmation answered "属实" by a verified family number, by SMS. */
async function familyConfirms(workerId: number, familyPhone: string, name: string): Promise<number> {
  await seedFamily(db(), workerId, familyPhone, true);
  const id = await requestConfirmation(serviceDeps(svc), null, {
    workerId,
    kind: 'TEMPORARILY_UNWILLING',
    confirmer: 'FAMILY',
    statement: `${name}在家照顾老人，暂时不外出务工`,
  });
  await expect.poll(() => sim.messages({ to: familyPhone, direction: 'outbound-api' }).length, { timeout: 10_000 }).toBe(1);
  expect(await sms(sim, familyPhone, '1')).toContain('主要原因');
  expect(await sms(sim, familyPhone, '母亲卧病在床需要照顾')).toContain('已记录您的确认');
  return id;
}

describe('temporarily unwilling to work', () => {
  it('is refused naming every missing item', async () => {
    const { worker, household } = await seedWorker(db(), { name: '孙七' });
    await addContacts(worker.id, household.id, 2, 'JOB_LEAD');
    await addContacts(worker.id, household.id, 2, 'POLICY_NOTICE'); // notices are not offers or assistance
    const r = await record({ workerId: worker.id, reason: '  ', confirmationId: null });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.missing.map((m) => m.item)).toEqual(['service_contacts', 'reason', 'confirmation']);
    expect(r.missing[0]!.message).toContain('2 on record');
    expect(r.serviceContacts).toBe(2);

    // A confirmation of the wrong kind, for someone else, not yet answered.
    const { worker: other } = await seedWorker(db());
    const wrong = await db().prisma.confirmation.create({
      data: { kind: 'STATUS', workerId: other.id, householdId: other.householdId, statement: 's' },
    });
    const r2 = await record({ workerId: worker.id, reason: '照顾老人', confirmationId: wrong.id });
    expect(r2.ok ? [] : r2.missing.map((m) => m.item)).toEqual([
      'service_contacts',
      'confirmation_kind',
      'confirmation_worker',
      'confirmation_status',
    ]);
    // A confirmation still waiting for staff approval does not do either.
    const waiting = await db().prisma.confirmation.create({
      data: {
        kind: 'TEMPORARILY_UNWILLING',
        workerId: worker.id,
        householdId: household.id,
        statement: 's',
        status: 'CONFIRMED',
        verificationMethod: 'STAFF_APPROVAL',
      },
    });
    const r3 = await record({ workerId: worker.id, reason: '照顾老人', confirmationId: waiting.id });
    expect(r3.ok ? [] : r3.missing.map((m) => m.message)).toContain(`confirmation ${waiting.id} waits for staff approval`);
    expect(await db().prisma.employmentEvent.count({ where: { workerId: worker.id } })).toBe(0);
  });

  it('is accepted with 3 contacts, the reason and a family confirmation; status and household counts follow; the dossier', async () => {
    const familyPhone = '+8613900160001';
    const { worker, household } = await seedWorker(db(), { name: '周八', phone: '+8613800160001' });
    await appendEmploymentEvent(
      db().pool,
      { workerId: worker.id, status: 'UNEMPLOYED', effectiveDate: '2026-10-01' },
      { source: 'IMPORT', channel: 'IMPORT' },
    );
    expect((await db().prisma.household.findUniqueOrThrow({ where: { id: household.id } })).zeroEmployment).toBe(true);
    await addContacts(worker.id, household.id, 2, 'JOB_LEAD');
    await addContacts(worker.id, household.id, 1, 'STAFF_CALL');
    const confirmationId = await familyConfirms(worker.id, familyPhone, '周八');
    const staff = await db().prisma.staffUser.create({
      data: { username: 'unwilling-staff', name: '村干部', role: 'OPERATOR', regionId: household.countyId },
    });

    const r = await record({ workerId: worker.id, reason: '母亲卧病在床需要照顾', confirmationId, staffUserId: staff.id });
    expect(r).toMatchObject({ ok: true, serviceContacts: 3 });
    const w = await db().prisma.worker.findUniqueOrThrow({ where: { id: worker.id }, include: { currentEvent: true } });
    expect(w.currentStatus).toBe('TEMPORARILY_UNWILLING');
    expect(w.currentEvent).toMatchObject({
      status: 'TEMPORARILY_UNWILLING',
      reason: '母亲卧病在床需要照顾',
      confirmationId,
      source: 'STAFF',
      reportedById: staff.id,
    });
    // The same confirmation cannot back a second record.
    const again = await record({ workerId: worker.id, reason: '同上', confirmationId, staffUserId: staff.id });
    expect(again.ok ? [] : again.missing.map((m) => m.item)).toEqual(['confirmation_used']);

    const dossier = await unwillingDossier(db().pool, worker.id);
    expect(dossier).not.toBeNull();
    expect(dossier!.worker).toMatchObject({ id: worker.id, name: '周八' });
    expect(dossier!.household).toMatchObject({ id: household.id, code: household.code });
    expect(dossier!.serviceContacts.map((c) => c.kind)).toEqual(['JOB_LEAD', 'JOB_LEAD', 'STAFF_CALL']);
    expect(dossier!.confirmations).toHaveLength(1);
    expect(dossier!.confirmations[0]).toMatchObject({
      id: confirmationId,
      status: 'CONFIRMED',
      confirmerType: 'FAMILY',
      confirmerPhone: familyPhone,
      verificationMethod: 'REGISTERED_FAMILY_NUMBER',
    });
    expect((dossier!.confirmations[0]!.evidence as { inboundMessageIds: string[] }).inboundMessageIds).toHaveLength(2);
    expect(dossier!.events).toEqual([expect.objectContaining({ status: 'TEMPORARILY_UNWILLING', confirmationId })]);
    expect(JSON.parse(JSON.stringify(dossier)).familyContacts[0].phone).toBe(familyPhone);

    const csv = await collect((out) => writeDossier(dossier!, 'csv', out));
    const text = csv.toString('utf8');
    expect(text.startsWith('\uFEFF部分,记录编号,字段,内容')).toBe(true);
    expect(text).toContain(`confirmations,${confirmationId},verificationMethod,REGISTERED_FAMILY_NUMBER`);
    expect(text).toContain('events,');
    expect(text).toContain('母亲卧病在床需要照顾');

    const xlsx = await collect((out) => writeDossier(dossier!, 'xlsx', out));
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['劳动力', '家庭', '家庭联系人', '帮扶记录', '确认', '就业记录']);
    expect(book.getWorksheet('帮扶记录')!.rowCount).toBeGreaterThan(3);
  });
});

async function collect(write: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}
