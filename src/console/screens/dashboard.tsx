/**
 * 工作台: what needs doing today in the region (tasks, confirmations to review, unknown senders)
 * and the region's figures from RegionFigures, each linking to the list behind it. A figure
 * below the program's goal (§13 quotas, weekly freshness, zero-employment cleared) is marked.
 */
import type { FastifyInstance } from 'fastify';
import { countConfirmationsToReview } from '../../ledger/confirmations.js';
import { listInbox } from '../../ledger/inbox.js';
import { taskCounts } from '../../ledger/staff-tasks.js';
import { ctxOf } from '../context.js';
import { regionFigures } from '../figures.js';
import { chinaTime, Figure, percent } from '../ui.js';

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const { prisma, pool } = app.deps.db;

  app.get('/', async (req, reply) => {
    const ctx = ctxOf(req);
    const { t, user } = ctx;
    const staff = user.staff;
    const [tasks, toReview, inbox, running, f] = await Promise.all([
      taskCounts(prisma, staff),
      countConfirmationsToReview(prisma, staff),
      listInbox(pool, { days: 7, limit: 100 }),
      prisma.campaign.count({ where: { status: 'RUNNING', region: { code: { startsWith: staff.regionCode } } } }),
      regionFigures(prisma, pool, staff.regionId),
    ]);
    const bad = t('dashboard.belowGoal');
    return reply.page(
      `${t('dashboard.title')} · ${user.region.name}`,
      <>
        <h2>{t('dashboard.todo')}</h2>
        <ul class="figures" id="todo">
          <Figure label={t('dashboard.openTasks')} value={tasks.open} href="/console/tasks" />
          <Figure
            label={t('dashboard.overdueTasks')}
            value={tasks.overdue}
            href="/console/tasks?view=overdue"
            bad={tasks.overdue > 0}
            badLabel={bad}
          />
          <Figure label={t('dashboard.myTasks')} value={tasks.mine} href="/console/tasks?view=mine" />
          <Figure label={t('dashboard.toReview')} value={toReview} href="/console/confirmations" />
          <Figure label={t('dashboard.inbox')} value={inbox.length >= 100 ? '100+' : inbox.length} href="/console/inbox" />
          <Figure label={t('dashboard.campaignsRunning')} value={running} href="/console/campaigns?status=RUNNING" />
        </ul>
        <h2>
          {t('dashboard.figures')} {f ? <small class="muted">{t('common.asOf', { time: chinaTime(f.computedAt) })}</small> : null}
        </h2>
        {f ? (
          <ul class="figures" id="figures">
            <Figure label={t('dashboard.workers')} value={f.workers} href="/console/ledger" />
            <Figure
              label={t('dashboard.employed')}
              value={f.employed}
              href="/console/ledger?status=EMPLOYED"
              hint={`${t('dashboard.employedRate')} ${percent(f.employed, f.withLabor)}`}
            />
            <Figure label={t('dashboard.unemployed')} value={f.unemployed} href="/console/ledger?status=UNEMPLOYED" />
            <Figure
              label={t('dashboard.zeroHouseholds')}
              value={f.zeroHouseholds}
              href="/console/ledger/households?zero=true"
              bad={f.zeroHouseholds > 0}
              badLabel={bad}
              hint={f.zeroMeanDays === null ? undefined : `${t('dashboard.zeroDays')} ${f.zeroMeanDays.toFixed(0)}`}
            />
            <Figure
              label={t('dashboard.stale')}
              value={f.stale}
              href="/console/ledger?stale=true"
              bad={f.stale > 0}
              badLabel={bad}
              hint={`${t('dashboard.staleShare')} ${percent(f.stale, f.workers)}`}
            />
            <Figure
              label={t('dashboard.willingShort')}
              value={f.willingWorkers - f.willingServed}
              href="/console/reports/quota"
              bad={f.willingWorkers > f.willingServed}
              badLabel={bad}
            />
            <Figure
              label={t('dashboard.zeroShort')}
              value={f.zeroHouseholds - f.zeroServed}
              href="/console/reports/quota"
              bad={f.zeroHouseholds > f.zeroServed}
              badLabel={bad}
            />
          </ul>
        ) : (
          <p class="empty">{t('dashboard.noFigures')}</p>
        )}
      </>,
    );
  });
}
