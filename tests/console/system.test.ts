/**
 * 系统 for ADMINs: a county admin creates a staff user, hands over a one-time sign-in link, issues
 * and revokes an API token (shown once), disables the user (their console session ends at once),
 * and reads the audit log. Other roles do not see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, type ConsoleService, openTab, screenshot, signIn, startConsole, text } from './helpers.js';

let c: ConsoleService;

beforeAll(async () => {
  c = await startConsole();
});
afterAll(async () => {
  await c?.stop();
});

describe('console: system', () => {
  it('an admin creates a user who signs in with a one-time link; tokens shown once; disabling ends the session', async () => {
    const admin = await signIn(c, 'hanyinAdmin');
    const { page } = admin;
    await page.goto('/console/system');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.fill('#new-user input[name=username]', 'wuyi-clerk');
    await page.fill('#new-user input[name=name]', '五一村文书');
    await page.selectOption('#new-user select[name=role]', 'OPERATOR');
    await page.fill('#new-user input[name=regionCode]', '610921100201');
    await Promise.all([page.waitForURL(/\/console\/system\/users\/\d+$/), page.click('#new-user button[type=submit]')]);
    const userUrl = page.url();
    await page.click('button:has-text("生成一次性登录链接")');
    const link = await text(page.locator('#shown-once code'));
    expect(link).toMatch(/\/console\/link\/[\w-]{43}$/);
    expect(page.url()).not.toContain(link.split('/').pop()!);
    await screenshot(page, 'system-user');

    // The new user follows the link, sets a password, and sees only their village.
    const clerk = await openTab(c);
    await clerk.page.goto(new URL(link).pathname);
    await clerk.page.waitForURL('**/console/account?first=1');
    await clerk.page.fill('input[name=password]', 'village-clerk-password');
    await clerk.page.fill('input[name=repeat]', 'village-clerk-password');
    await Promise.all([clerk.page.waitForURL('**/console'), clerk.page.click('main button[type=submit]')]);
    expect(await text(clerk.page.locator('h1'))).toContain('五一村');
    expect(await clerk.page.locator('nav.main-nav a[href="/console/system"]').count()).toBe(0);
    expect((await clerk.page.goto('/console/system'))?.status()).toBe(403);

    // A token for the user, shown once, works on the API, then is revoked.
    await page.goto(userUrl);
    await page.click('button:has-text("签发令牌")');
    const token = await text(page.locator('#shown-once code'));
    expect(token).toMatch(/^otk_/);
    const me = await fetch(`${c.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { username: string }).username).toBe('wuyi-clerk');
    await page.goto(userUrl);
    await Promise.all([page.waitForURL(userUrl), page.click('#tokens button:has-text("撤销")')]);
    expect((await fetch(`${c.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

    // Disabling ends the clerk's console session at once.
    page.once('dialog', (d) => d.accept());
    await Promise.all([page.waitForURL(userUrl), page.click('button:has-text("停用")')]);
    await clerk.page.goto('/console');
    expect(new URL(clerk.page.url()).pathname).toBe('/console/sign-in');

    await page.goto('/console/system/audit');
    const audit = await text(page.locator('#audit tbody'));
    for (const action of ['staff_user.create', 'staff_user.sign_in_link', 'token.create', 'token.revoke'])
      expect(audit).toContain(action);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'system-audit');
    expect(admin.problems).toEqual([]);
    for (const t of [admin, clerk]) await t.context.close();
  });

  it('refuses an admin a user outside their county, and a user in another county', async () => {
    const admin = await signIn(c, 'hanyinAdmin');
    const { page } = admin;
    await page.goto('/console/system');
    await page.fill('#new-user input[name=username]', 'danfeng-intruder');
    await page.fill('#new-user input[name=name]', 'x');
    await page.fill('#new-user input[name=regionCode]', '611022');
    await page.click('#new-user button[type=submit]');
    expect(await text(page.locator('.flash.error'))).toContain('outside your scope');
    const danfeng = c.userIds.danfengOperator;
    expect((await page.goto(`/console/system/users/${danfeng}`))?.status()).toBe(404);
    await admin.context.close();
  });
});
