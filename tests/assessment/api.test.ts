/**
 * The subsidy ledger, resettlement sites and county assessment through the staff API and the CLI
 * on the sample ledger: what a county records (an agency, a referral naming it, placements naming
 * an employer) is what the reports answer, inside the caller's scope only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDay, shanghaiMonth } from '../../src/ledger/china-time.js';
import { call, DANFENG, HANYIN, startApiService, tokenFor } from '../api/helpers.js';
import { outreachCli, type TestService } from '../helpers/service.js';

let svc: TestService;
let op: string;
let viewer: string;
let danfeng: string;
let factory: number;
let otherFactory: number;

beforeAll(async () => {
  svc = await startApiService();
  op = await tokenFor(svc, HANYIN, 'OPERATOR', 'assess-op');
  viewer = await tokenFor(svc, HANYIN, 'VIEWER', 'assess-view');
  danfeng = await tokenFor(svc, DANFENG, 'OPERATOR', 'assess-danfeng');
  const { prisma } = svc.running.container.db;
  const region = (code: string) => prisma.region.findUniqueOrThrow({ where: { code } });
  factory = (
    await prisma.employer.create({
      data: { name: '汉阴县新社区工厂', regionId: (await region(HANYIN)).id, type: 'POVERTY_WORKSHOP' },
    })
  ).id;
  otherFactory = (
    await prisma.employer.create({
      data: { name: '丹凤县扶贫车间', regionId: (await region(DANFENG)).id, type: 'POVERTY_WORKSHOP' },
    })
  ).id;
});
afterAll(async () => {
  await svc?.stop();
});

async function hanyinWorkers(n: number): Promise<number[]> {
  const { prisma } = svc.running.container.db;
  const county = await prisma.region.findUniqueOrThrow({ where: { code: HANYIN } });
  const ws = await prisma.worker.findMany({
    where: { countyId: county.id, laborCapacity: { not: 'NONE' } },
    take: n,
    orderBy: { id: 'desc' },
  });
  return ws.map((w) => w.id);
}

describe('subsidies through the API and the CLI', () => {
  it('registers agencies inside the scope only, validated', async () => {
    const made = await call(svc, 'POST', '/api/v1/agencies', {
      token: op,
      json: { name: '汉阴县劳务输出站', creditCode: '91610921ma6yq0001x' },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: '汉阴县劳务输出站', creditCode: '91610921MA6YQ0001X', regionCode: HANYIN });
    expect(
      (await call(svc, 'POST', '/api/v1/agencies', { token: op, json: { name: 'x', creditCode: '123' } })).body.message,
    ).toMatch(/creditCode/);
    expect((await call(svc, 'POST', '/api/v1/agencies', { token: viewer, json: { name: '查看者' } })).status).toBe(403);
    expect((await call(svc, 'POST', '/api/v1/agencies', { token: op, json: { name: 'x', regionCode: DANFENG } })).status).toBe(
      404,
    );
    expect((await call(svc, 'POST', '/api/v1/agencies', { token: op, json: { name: 'x'.repeat(101) } })).status).toBe(400);
    const dan = await call(svc, 'POST', '/api/v1/agencies', { token: danfeng, json: { name: '丹凤县劳务公司' } });
    expect(dan.status).toBe(201);
    const list = await call(svc, 'GET', '/api/v1/agencies', { token: viewer });
    expect(list.body.items.map((a: { name: string }) => a.name)).toEqual(['汉阴县劳务输出站']);
    expect(await outreachCli(svc, ['agency', 'list'], { token: viewer })).toContain('汉阴县劳务输出站 91610921MA6YQ0001X');
  });

  it('a referral names an agency and an employer of the scope; the placement enters the ledger', async () => {
    const [w1, w2] = await hanyinWorkers(2);
    const agencies = (await call(svc, 'GET', '/api/v1/agencies', { token: op })).body.items;
    const agencyId = agencies[0].id;
    const danfengAgency = (await call(svc, 'GET', '/api/v1/agencies', { token: danfeng })).body.items[0].id;
    const refer = (json: object) => call(svc, 'POST', `/api/v1/workers/${w1}/service-contacts`, { token: op, json });
    expect((await refer({ kind: 'JOB_REFERRAL', agencyId: danfengAgency, employerId: factory })).body.message).toMatch(
      /agencyId/,
    );
    expect((await refer({ kind: 'JOB_REFERRAL', agencyId, employerId: otherFactory })).body.message).toMatch(/employerId/);
    expect((await refer({ kind: 'STAFF_CALL', agencyId })).body.message).toMatch(/JOB_REFERRAL/);
    expect((await refer({ kind: 'JOB_REFERRAL', agencyId: 2 ** 31 })).status).toBe(400);
    expect((await refer({ kind: 'JOB_REFERRAL', agencyId, employerId: factory })).status).toBe(201);

    const today = shanghaiDay(new Date());
    const placed = await call(svc, 'POST', `/api/v1/workers/${w1}/events`, {
      token: op,
      json: { status: 'EMPLOYED_LOCAL', effectiveDate: today, employerId: factory },
    });
    expect(placed.status).toBe(201);
    // The employer's name is written on the event when staff name only the record.
    expect(placed.body.worker.events?.[0]?.employer ?? placed.body.worker.current?.employer).toBe('汉阴县新社区工厂');
    await outreachCli(
      svc,
      ['worker', 'event', String(w2), '--status', 'EMPLOYED_LOCAL', '--date', today, '--employer-id', String(factory)],
      {
        token: op,
      },
    );

    const month = shanghaiMonth(new Date());
    const r = await call(svc, 'GET', `/api/v1/reports/subsidies?month=${month}`, { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body.total).toEqual({ referrals: 1, referralYuan: 500, absorptions: 2, absorptionYuan: 1000, totalYuan: 1500 });
    expect(r.body.counties.map((c: { countyCode: string }) => c.countyCode)).toEqual([HANYIN]);
    const page = await call(svc, 'GET', `/api/v1/reports/subsidy-lines?month=${month}&limit=2`, { token: viewer });
    expect(page.body.items.map((l: { kind: string }) => l.kind)).toEqual(['REFERRAL', 'ABSORPTION']);
    const rest = await call(svc, 'GET', `/api/v1/reports/subsidy-lines?month=${month}&limit=2&after=${page.body.next}`, {
      token: viewer,
    });
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.next).toBeNull();
    expect((await call(svc, 'GET', `/api/v1/reports/subsidies?region=${DANFENG}`, { token: viewer })).status).toBe(403);
    const danfengView = await call(svc, 'GET', `/api/v1/reports/subsidies?month=${month}`, { token: danfeng });
    expect(danfengView.body.total.totalYuan).toBe(0);

    const csv = await outreachCli(svc, ['report', 'subsidy-lines', '--region', HANYIN, '--month', month, '--format', 'csv']);
    expect(csv.trimEnd().split('\r\n')).toHaveLength(4);
    expect(csv).toContain('职业介绍补贴,汉阴县劳务输出站,91610921MA6YQ0001X,500');
  });
});

describe('resettlement sites through the API and the CLI', () => {
  it('answers the county’s site and refuses another county', async () => {
    const r = await call(svc, 'GET', '/api/v1/reports/resettlement-sites', { token: viewer });
    expect(r.status).toBe(200);
    expect(
      r.body.sites.map((s: { name: string; households: number; withLabor: number }) => [s.name, s.households, s.withLabor]),
    ).toEqual([['城关镇月河安置小区', 2, 2]]);
    expect((await call(svc, 'GET', `/api/v1/reports/resettlement-sites?region=${DANFENG}`, { token: viewer })).status).toBe(403);
    const dan = await call(svc, 'GET', '/api/v1/reports/resettlement-sites', { token: danfeng });
    expect(dan.body.sites.map((s: { name: string }) => s.name)).toEqual(['棣花镇移民搬迁安置点']);
    const csv = await outreachCli(svc, ['report', 'resettlement-sites', '--region', HANYIN, '--format', 'csv']);
    expect(csv).toContain('城关镇月河安置小区');
  });
});

describe('county assessment through the API and the CLI', () => {
  it('answers the county by township, and the same figures as one CSV sheet', async () => {
    const r = await call(svc, 'GET', '/api/v1/reports/assessment', { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body.scope.code).toBe(HANYIN);
    expect(r.body.year).toBe(new Date().getUTCFullYear());
    expect(r.body.total.workers).toBe(20);
    expect(r.body.groups.map((g: { code: string }) => g.code)).toEqual(['610921100', '610921101']);
    expect(r.body.total.consistencyChecked).toBe(0);
    expect(r.body.total.consistentPercent).toBeNull();
    expect((await call(svc, 'GET', `/api/v1/reports/assessment?region=${DANFENG}`, { token: viewer })).status).toBe(403);
    const csv = await outreachCli(svc, ['report', 'assessment', '--region', HANYIN, '--format', 'csv']);
    const last = csv.trimEnd().split('\r\n').pop()!;
    expect(last.startsWith(`${HANYIN},汉阴县(合计),${r.body.total.zeroOpen},`)).toBe(true);
  });
});
