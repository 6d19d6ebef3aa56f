/**
 * The consistency check over the staff API and the CLI, on the constructed ledger: a check asked
 * for runs on the programs queue; the overview, the findings per village with their rule and the
 * village tasks follow; another county's findings and runs are invisible (404) and its region out
 * of reach (403); viewers read only; hostile input answers 4xx, never 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSISTENCY_TASK_KIND } from '../../src/consistency/index.js';
import { runRoutine } from '../../src/programs/routines.js';
import { call, tokenFor } from '../api/helpers.js';
import { outreachCli, startTestService, type TestService } from '../helpers/service.js';
import { buildLedger, COUNTY_A, COUNTY_B, type ConstructedLedger, VILLAGE_A1, VILLAGE_A2 } from './ledger.js';

let svc: TestService;
let L: ConstructedLedger;
let opA: string;
let viewerA: string;
let opB: string;

/** Waits until the run has left the queue (the programs worker ran it). */
async function finished(token: string, id: number) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await call(svc, 'GET', `/api/v1/consistency/runs/${id}`, { token });
    if (r.body.status === 'finished' || r.body.status === 'failed' || Date.now() > deadline) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
}

beforeAll(async () => {
  svc = await startTestService();
  L = await buildLedger(svc.running.container.db);
  opA = await tokenFor(svc, COUNTY_A, 'OPERATOR', 'cons-op-a');
  viewerA = await tokenFor(svc, COUNTY_A, 'VIEWER', 'cons-view-a');
  opB = await tokenFor(svc, COUNTY_B, 'OPERATOR', 'cons-op-b');
});
afterAll(async () => {
  await svc?.stop();
});

