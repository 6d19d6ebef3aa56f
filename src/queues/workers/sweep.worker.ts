/**
 * Re-queues ledger rows whose queue job was lost: a message recorded while Redis refused the job,
 * or a Redis that lost its data. Runs every minute; job ids are the row ids, so a row whose job
 * still exists is not queued twice, and the handlers are idempotent anyway. It also completes or
 * re-plans running campaigns, recovers delivery reports whose callback was lost, and brings
 * confirmation requests nobody answered to a clear state (expired, interrupted).
 */
import { Worker } from 'bullmq';
import { ensureDefaultCampaigns } from '../../campaigns/defaults.js';
import { completeIfDone, planDispatch } from '../../campaigns/dispatch.js';
import type { Channel } from '../../generated/prisma/enums.js';
import { settleConfirmations } from '../../ledger/confirmations.js';
import { checkOverdueReports } from '../../outbound/delivery-check.js';
import { enqueueInbound, enqueueSends } from '../../queues/queues.js';
import { bullName, QueueName } from '../names.js';
import type { Queues } from '../queues.js';
import type { WorkerDeps } from './deps.js';

/** Rows younger than this are left alone: their job is most likely on its way. */
const GRACE = '1 minute';
const LIMIT = 5000;

/** Unhandled messages older than $1 (an interval), oldest first, at most $2: read off InboundMessage_unhandled_idx. */
export const UNHANDLED_INBOUND_SQL = `SELECT id FROM "InboundMessage" WHERE "handledAt" IS NULL AND "receivedAt" < now() - $1::interval
   ORDER BY id LIMIT $2`;

export async function sweep(
  deps: Pick<WorkerDeps, 'db' | 'queues' | 'config' | 'logger' | 'providers'>,
): Promise<{ inbound: number; outbound: number; campaigns: number; reports: number; confirmations: number }> {
  const inbound = await deps.db.pool.query<{ id: string }>(UNHANDLED_INBOUND_SQL, [GRACE, LIMIT]);
  await enqueueInbound(
    deps.queues,
    inbound.rows.map((r) => r.id),
  );
  // Only replies, flow messages, codes and survey texts: broadcast rows are queued by their campaign's dispatcher.
  const outbound = await deps.db.pool.query<{ id: string; channel: Channel }>(
    `SELECT id, channel FROM "OutboundMessage"
      WHERE status = 'QUEUED' AND kind IN ('REPLY', 'FLOW', 'OTP', 'SURVEY') AND "queuedAt" < now() - $1::interval
      ORDER BY id LIMIT $2`,
    [GRACE, LIMIT],
  );
  if (outbound.rows.length) {
    await enqueueSends(
      deps.queues,
      outbound.rows.map((r) => ({ id: BigInt(r.id), channel: r.channel })),
    );
  }
  const campaigns = await sweepCampaigns(deps);
  const reports = await checkOverdueReports({
    db: deps.db,
    logger: deps.logger,
    adapters: deps.providers.adapters,
    afterMs: deps.config.DELIVERY_CHECK_AFTER_MS,
  });
  const settled = await settleConfirmations(deps.db.pool);
  return {
    inbound: inbound.rows.length,
    outbound: outbound.rows.length,
    campaigns,
    reports: reports.settled,
    confirmations: settled.expired + settled.interrupted,
  };
}

/**
 * Running campaigns: those with every slice done and nothing left QUEUED are completed (flow
 * messages finish in the send queues, after their slice); those with slices not done while no
 * slice job exists at all (Redis lost them) are planned again. Returns how many were planned again.
 */
async function sweepCampaigns(deps: Pick<WorkerDeps, 'db' | 'queues' | 'config'>): Promise<number> {
  const running = await deps.db.pool.query<{ id: number; generation: number }>(
    `SELECT id, generation FROM "Campaign" WHERE status = 'RUNNING'`,
  );
  let planned = 0;
  // Provinces imported since the last sweep get their weekly check-in.
  await ensureDefaultCampaigns(deps);
  for (const c of running.rows) {
    if (await completeIfDone(deps.db, c.id)) continue;
    const counts = await deps.queues.dispatch.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).some((n) => n > 0)) continue;
    planned += (await planDispatch(deps, c.id, c.generation)) > 0 ? 1 : 0;
  }
  return planned;
}

export function scheduleSweep(queues: Queues) {
  return queues.sweep.upsertJobScheduler('sweep-every-minute', { every: 60_000 }, { name: 'sweep', data: {} });
}

export function createSweepWorker(deps: WorkerDeps): Worker {
  return new Worker(bullName(QueueName.sweep), () => sweep(deps), {
    connection: deps.workerConnection(),
    prefix: deps.config.REDIS_PREFIX,
    concurrency: 1,
    autorun: false,
  });
}
