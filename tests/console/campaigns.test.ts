/**
 * 群发 in a real browser: a campaign built in the builder (the live count follows the filters),
 * launched through the confirmation that names the number of people, and watched to completion
 * in the page (Twilio simulator); pause and resume; a viewer who cannot launch; another county's
 * campaign reads as missing.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/control.js';
import type { Staff } from '../../src/staff/scope.js';
import { NO_QUIET_HOURS } from '../campaigns/helpers.js';
import {
  accessibilityProblems,
  type ConsoleService,
  HANYIN,
  screenshot,
  signIn,
  startConsole,
  text,
  type USERS,
} from './helpers.js';

let c: ConsoleService;

beforeAll(async () => {
  c = await startConsole(NO_QUIET_HOURS);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

async function staffOf(user: keyof typeof USERS): Promise<Staff> {
  const { prisma } = c.svc.running.container.db;
  const u = await prisma.staffUser.findUniqueOrThrow({ where: { id: c.userIds[user] }, include: { region: true } });
  return {
    userId: u.id,
    username: u.username,
    role: u.role,
    regionId: u.region.id,
    regionCode: u.region.code,
    regionLevel: u.region.level,
  };
}

/** A Hanyin draft made through the domain (the builder has its own test). */
async function hanyinDraft(name: string, schedule: { type: 'now' } | { type: 'at'; at: string } = { type: 'now' }) {
  return createCampaign(c.svc.running.container, await staffOf('hanyinOperator'), {
    name,
    kind: 'POLICY_NOTICE',
    regionCode: HANYIN,
    content: { text: { 'zh-CN': '【汉阴县人社局】春季招聘会通知' } },
    schedule,
  });
}

const count = async (page: Page) => Number((await text(page.locator('#recipient-count'))).replace(/,/g, ''));

