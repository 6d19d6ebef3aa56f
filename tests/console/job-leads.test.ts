/**
 * 岗位 in a real browser: a lead added through the form, listed, the workers who said 有意向 on
 * its page with their village, taken down; a viewer cannot take it down; another county's lead
 * reads as missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordJobInterest } from '../../src/ledger/job-leads.js';
import { accessibilityProblems, type ConsoleService, HANYIN, screenshot, signIn, startConsole, text } from './helpers.js';

let c: ConsoleService;

beforeAll(async () => {
  c = await startConsole();
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

describe('console job leads', () => {
  it('adds a lead, lists it, shows who is interested and where they live, and takes it down', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/job-leads');
    await Promise.all([page.waitForURL('**/job-leads/new'), page.click('a[href="/console/job-leads/new"]')]);
    await page.fill('input[name=title]', '电子厂普工');
    await page.fill('input[name=employer]', '苏州某电子有限公司');
    await page.fill('input[name=place]', '江苏省苏州市');
    await page.fill('input[name=wageMin]', '4500');
    await page.fill('input[name=wageMax]', '6000');
    await page.fill('input[name=slots]', '30');
    await page.fill('input[name=skills]', '普工，电焊');
    await page.check('input[name=outOfProvince]');
    await page.fill('input[name=partnerCity]', '苏州');
    expect(await accessibilityProblems(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/console\/job-leads\/\d+$/), page.click('button:has-text("保存岗位")')]);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    expect(await text(page.locator('#lead-facts'))).toContain('4500–6000');
    expect(await text(page.locator('#lead-facts'))).toContain('普工、电焊');

    // Two Hanyin workers said 有意向 (as the conversation records it).
    const { prisma, pool } = c.svc.running.container.db;
    const county = await prisma.region.findFirstOrThrow({ where: { code: HANYIN } });
    const workers = await prisma.worker.findMany({
      where: { countyId: county.id },
      orderBy: { id: 'asc' },
      take: 2,
    });
    const village = await prisma.region.findUniqueOrThrow({ where: { id: workers[0]!.villageId } });
    for (const w of workers) await recordJobInterest(pool, { workerId: w.id, jobLeadId: id, channel: 'SMS' });
    await page.reload();
    const rows = page.locator('#interests tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await text(page.locator('#interests'))).toContain(workers[0]!.name);
    expect(await text(page.locator('#interests'))).toContain(village.name);
    expect(await page.locator(`#interests a[href="/console/workers/${workers[0]!.id}"]`).count()).toBe(1);
    expect(await text(page.locator('h2'))).toContain('2 人');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'job-lead');

    await page.goto('/console/job-leads?status=OPEN');
    const row = page.locator('#job-leads tbody tr', { hasText: '电子厂普工' });
    expect(await row.count()).toBe(1);
    expect(await text(row.locator('td.num').nth(2))).toBe('2');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'job-leads');

    // From the lead, a job-lead campaign of this lead only.
    await page.goto(`/console/job-leads/${id}`);
    await Promise.all([page.waitForURL('**/campaigns/new?**'), page.click('#push-lead')]);
    expect(await page.locator('select[name=kind]').inputValue()).toBe('JOB_LEADS');
    expect(await text(page.locator('#only-leads'))).toContain(`#${id}`);
    await page.locator('#recipient-count').waitFor();

    await page.goto(`/console/job-leads/${id}`);
    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForURL(`**/job-leads/${id}`), page.click('button:has-text("下架")')]);
    expect(await text(page.locator('#lead-facts .badge'))).toBe('已过期');
    await page.goto('/console/job-leads?status=OPEN');
    expect(await page.locator('#job-leads tbody tr', { hasText: '电子厂普工' }).count()).toBe(0);
    await page.goto('/console/job-leads?status=EXPIRED');
    expect(await page.locator('#job-leads tbody tr', { hasText: '电子厂普工' }).count()).toBe(1);
    const audit = await prisma.auditLog.findMany({ where: { entity: 'JobLead', entityId: String(id) }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['job_lead.create', 'job_lead.expire']);
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  }, 30_000);

  it('keeps the form filled in and names the field when a value is refused', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/job-leads/new');
    await page.fill('input[name=title]', '保洁员');
    await page.fill('input[name=employer]', '城关镇物业');
    await page.fill('input[name=place]', '汉阴县城关镇');
    await page.fill('input[name=wageMin]', '3000');
    await page.fill('input[name=wageMax]', '2000');
    await page.click('button:has-text("保存岗位")');
    expect(await text(page.locator('.flash.error'))).toContain('月薪上限');
    expect(await page.locator('input[name=title]').inputValue()).toBe('保洁员');
    await tab.context.close();
  });

  it('lets a viewer read a lead but not take it down, and hides it from another county', async () => {
    const { pool, prisma } = c.svc.running.container.db;
    const county = await prisma.region.findFirstOrThrow({ where: { code: HANYIN } });
    const { createJobLead } = await import('../../src/ledger/job-leads.js');
    const id = await createJobLead(pool, {
      regionId: county.id,
      createdById: null,
      title: '县内保安',
      employer: '汉阴县保安公司',
      place: '汉阴县',
    });
    const viewer = await signIn(c, 'hanyinViewer');
    await viewer.page.goto(`/console/job-leads/${id}`);
    await viewer.page.locator('#lead-facts').waitFor();
    expect(await viewer.page.locator('button:has-text("下架")').count()).toBe(0);
    expect(await viewer.page.locator('a[href="/console/job-leads/new"]').count()).toBe(0);
    const status = await viewer.page.evaluate(async (leadId) => {
      const token = JSON.parse(document.body.getAttribute('hx-headers') ?? '{}')['x-csrf-token'];
      const r = await fetch(`/console/job-leads/${leadId}/expire`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token }),
      });
      return r.status;
    }, id);
    expect(status).toBe(403);
    expect((await prisma.jobLead.findUniqueOrThrow({ where: { id } })).status).toBe('OPEN');
    await viewer.context.close();

    const other = await signIn(c, 'danfengOperator');
    const res = await other.page.goto(`/console/job-leads/${id}`);
    expect(res?.status()).toBe(404);
    await other.page.goto('/console/job-leads');
    expect(await other.page.locator('main', { hasText: '县内保安' }).count()).toBe(0);
    await other.context.close();
  });
});
