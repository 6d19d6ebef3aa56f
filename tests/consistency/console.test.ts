/**
 * 一致性 in a real browser: a viewer sees the page without the button; an operator checks the
 * county, the findings appear per village with the rule each breaks, filter by rule and village,
 * link to the record; another county's operator sees none of it. Screenshots on a desktop and a
 * phone width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityProblems,
  type ConsoleService,
  HANYIN,
  screenshot,
  signIn,
  startConsole,
  text,
} from '../console/helpers.js';
import { buildLedger, type ConstructedLedger } from './ledger.js';

let c: ConsoleService;
let L: ConstructedLedger;

beforeAll(async () => {
  c = await startConsole();
  L = await buildLedger(c.svc.running.container.db);
}, 120_000);
afterAll(async () => {
  await c?.stop();
});

/** Waits until no check of the region is queued or running (the programs worker ran it). */
async function runsDone(): Promise<void> {
  const { pool } = c.svc.running.container.db;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await pool.query(`SELECT count(*)::int AS n FROM "ConsistencyRun" WHERE status IN ('queued', 'running')`);
    if (r.rows[0].n === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('the check did not finish');
}

describe('console consistency', () => {
  it('a viewer reads the page without the button', async () => {
    const tab = await signIn(c, 'hanyinViewer');
    await tab.page.goto('/console/consistency');
    expect(await text(tab.page.locator('#consistency-figures'))).toContain('尚未检查');
    expect(await tab.page.locator('button:has-text("立即检查本区域")').count()).toBe(0);
    expect(await tab.page.locator('nav.main-nav a[href="/console/consistency"]').getAttribute('aria-current')).toBe('page');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('an operator checks the county; findings per village with their rule, filters, links; screenshots', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/consistency');
    await Promise.all([page.waitForURL('**/console/consistency'), page.click('button:has-text("立即检查本区域")')]);
    expect(await text(page.locator('.flash'))).toMatch(/已开始第\d+次检查/);
    await runsDone();
    await page.reload();

    const villages = await text(page.locator('#villages'));
    expect(villages).toContain('五一村');
    expect(villages).toContain('太平村');
    const findings = page.locator('#findings');
    for (const label of [
      '就业无单位或地点',
      '暂无就业意愿缺佐证',
      '户劳动力人数不符',
      '回流人员仍记外出务工',
      '状态早于最近答复',
      '家庭联系人是他户劳动力',
    ]) {
      expect(await text(findings)).toContain(label);
    }
    expect(await page.locator(`#findings a[href="/console/workers/${L.broken.returnee_working_away}"]`).count()).toBe(1);
    expect(await text(page.locator('#consistency-figures'))).toMatch(/\d+\.\d%/);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'consistency');

    // One rule.
    await page.selectOption('select[name=rule]', 'household_counts');
    await Promise.all([page.waitForURL(/rule=household_counts/), page.click('form.filters button[type=submit]')]);
    const rows = page.locator('#findings tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < (await rows.count()); i++) expect(await rows.nth(i).textContent()).toContain('户劳动力人数不符');
    // One village: its findings only.
    await page.goto('/console/consistency');
    await Promise.all([page.waitForURL(/village=610921101202/), page.click('#villages a:has-text("太平村")')]);
    expect(await text(page.locator('#findings-title'))).toContain('太平村');
    expect(await page.locator('#findings tbody tr').count()).toBe(4);
    expect(await text(page.locator('#findings'))).not.toContain('五一村');
    expect(tab.problems).toEqual([]);
    await tab.context.close();

    const phone = await signIn(c, 'hanyinOperator', { viewport: { width: 390, height: 844 } });
    await phone.page.goto('/console/consistency');
    expect(await accessibilityProblems(phone.page)).toEqual([]);
    await screenshot(phone.page, 'consistency-phone');
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });

  it('another county sees none of it; a village of it in the query is refused', async () => {
    const tab = await signIn(c, 'danfengOperator');
    await tab.page.goto('/console/consistency');
    expect(await text(tab.page.locator('main'))).not.toContain('太平村');
    const r = await tab.page.goto('/console/consistency?village=610921101202');
    expect(r?.status()).toBe(403);
    const bad = await tab.page.goto('/console/consistency?rule=nonsense');
    expect(bad?.status()).toBe(400);
    expect((await tab.page.goto(`/console/consistency?before=99999999999`))?.status()).toBe(400);
    expect((await tab.page.goto(`/console/consistency?village=${HANYIN}%00`))?.status()).toBe(400);
    await tab.context.close();
  });
});