describe('console campaigns', () => {
  it('builds a campaign with a live count, launches it through the confirmation and watches it complete', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/campaigns/new');
    expect(await text(page.locator('h1'))).toContain('新建群发');
    await page.fill('input[name=name]', '搬迁户就业补贴通知');
    await page.selectOption('select[name=channel]', 'SMS');
    const everyone = await count(page);
    expect(everyone).toBeGreaterThan(4);
    // A filter changes: the count follows without a reload.
    await page.check('input[name=categories][value=RELOCATED]');
    await page.waitForFunction((n) => Number(document.querySelector('#recipient-count')?.textContent) !== n, everyone);
    const relocated = await count(page);
    expect(relocated).toBeGreaterThan(0);
    expect(relocated).toBeLessThan(everyone);
    // The text: its segments and the message as the phone shows it (with the opt-out line).
    await page.fill('textarea[name=text]', '【汉阴县人社局】易地搬迁户外出务工可申领一次性交通补贴，请到社区登记。');
    await page.locator('.phone-preview .bubble', { hasText: '退订回复TD' }).waitFor();
    expect(await text(page.locator('#segments'))).toMatch(/按 [12] 条短信计费/);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'campaign-builder');

    await Promise.all([page.waitForURL(/\/console\/campaigns\/\d+$/), page.click('button:has-text("保存草稿")')]);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    expect(await count(page)).toBe(relocated);
    await Promise.all([page.waitForURL(`**/campaigns/${id}/launch`), page.click('#to-launch')]);
    expect(await text(page.locator('#confirm-count'))).toBe(`将向 ${relocated} 人发送`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await Promise.all([page.waitForURL(`**/campaigns/${id}`), page.click('#confirm-launch')]);

    // Progress polls in the page until every message has gone and its receipt is in.
    await page.locator('#progress[data-status=COMPLETED][data-settled=true]').waitFor({ timeout: 20_000 });
    expect(await text(page.locator('#percent'))).toBe('100.0%');
    expect(await page.locator('#progress-bar').getAttribute('value')).toBe('100');
    const { prisma } = c.svc.running.container.db;
    const delivered = await prisma.outboundMessage.count({ where: { campaignId: id, status: 'DELIVERED' } });
    expect(delivered).toBe(relocated);
    const figure = page.locator('#progress li', { hasText: '已送达' }).locator('.figure-value');
    expect(Number(await text(figure))).toBe(delivered);
    await page.locator('#progress .chart svg').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'campaign');

    await page.goto('/console/campaigns?status=COMPLETED');
    expect(await text(page.locator('#campaigns'))).toContain('搬迁户就业补贴通知');
    await page.goto('/console/campaigns?status=DRAFT');
    expect(await page.locator('#campaigns', { hasText: '搬迁户就业补贴通知' }).count()).toBe(0);
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  }, 30_000);

  it('pre-fills the builder from a ledger filter', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const audience = encodeURIComponent(JSON.stringify({ statuses: ['UNEMPLOYED'], languages: ['zh-CN'] }));
    await tab.page.goto(`/console/campaigns/new?audience=${audience}&kind=ZERO_EMPLOYMENT`);
    expect(await tab.page.locator('input[name=statuses][value=UNEMPLOYED]').isChecked()).toBe(true);
    expect(await tab.page.locator('select[name=kind]').inputValue()).toBe('ZERO_EMPLOYMENT');
    expect(await tab.page.locator('input[name=audienceExtra]').inputValue()).toBe('{"languages":["zh-CN"]}');
    // Naming the campaign re-counts nothing (a count over a province is a query); a filter does.
    const recounts: string[] = [];
    tab.page.on('request', (r) => {
      if (r.url().endsWith('/campaigns/preview') && r.headers()['hx-request']) recounts.push(r.postData() ?? '');
    });
    const recounted = (page: Page, form: string) =>
      page.waitForResponse((r) => r.url().endsWith('/campaigns/preview') && (r.request().postData() ?? '').includes(form));
    await tab.page.fill('input[name=name]', '零就业户');
    await tab.page.press('input[name=name]', 'Tab');
    await Promise.all([
      recounted(tab.page, 'statuses=EMPLOYED_LOCAL'),
      tab.page.check('input[name=statuses][value=EMPLOYED_LOCAL]'),
    ]);
    expect(recounts).toHaveLength(1);
    await Promise.all([
      recounted(tab.page, 'statuses=UNEMPLOYED'),
      tab.page.uncheck('input[name=statuses][value=EMPLOYED_LOCAL]'),
    ]);
    expect(recounts).toHaveLength(2);
    expect(recounts[1]).not.toContain('statuses=EMPLOYED_LOCAL');
    // Without script the count comes with the whole builder, as filled in.
    await Promise.all([tab.page.waitForURL('**/campaigns/preview'), tab.page.click('button:has-text("重新计算人数")')]);
    expect(await count(tab.page)).toBeGreaterThanOrEqual(0);
    expect(await tab.page.locator('input[name=statuses][value=UNEMPLOYED]').isChecked()).toBe(true);
    // Saved without the text this kind needs: the builder again, as filled in, saying what is missing.
    await tab.page.fill('input[name=name]', '零就业户帮扶');
    await tab.page.click('button:has-text("保存草稿")');
    expect(await text(tab.page.locator('#count .flash.error'))).toContain('请填写短信内容');
    expect(await tab.page.locator('input[name=statuses][value=UNEMPLOYED]').isChecked()).toBe(true);
    expect(await tab.page.locator('input[name=name]').inputValue()).toBe('零就业户帮扶');
    // The refused form answers 400, which the browser reports; nothing else went wrong.
    expect(tab.problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await tab.context.close();
  });

  it('pauses and resumes a scheduled campaign, and cancels it after asking', async () => {
    const at = new Date(Date.now() + 86_400_000).toISOString();
    const draft = await hanyinDraft('明日通知', { type: 'at', at });
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto(`/console/campaigns/${draft.id}/launch`);
    await Promise.all([page.waitForURL(`**/campaigns/${draft.id}`), page.click('#confirm-launch')]);
    await page.locator('#progress[data-status=SCHEDULED]').waitFor();
    await Promise.all([page.waitForURL(`**/campaigns/${draft.id}`), page.click('#campaign-pause')]);
    await page.locator('#progress[data-status=PAUSED]').waitFor();
    await Promise.all([page.waitForURL(`**/campaigns/${draft.id}`), page.click('#campaign-resume')]);
    await page.locator('#progress[data-status=SCHEDULED]').waitFor();
    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForURL(`**/campaigns/${draft.id}`), page.click('#campaign-cancel')]);
    await page.locator('#progress[data-status=CANCELLED]').waitFor();
    const audit = await c.svc.running.container.db.prisma.auditLog.findMany({
      where: { entity: 'Campaign', entityId: String(draft.id) },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual([
      'campaign.create',
      'campaign.launch',
      'campaign.pause',
      'campaign.resume',
      'campaign.cancel',
    ]);
    await page.goto('/console/campaigns');
    await screenshot(page, 'campaigns');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('shows a viewer the campaign without a way to launch it, and refuses the launch', async () => {
    const draft = await hanyinDraft('查看权限测试');
    const tab = await signIn(c, 'hanyinViewer');
    const { page } = tab;
    await page.goto(`/console/campaigns/${draft.id}`);
    await page.locator('#draft').waitFor();
    expect(await page.locator('#to-launch').count()).toBe(0);
    await page.goto(`/console/campaigns/${draft.id}/launch`);
    expect(await page.locator('#confirm-launch').count()).toBe(0);
    expect(await page.locator('a[href="/console/campaigns/new"]').count()).toBe(0);
    // A launch posted anyway (with a valid form token) is refused by the campaign rules.
    const status = await page.evaluate(async (id) => {
      const token = JSON.parse(document.body.getAttribute('hx-headers') ?? '{}')['x-csrf-token'];
      const r = await fetch(`/console/campaigns/${id}/launch`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token }),
      });
      return r.status;
    }, draft.id);
    expect(status).toBe(403);
    const after = await c.svc.running.container.db.prisma.campaign.findUniqueOrThrow({ where: { id: draft.id } });
    expect(after.status).toBe('DRAFT');
    await tab.context.close();
  });

  it('answers a Danfeng operator with a not-found page for a Hanyin campaign, and leaves it out of their list', async () => {
    const draft = await hanyinDraft('汉阴县内部通知');
    const tab = await signIn(c, 'danfengOperator');
    const res = await tab.page.goto(`/console/campaigns/${draft.id}`);
    expect(res?.status()).toBe(404);
    expect(await text(tab.page.locator('.flash.error'))).toContain('找不到该记录');
    await tab.page.goto('/console/campaigns');
    expect(await tab.page.locator('main', { hasText: '汉阴县内部通知' }).count()).toBe(0);
    await tab.context.close();
  });
});