describe('consistency over the API', () => {
  it('a check asked for runs on the programs queue; overview, findings per village, tasks and the audit follow', async () => {
    const before = await call(svc, 'GET', '/api/v1/consistency', { token: opA });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ open: 0, lastRun: null, share: { checked: 0, share: null } });

    const queued = await call(svc, 'POST', '/api/v1/consistency/runs', { token: opA, json: {} });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({
      status: expect.stringMatching(/queued|running|finished/),
      trigger: 'staff',
      region: { code: COUNTY_A },
    });
    const run = await finished(opA, queued.body.id);
    expect(run).toMatchObject({ status: 'finished', checked: 23, found: 6, opened: 6, tasksOpened: 2 });

    const o = await call(svc, 'GET', '/api/v1/consistency', { token: opA });
    expect(o.body).toMatchObject({ open: 6, lastRun: { id: run.id }, share: { checked: 23, consistent: 17 } });
    expect(
      o.body.villages.map((v: { village: { code: string }; open: number; byRule: object }) => [v.village.code, v.open, v.byRule]),
    ).toEqual([
      [VILLAGE_A1, 2, { employed_without_employer: 1, unwilling_without_evidence: 1 }],
      [
        VILLAGE_A2,
        4,
        { household_counts: 1, returnee_working_away: 1, status_older_than_answer: 1, family_contact_is_worker: 1 },
      ],
    ]);

    const a2 = await call(svc, 'GET', `/api/v1/consistency/findings?regionCode=${VILLAGE_A2}`, { token: viewerA });
    expect(a2.status).toBe(200);
    expect(
      a2.body.items.map((f: { rule: string; entity: string; entityId: number }) => [f.rule, f.entity, f.entityId]).sort(),
    ).toEqual(
      [
        ['family_contact_is_worker', 'FamilyContact', L.broken.family_contact_is_worker],
        ['household_counts', 'Household', L.broken.household_counts],
        ['returnee_working_away', 'Worker', L.broken.returnee_working_away],
        ['status_older_than_answer', 'Worker', L.broken.status_older_than_answer],
      ].sort(),
    );
    const byRule = await call(svc, 'GET', '/api/v1/consistency/findings?rule=household_counts', { token: opA });
    expect(byRule.body.items).toHaveLength(1);
    expect(byRule.body.items[0]).toMatchObject({
      worker: null,
      household: { id: L.broken.household_counts },
      village: { code: VILLAGE_A2 },
    });
    // Paged: one at a time, the cursor carries on.
    const p1 = await call(svc, 'GET', '/api/v1/consistency/findings?limit=4', { token: opA });
    const p2 = await call(svc, 'GET', `/api/v1/consistency/findings?limit=4&cursor=${p1.body.nextCursor}`, { token: opA });
    expect(p1.body.items).toHaveLength(4);
    expect(p2.body.items).toHaveLength(2);
    expect(p2.body.nextCursor).toBeNull();

    const tasks = await call(svc, 'GET', `/api/v1/tasks?kind=${CONSISTENCY_TASK_KIND}&status=OPEN`, { token: opA });
    expect(tasks.body.items.map((t: { region: { code: string } }) => t.region.code).sort()).toEqual([VILLAGE_A1, VILLAGE_A2]);
    expect(tasks.body.items[0].title).toContain('一致性');

    const audit = await svc.running.container.db.prisma.auditLog.findMany({ where: { action: 'consistency.run' } });
    expect(audit).toEqual([
      expect.objectContaining({ entity: 'ConsistencyRun', entityId: String(run.id), regionId: L.regions[COUNTY_A] }),
    ]);

    // Asked again: the same findings, no second task per village.
    const again = await finished(
      opA,
      (await call(svc, 'POST', '/api/v1/consistency/runs', { token: opA, json: { regionCode: COUNTY_A } })).body.id,
    );
    expect(again).toMatchObject({ status: 'finished', found: 6, opened: 0, tasksOpened: 0 });
    const tasks2 = await call(svc, 'GET', `/api/v1/tasks?kind=${CONSISTENCY_TASK_KIND}`, { token: opA });
    expect(tasks2.body.items).toHaveLength(2);
  });

  it('another county sees none of it: its findings and runs are 404, its region 403', async () => {
    const mine = await call(svc, 'GET', '/api/v1/consistency/findings?state=all', { token: opA });
    const runs = await call(svc, 'GET', '/api/v1/consistency/runs', { token: opA });
    expect(mine.body.items.length).toBeGreaterThan(0);
    for (const f of mine.body.items) {
      expect((await call(svc, 'GET', `/api/v1/consistency/findings/${f.id}`, { token: opB })).status).toBe(404);
      expect((await call(svc, 'GET', `/api/v1/consistency/findings/${f.id}`, { token: viewerA })).status).toBe(200);
    }
    expect((await call(svc, 'GET', `/api/v1/consistency/runs/${runs.body.items[0].id}`, { token: opB })).status).toBe(404);
    expect((await call(svc, 'GET', `/api/v1/consistency?regionCode=${COUNTY_A}`, { token: opB })).status).toBe(403);
    expect((await call(svc, 'GET', `/api/v1/consistency/findings?regionCode=${VILLAGE_A1}`, { token: opB })).status).toBe(403);
    expect((await call(svc, 'POST', '/api/v1/consistency/runs', { token: opB, json: { regionCode: COUNTY_A } })).status).toBe(
      403,
    );
    const b = await call(svc, 'GET', '/api/v1/consistency', { token: opB });
    expect(b.body).toMatchObject({ open: 0, villages: [], lastRun: null });
    expect((await call(svc, 'GET', '/api/v1/consistency/runs', { token: opB })).body.items).toEqual([]);
    const tasks = await call(svc, 'GET', `/api/v1/tasks?kind=${CONSISTENCY_TASK_KIND}`, { token: opB });
    expect(tasks.body.items).toEqual([]);

    // B's own check finds B's record only.
    const run = await finished(opB, (await call(svc, 'POST', '/api/v1/consistency/runs', { token: opB, json: {} })).body.id);
    expect(run).toMatchObject({ status: 'finished', checked: 2, found: 1 });
    const bf = await call(svc, 'GET', '/api/v1/consistency/findings', { token: opB });
    expect(bf.body.items.map((f: { entityId: number }) => f.entityId)).toEqual([L.broken.otherCounty]);
    expect((await call(svc, 'GET', `/api/v1/consistency/findings/${bf.body.items[0].id}`, { token: opA })).status).toBe(404);
  });

  it('the nightly routine: a job scheduler in China time; a run over every province that duplicates no village task', async () => {
    const schedulers = await svc.running.container.queues.programs.getJobSchedulers();
    expect(schedulers.find((j) => j.key === 'program-consistency-check')).toMatchObject({
      pattern: '30 2 * * *',
      tz: 'Asia/Shanghai',
    });
    const r = await runRoutine(svc.running.container, 'consistency-check');
    expect(r).toMatchObject({ regions: 1, checked: 25, found: 7 });
    const runs = await call(svc, 'GET', '/api/v1/consistency/runs', { token: opA });
    expect(runs.body.items[0]).toMatchObject({ trigger: 'nightly', status: 'finished', region: { code: '61' } });
    const tasks = await call(svc, 'GET', `/api/v1/tasks?kind=${CONSISTENCY_TASK_KIND}&status=OPEN`, { token: opA });
    expect(tasks.body.items).toHaveLength(2);
    // The county's overview counts the nightly province run as its last.
    expect((await call(svc, 'GET', '/api/v1/consistency', { token: opA })).body.lastRun).toMatchObject({ trigger: 'nightly' });
  });

  it('viewers read only', async () => {
    const r = await call(svc, 'POST', '/api/v1/consistency/runs', { token: viewerA, json: {} });
    expect(r.status).toBe(403);
    expect((await call(svc, 'GET', '/api/v1/consistency', { token: viewerA })).status).toBe(200);
  });

  it('hostile input answers 4xx naming the field, never 5xx', async () => {
    const bad: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/consistency/findings/99999999999'],
      ['GET', '/api/v1/consistency/findings/0'],
      ['GET', '/api/v1/consistency/findings/abc'],
      ['GET', '/api/v1/consistency/runs/2147483648'],
      ['GET', '/api/v1/consistency/findings?cursor=99999999999'],
      ['GET', '/api/v1/consistency/findings?limit=100000'],
      ['GET', '/api/v1/consistency/findings?rule=drop%20table'],
      ['GET', '/api/v1/consistency/findings?state=closed'],
      ['GET', '/api/v1/consistency?regionCode=61%00'],
      ['GET', `/api/v1/consistency?regionCode=${'6'.repeat(5000)}`],
      ['GET', '/api/v1/consistency?regionCode=abc'],
      ['GET', '/api/v1/consistency?regionCode=999999'],
      ['POST', '/api/v1/consistency/runs', { regionCode: 610921 }],
      ['POST', '/api/v1/consistency/runs', { regionCode: '6109\u0000' }],
      ['POST', '/api/v1/consistency/runs', { regionCode: COUNTY_A, extra: 1 }],
      ['POST', '/api/v1/consistency/runs', 'not json'],
    ];
    for (const [method, path, json] of bad) {
      const r = await call(svc, method, path, { token: opA, json });
      expect(r.status, `${method} ${path} ${JSON.stringify(json)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${method} ${path}`).toBeLessThan(500);
      expect(r.body.message, path).toBeTruthy();
    }
    expect((await call(svc, 'GET', '/api/v1/consistency')).status).toBe(401);
  });

  it('the CLI: run and wait, the overview, findings of a village by rule', async () => {
    const ran = await outreachCli(svc, ['consistency', 'run', '--region', COUNTY_A, '--wait'], { token: opA });
    expect(ran).toMatch(/^#\d+ finished staff 汉阴县 \(610921\).*checked 23 · open 6/);
    const shown = await outreachCli(svc, ['consistency', 'show'], { token: viewerA });
    expect(shown).toContain('汉阴县 (610921): 73.9% consistent (17/23)');
    expect(shown).toContain(`${VILLAGE_A2} 城关镇太平村\t4`);
    const listed = await outreachCli(
      svc,
      ['consistency', 'findings', '--region', VILLAGE_A1, '--rule', 'employed_without_employer'],
      {
        token: viewerA,
      },
    );
    expect(listed.trim().split('\n')).toEqual([
      expect.stringContaining(`employed_without_employer\tWorker ${L.broken.employed_without_employer}`),
    ]);
    // The nightly routine by hand, from the server's shell.
    expect(await outreachCli(svc, ['programs', 'run', 'consistency-check', '--county', COUNTY_B])).toContain(
      '1 regions checked: 2 records, 1 findings open',
    );
    await expect(outreachCli(svc, ['consistency', 'run'], { token: viewerA })).rejects.toMatchObject({
      stderr: expect.stringContaining('403'),
    });
    await expect(outreachCli(svc, ['consistency', 'findings', '--rule', 'nonsense'], { token: viewerA })).rejects.toMatchObject({
      stderr: expect.stringContaining('--rule: expected one of'),
    });
    // Seven commands, each a Node process of its own: seconds apiece on a busy machine.
  }, 240_000);
});
