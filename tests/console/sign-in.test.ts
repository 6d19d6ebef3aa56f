/**
 * Signing in to the console: passwords, sessions that expire and can be revoked, CSRF on every
 * form, the first-run link, and a region picker that narrows but never widens the scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstRunLink } from '../../src/console/session.js';
import {
  accessibilityProblems,
  type ConsoleService,
  HANYIN,
  openTab,
  PASSWORD,
  screenshot,
  signIn,
  startConsole,
  text,
  USERS,
} from './helpers.js';

let c: ConsoleService;

beforeAll(async () => {
  c = await startConsole();
});
afterAll(async () => {
  await c?.stop();
});

describe('console sign-in', () => {
  it('signs a county operator in to a dashboard of their county with figures and no page errors', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    expect(await text(page.locator('h1'))).toContain('汉阴县');
    // The sample ledger's 汉阴县 workers are counted, and each figure links to its list.
    const workers = page.locator('#figures li', { hasText: '劳动力' }).first();
    expect(Number((await workers.locator('.figure-value').textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
    await page.locator('#todo a[href="/console/tasks"]').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(tab.problems).toEqual([]);
    const csp = (await page.request.get('/console')).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    await screenshot(page, 'dashboard');
    await tab.context.close();
  });

  it('refuses a wrong password without saying whether the user exists', async () => {
    const tab = await openTab(c);
    await tab.page.goto('/console/sign-in');
    await tab.page.fill('input[name=username]', USERS.hanyinOperator.username);
    await tab.page.fill('input[name=password]', 'not-the-password');
    await tab.page.click('button[type=submit]');
    expect(await text(tab.page.locator('.flash.error'))).toContain('用户名或密码不正确');
    await tab.page.fill('input[name=username]', 'nobody-here');
    await tab.page.fill('input[name=password]', PASSWORD);
    await tab.page.click('button[type=submit]');
    expect(await text(tab.page.locator('.flash.error'))).toContain('用户名或密码不正确');
    expect(tab.page.url()).toContain('/console/sign-in');
    await tab.context.close();
  });

  it('sends a page to sign-in without a session, and back to it afterwards', async () => {
    const tab = await openTab(c);
    await tab.page.goto('/console/tasks?view=mine');
    expect(new URL(tab.page.url()).pathname).toBe('/console/sign-in');
    await tab.page.fill('input[name=username]', USERS.hanyinOperator.username);
    await tab.page.fill('input[name=password]', PASSWORD);
    await Promise.all([tab.page.waitForURL('**/console/tasks?view=mine'), tab.page.click('button[type=submit]')]);
    await tab.context.close();
  });

  it('ends a session that expired or was signed out, on the server', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { prisma } = c.svc.running.container.db;
    // Expire every live session of the user: the next request must go to sign-in.
    await prisma.consoleSession.updateMany({
      where: { staffUserId: c.userIds.hanyinOperator, revokedAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await tab.page.goto('/console');
    expect(new URL(tab.page.url()).pathname).toBe('/console/sign-in');
    expect(await text(tab.page.locator('.flash.error'))).toContain('登录已过期');

    // Sign out: the old cookie no longer works even if replayed.
    const again = await signIn(c, 'hanyinOperator');
    const cookies = await again.context.cookies();
    await again.page.click('header button:has-text("退出")');
    await again.page.waitForURL('**/console/sign-in?out=1');
    const replay = await openTab(c);
    await replay.context.addCookies(cookies);
    await replay.page.goto('/console');
    expect(new URL(replay.page.url()).pathname).toBe('/console/sign-in');
    for (const t of [tab, again, replay]) await t.context.close();
  });

  it('refuses a form without its CSRF token, and one from another session', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const r = await tab.page.request.post('/console/language', { form: { language: 'en', back: '/console' }, maxRedirects: 0 });
    expect(r.status()).toBe(403);
    const other = await signIn(c, 'danfengOperator');
    const foreignToken = await other.page.locator('input[name=_csrf]').first().inputValue();
    const r2 = await tab.page.request.post('/console/language', {
      form: { language: 'en', back: '/console', _csrf: foreignToken },
      maxRedirects: 0,
    });
    expect(r2.status()).toBe(403);
    const own = await tab.page.locator('input[name=_csrf]').first().inputValue();
    const r3 = await tab.page.request.post('/console/language', {
      form: { language: 'en', back: '/console', _csrf: own },
      maxRedirects: 0,
    });
    expect(r3.status()).toBe(303);
    await tab.page.goto('/console');
    expect(await text(tab.page.locator('nav.main-nav'))).toContain('Tasks');
    await screenshot(tab.page, 'dashboard-en');
    for (const t of [tab, other]) await t.context.close();
  });

  it('limits sign-in attempts from one address', async () => {
    const tab = await openTab(c);
    await tab.page.goto('/console/sign-in');
    const token = await tab.page.locator('input[name=_csrf]').inputValue();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await tab.page.request.post('/console/sign-in', {
        form: { username: 'nobody', password: 'wrong-password', _csrf: token },
        maxRedirects: 0,
      });
      statuses.push(r.status());
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.at(-1)).toBe(429);
    await tab.context.close();
  });

  it('narrows to a township with the region picker and never widens past the user', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    const option = page.locator('#region-down option').nth(1);
    const township = (await option.textContent())!;
    await page.selectOption('#region-down', { index: 1 });
    await Promise.all([page.waitForURL('**/console'), page.click('.region-picker button[type=submit]:not(.link)')]);
    expect(await text(page.locator('h1'))).toContain(township);
    // The province is above the user's county: asking for it is refused.
    const { prisma } = c.svc.running.container.db;
    const province = await prisma.region.findUniqueOrThrow({ where: { code: '61' } });
    const token = await page.locator('input[name=_csrf]').first().inputValue();
    await page.request.post('/console/region', { form: { regionId: String(province.id), back: '/console', _csrf: token } });
    await page.goto('/console');
    expect(await text(page.locator('h1'))).toContain(township);
    expect(await text(page.locator('.region-picker .crumbs'))).toContain('汉阴县');
    expect(await text(page.locator('.region-picker .crumbs'))).not.toContain('陕西省');
    await tab.context.close();
  });

  it('first run: a one-time link signs the admin in and asks for a password', async () => {
    const { prisma } = c.svc.running.container.db;
    // Nobody can sign in as ADMIN with a password while the ADMINs have none.
    const saved = await prisma.staffUser.findMany({ where: { role: 'ADMIN' }, select: { id: true, passwordHash: true } });
    await prisma.staffUser.updateMany({ where: { role: 'ADMIN' }, data: { passwordHash: null } });
    try {
      const token = await firstRunLink(prisma);
      expect(token).toBeTruthy();
      const tab = await openTab(c);
      await tab.page.goto(`/console/link/${token}`);
      await tab.page.waitForURL('**/console/account?first=1');
      await tab.page.fill('input[name=password]', 'a-new-admin-password');
      await tab.page.fill('input[name=repeat]', 'a-new-admin-password');
      await Promise.all([tab.page.waitForURL('**/console'), tab.page.click('main button[type=submit]')]);
      await tab.page.locator('.flash.ok').waitFor();
      // The link works once.
      const second = await openTab(c);
      await second.page.goto(`/console/link/${token}`);
      expect(await text(second.page.locator('.flash.error'))).toContain('登录链接无效');
      expect(await firstRunLink(prisma)).toBeNull();
      const admin = await prisma.staffUser.findUniqueOrThrow({ where: { username: 'admin' }, include: { region: true } });
      expect(admin.region.code).toBe('61');
      for (const t of [tab, second]) await t.context.close();
    } finally {
      for (const u of saved) await prisma.staffUser.update({ where: { id: u.id }, data: { passwordHash: u.passwordHash } });
    }
  });

  it('answers forms with NUL bytes, unknown regions and huge values with a 4xx page, never a 5xx', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const token = await tab.page.locator('input[name=_csrf]').first().inputValue();
    for (const form of [
      { regionId: '2147483648', back: '/console' },
      { regionId: 'x'.repeat(100_000), back: '/console' },
      { regionId: '1\u0000', back: '/console' },
      { regionId: '-5', back: 'https://evil.example/' },
    ]) {
      const r = await tab.page.request.post('/console/region', { form: { ...form, _csrf: token }, maxRedirects: 0 });
      expect(r.status(), JSON.stringify(form).slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(r.status()).toBeLessThan(500);
    }
    expect(HANYIN).toBe('610921');
    await tab.context.close();
  });
});
