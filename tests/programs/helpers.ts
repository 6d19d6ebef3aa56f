/** Shared set-up for the program tests: the service with its simulators, and ledger rows they need. */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/database.js';
import type { PlanDeps } from '../../src/programs/zero-employment-plan.js';
import { bullName, QueueName } from '../../src/queues/names.js';
import { enqueueSends } from '../../src/queues/queues.js';
import { startFlowService } from '../flows/helpers.js';
import type { TestService } from '../helpers/service.js';

/**
 * The whole service (no send-rate limits), with the programs worker paused: the tests run the
 * routines themselves at chosen times, and the schedule must not take a step in between.
 */
export async function startProgramsService() {
  const started = await startFlowService();
  const programs = started.svc.running.workers!.all.find((w) => w.name === bullName(QueueName.programs));
  if (!programs) throw new Error('no programs worker');
  await programs.pause();
  return started;
}

/** What the routines take, from the running service's container. */
export function serviceDeps(svc: TestService) {
  const c = svc.running.container;
  return {
    db: c.db,
    texts: c.texts,
    config: c.config,
    enqueue: (rows: Array<{ id: bigint; channel: 'SMS' | 'VOICE' | 'TELEGRAM' | 'API' | 'CLI' | 'IMPORT' }>) =>
      enqueueSends(c.queues, rows),
  };
}

export function planDeps(svc: TestService, stepDays = 3): PlanDeps {
  return { ...serviceDeps(svc), stepDays, taskDueDays: 7 };
}

/** Another worker in an existing household (same region chain). */
export async function addHouseholdWorker(
  db: Db,
  householdId: number,
  extra: { phone?: string | null; name?: string; birthYear?: number } = {},
) {
  const h = await db.prisma.household.findUniqueOrThrow({ where: { id: householdId } });
  return db.prisma.worker.create({
    data: {
      householdId,
      villageId: h.villageId,
      townshipId: h.townshipId,
      countyId: h.countyId,
      cityId: h.cityId,
      provinceId: h.provinceId,
      name: extra.name ?? '家庭成员',
      idHash: `test-${randomBytes(6).toString('hex')}`,
      idLast4: '0000',
      phone: extra.phone ?? null,
      birthYear: extra.birthYear ?? null,
    },
  });
}
