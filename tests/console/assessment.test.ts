/**
 * 补贴台账, 安置点 and 考核 in a real browser on the sample ledger: the figures the pages show follow
 * what staff record (an agency registered through the form, a referral and placements through the
 * ledger's own paths), the files are the registry's, and another county's region is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistentShare, runConsistencyCheck } from '../../src/consistency/index.js';
import { shanghaiDay, shanghaiMonth } from '../../src/ledger/china-time.js';
import { recordStaffEvent } from '../../src/ledger/worker-record.js';
import type { Staff } from '../../src/staff/scope.js';
import { accessibilityProblems, type ConsoleService, HANYIN, screenshot, signIn, startConsole, text } from './helpers.js';

let c: ConsoleService;
let hanyin: Staff;
let factory: number;
const workersOf = async () => {
  const { prisma } = c.svc.running.container.db;
  const county = await prisma.region.findUniqueOrThrow({ where: { code: HANYIN } });
  return prisma.worker.findMany({
    where: { countyId: county.id, laborCapacity: { not: 'NONE' } },
    take: 3,
    orderBy: { id: 'asc' },
  });
};

beforeAll(async () => {
  c = await startConsole();
  const { prisma } = c.svc.running.container.db;
  const county = await prisma.region.findUniqueOrThrow({ where: { code: HANYIN } });
  hanyin = {
    userId: c.userIds.hanyinOperator,
    username: 'hanyin-op',
    role: 'OPERATOR',
    regionId: county.id,
    regionCode: HANYIN,
    regionLevel: 'COUNTY',
  };
  factory = (await prisma.employer.create({ data: { name: '汉阴县新社区工厂', regionId: county.id, type: 'COMMUNITY_FACTORY' } }))
    .id;
});
afterAll(async () => {
  await c?.stop();
});

describe('subsidy ledger page', () => {
  it('registers an agency, and a referral by it followed by a placement is a line with its records', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/subsidies');
    expect(await text(page.locator('h1'))).toContain('补贴台账');
    expect(await text(page.locator('.empty'))).toContain('本月没有应发补贴');
    await page.fill('#agency-form input[name=name]', '汉阴县劳务输出站');
    await page.fill('#agency-form input[name=creditCode]', '91610921MA6YQ0001X');
    await Promise.all([page.waitForURL('**/console/subsidies#agencies'), page.click('#agency-form button[type=submit]')]);
    expect(await text(page.locator('.flash'))).toContain('已登记机构：汉阴县劳务输出站');
    expect(await text(page.locator('#agency-list'))).toContain('91610921MA6YQ0001X');

    const { prisma } = c.svc.running.container.db;
    const agency = await prisma.serviceAgency.findFirstOrThrow({ where: { name: '汉阴县劳务输出站' } });
    const [a, b] = await workersOf();
    const today = shanghaiDay(new Date());
    // a: referred by the agency to the factory and placed there today, both recorded on the worker's
    // page (referral + absorption); b: hired directly, through the ledger's own path.
    await page.goto(`/console/workers/${a!.id}`);
    await page.selectOption('#service-form select[name=kind]', 'JOB_REFERRAL');
    await page.selectOption('#service-form select[name=agencyId]', String(agency.id));
    await page.selectOption('#service-form select[name=employerId]', String(factory));
    await Promise.all([page.waitForURL(`**/console/workers/${a!.id}`), page.click('#service-form button[type=submit]')]);
    await page.selectOption('#status-form select[name=status]', 'EMPLOYED_LOCAL');
    await page.selectOption('#status-form select[name=employerId]', String(factory));
    await Promise.all([page.waitForURL(`**/console/workers/${a!.id}`), page.click('#status-form button[type=submit]')]);
    const referral = await prisma.serviceContact.findFirstOrThrow({ where: { workerId: a!.id, kind: 'JOB_REFERRAL' } });
    expect(referral).toMatchObject({ agencyId: agency.id, employerId: factory, channel: 'CONSOLE' });
    await recordStaffEvent(
      prisma,
      hanyin,
      b!.id,
      { status: 'EMPLOYED_LOCAL', effectiveDate: today, employerId: factory },
      'CONSOLE',
    );

    await page.goto('/console/subsidies');
    const figures = await text(page.locator('#subsidy-figures'));
    expect(figures).toContain('1,500 元');
    expect(await text(page.locator('#subsidy-counties'))).toMatch(/汉阴县\s*1\s*500\s*2\s*1000\s*1500/);
    const lines = await text(page.locator('#subsidy-lines'));
    expect(lines).toContain('职业介绍补贴');
    expect(lines).toContain(a!.name);
    expect(lines).toContain(b!.name);
    expect(await page.locator('#subsidy-lines tbody tr').count()).toBe(3);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(tab.problems).toEqual([]);
    await screenshot(page, 'subsidies');

    // The XLSX link is the registry's file for this month.
    const month = shanghaiMonth(new Date());
    const href = await page.locator('a[href*="/console/reports/subsidies/download"]').getAttribute('href');
    expect(href).toContain(`month=${month}`);
    const res = await page.request.get(href!);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-disposition']).toContain(`subsidies_${HANYIN}_${month}.xlsx`);
    await tab.context.close();
  });

  it('fits a phone, and another county’s region is refused', async () => {
    const phone = await signIn(c, 'hanyinViewer', { viewport: { width: 390, height: 844 } });
    await phone.page.goto('/console/subsidies');
    expect(await phone.page.locator('#agency-form').count()).toBe(0);
    await screenshot(phone.page, 'subsidies-phone');
    expect(phone.problems).toEqual([]);
    await phone.context.close();
    const other = await signIn(c, 'danfengOperator');
    const res = await other.page.goto(`/console/subsidies?region=${HANYIN}`);
    expect(res?.status()).toBe(403);
    await other.context.close();
  });
});

