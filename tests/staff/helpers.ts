/** The staff workflows end to end: the service on real HTTP with the simulators and the sample ledger. */
import { expect } from 'vitest';
import { importLedgerFile } from '../../src/import/import-ledger.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { call, SAMPLE_CSV } from '../api/helpers.js';
import { SERVICE_NUMBER } from '../flows/helpers.js';
import { startTestService, type TestService } from '../helpers/service.js';

export { call, DANFENG, HANYIN, tokenFor } from '../api/helpers.js';
export { SERVICE_NUMBER, sms } from '../flows/helpers.js';

/** 张德明 of 五一村, 汉阴县: a worker of the sample ledger with a phone. */
export const ZHANG = { phone: '+8613891501234', name: '张德明' };

/** Service, Twilio simulator and the sample ledger (汉阴县 and 丹凤县), no send-rate limits. */
export async function startStaffService(env: Record<string, string> = {}): Promise<{ svc: TestService; sim: TwilioSimulator }> {
  const svc = await startTestService({ SMS_RATE_PER_SECOND: '0', TELEGRAM_CHAT_RATE_PER_SECOND: '0', ...env });
  const { db, idHashKey } = svc.running.container;
  await importLedgerFile(db, SAMPLE_CSV, { idHashKey });
  const sim = svc.running.container.providers.simulators!.twilio;
  sim.configure({ statusCallbackDelays: 5 });
  return { svc, sim };
}

/** The id of the sample ledger's worker with this phone. */
export async function workerIdByPhone(svc: TestService, phone: string): Promise<number> {
  const w = await svc.running.container.db.prisma.worker.findFirstOrThrow({ where: { phone }, select: { id: true } });
  return w.id;
}

/** Texts the service and waits until the message is handled (whether or not it answers). */
export async function textAndWait(svc: TestService, sim: TwilioSimulator, from: string, body: string): Promise<void> {
  const { messageSid } = await sim.sendInbound({ from, to: SERVICE_NUMBER, body });
  await expect
    .poll(
      async () =>
        (
          await svc.running.container.db.prisma.inboundMessage.findFirst({
            where: { providerId: messageSid },
            select: { handledAt: true },
          })
        )?.handledAt ?? null,
      { timeout: 10_000 },
    )
    .not.toBeNull();
}

/** GET a JSON list route and return its items. */
export async function items(svc: TestService, token: string, path: string) {
  const r = await call(svc, 'GET', path, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.items as Array<Record<string, unknown> & { id: number | string }>;
}
