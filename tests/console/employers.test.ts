/**
 * 企业 in a real browser: a key employer added through the form (the credit code's check
 * character checked, the form kept filled in when refused), listed, changed and removed; a
 * viewer reads only; another county's employer reads as missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCode } from '../employers/helpers.js';
import { accessibilityProblems, type ConsoleService, screenshot, signIn, startConsole, text } from './helpers.js';

let c: ConsoleService;

beforeAll(async () => {
  c = await startConsole();
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

describe('console key employers', () => {
  it('adds an employer, refuses a wrong code keeping the form, changes and removes it', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/employers');
    await Promise.all([page.waitForURL('**/employers/new'), page.click('a[href="/console/employers/new"]')]);
    await page.fill('input[name=name]', '汉阴县城关镇社区工厂');
    await page.fill('input[name=creditCode]', `${creditCode(11).slice(0, 17)}${creditCode(11).endsWith('0') ? '1' : '0'}`);
    await page.selectOption('select[name=type]', 'COMMUNITY_FACTORY');
    await page.selectOption('select[name=townshipCode]', { label: '城关镇' });
    await page.fill('input[name=contactName]', '王经理');
    await page.fill('input[name=phone]', '13892500011');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.click('button:has-text("保存企业")');
    expect(await text(page.locator('.flash.error'))).toContain('统一社会信用代码');
    expect(await page.locator('input[name=name]').inputValue()).toBe('汉阴县城关镇社区工厂');
    // The refusal is a 400 page, which the browser logs: expected here, and only here.
    expect(tab.problems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    tab.problems.length = 0;
    await page.fill('input[name=creditCode]', creditCode(11).toLowerCase());
    await Promise.all([page.waitForURL(/\/console\/employers\/\d+$/), page.click('button:has-text("保存企业")')]);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const facts = await text(page.locator('#employer-facts'));
    expect(facts).toContain(creditCode(11));
    expect(facts).toContain('社区工厂');
    expect(facts).toContain('13892500011');
    await screenshot(page, 'employer');

    await page.goto('/console/employers');
    expect(await page.locator('#employers tbody tr', { hasText: '汉阴县城关镇社区工厂' }).count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'employers');

    await page.goto(`/console/employers/${id}/edit`);
    await page.selectOption('select[name=type]', 'EXPORT_FIRM');
    await Promise.all([page.waitForURL(`**/employers/${id}`), page.click('button:has-text("保存")')]);
    expect(await text(page.locator('#employer-facts'))).toContain('外贸型企业');

    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForURL(`**/employers/${id}`), page.click('button:has-text("停止监测")')]);
    expect(await text(page.locator('#employer-facts'))).toContain('停止监测');
    await page.goto('/console/employers');
    expect(await page.locator('#employers tbody tr', { hasText: '汉阴县城关镇社区工厂' }).count()).toBe(0);
    const audit = await c.svc.running.container.db.prisma.auditLog.findMany({
      where: { entity: 'Employer', entityId: String(id) },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['employer.create', 'employer.update', 'employer.remove']);
    expect(audit[0]!.details).toMatchObject({ via: 'CONSOLE' });
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  }, 60_000);

  it('lets a viewer read an employer but not change it, and hides it from another county', async () => {
    const op = await signIn(c, 'hanyinOperator');
    await op.page.goto('/console/employers/new');
    await op.page.fill('input[name=name]', '涧池镇扶贫车间');
    await op.page.fill('input[name=creditCode]', creditCode(12));
    await op.page.selectOption('select[name=townshipCode]', { label: '涧池镇' });
    await Promise.all([op.page.waitForURL(/\/console\/employers\/\d+$/), op.page.click('button:has-text("保存企业")')]);
    const id = Number(new URL(op.page.url()).pathname.split('/').pop());
    await op.context.close();

    const viewer = await signIn(c, 'hanyinViewer');
    await viewer.page.goto(`/console/employers/${id}`);
    await viewer.page.locator('#employer-facts').waitFor();
    expect(await viewer.page.locator('button:has-text("停止监测")').count()).toBe(0);
    expect(await viewer.page.locator('a[href="/console/employers/new"]').count()).toBe(0);
    expect((await viewer.page.goto('/console/employers/new'))?.status()).toBe(403);
    await viewer.context.close();

    const other = await signIn(c, 'danfengOperator');
    expect((await other.page.goto(`/console/employers/${id}`))?.status()).toBe(404);
    await other.context.close();
  }, 60_000);
});