describe('resettlement sites page', () => {
  it('shows the site’s share, lists the household with nobody employed, and opens a campaign aimed at the site', async () => {
    const { prisma } = c.svc.running.container.db;
    // 黄明华 (the only worker of his relocated household) loses his business: the household has nobody employed.
    const huang = await prisma.worker.findFirstOrThrow({ where: { household: { code: '6109211000020002' } } });
    await recordStaffEvent(
      prisma,
      hanyin,
      huang.id,
      { status: 'UNEMPLOYED', effectiveDate: shanghaiDay(new Date()), reason: '生意停了' },
      'CONSOLE',
    );
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/sites');
    const table = await text(page.locator('#site-table'));
    expect(table).toContain('城关镇月河安置小区');
    expect(table).toMatch(/2\s*2\s*1\s*50\.0%\s*1/);
    expect(await text(page.locator('#site-figures'))).toContain('50.0%');
    const list = await text(page.locator('#site-household-list'));
    expect(list).toContain('6109211000020002');
    expect(list).toContain('黄明华');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'sites');

    // The household links to the ledger; the campaign link opens the builder with the site as audience.
    await page.click('#site-household-list a:has-text("6109211000020002")');
    await page.waitForURL('**/console/ledger/households?q=6109211000020002');
    expect(await text(page.locator('main'))).toContain('黄明华');
    await page.goto('/console/sites');
    await Promise.all([page.waitForURL('**/console/campaigns/new?**'), page.click('#site-table a:has-text("只推送无人就业户")')]);
    expect(await text(page.locator('main'))).toContain('"sites"');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});

describe('assessment page', () => {
  it('shows the four parts of §22 with the consistency share of a real run, per township, and exports one sheet', async () => {
    const { db } = c.svc.running.container;
    const county = await db.prisma.region.findUniqueOrThrow({ where: { code: HANYIN } });
    const run = await runConsistencyCheck(db, { regionId: county.id, trigger: 'staff', taskTitle: '台账逻辑校验' });
    const share = await consistentShare(db, county.id);
    expect(share.checked).toBeGreaterThan(0);
    const tab = await signIn(c, 'hanyinViewer');
    const { page } = tab;
    await page.goto('/console/assessment');
    expect(await text(page.locator('h1'))).toContain(`就业扶贫考核 · 汉阴县 · ${new Date().getUTCFullYear()}`);
    const expected = `${((100 * share.consistent) / share.checked).toFixed(1)}%`;
    expect(await text(page.locator('#assessment-use'))).toContain(expected);
    expect(await text(page.locator('#assessment-use'))).toContain(`${share.consistent} / ${share.checked}`);
    expect(await text(page.locator('#assessment-zero'))).toContain('零就业户在册');
    expect(await text(page.locator('#assessment-away'))).toContain('外出务工人数');
    expect(await page.locator('#assessment-table tbody tr').count()).toBeGreaterThan(0);
    expect(await text(page.locator('#assessment-table'))).toContain('城关镇');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(tab.problems).toEqual([]);
    await screenshot(page, 'assessment');
    const res = await page.request.get(`/console/reports/assessment/download?format=csv&region=${HANYIN}`);
    expect(res.status()).toBe(200);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[lines.length - 1]).toContain('汉阴县(合计)');
    expect(run.checked).toBe(share.checked);
    await tab.context.close();
    const phone = await signIn(c, 'hanyinViewer', { viewport: { width: 390, height: 844 } });
    await phone.page.goto('/console/assessment');
    await screenshot(phone.page, 'assessment-phone');
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });
});
