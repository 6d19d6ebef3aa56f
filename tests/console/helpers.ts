/**
 * The console in a real browser: the service on real HTTP with the sample ledger (汉阴县 and
 * 丹凤县), staff users with passwords, and Debian's chromium driven by playwright-core (no browser
 * download: scripts/setup.sh --test installs it). Each page's console errors and failed requests
 * are collected, so every test can assert a page rendered cleanly.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import type { StaffRole } from '../../src/generated/prisma/enums.js';
import { projectPath } from '../../src/paths.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { hashPassword } from '../../src/staff/passwords.js';
import { ensureStaffUser } from '../../src/staff/users.js';
import { DANFENG, HANYIN } from '../api/helpers.js';
import type { TestService } from '../helpers/service.js';
import { startStaffService } from '../staff/helpers.js';

export { DANFENG, HANYIN };
export const PASSWORD = 'correct-horse-battery';
export const PROVINCE = '61';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Users of the sample ledger: a county admin and operator of each county, a viewer, a province admin. */
export const USERS = {
  hanyinAdmin: { username: 'hanyin-admin', region: HANYIN, role: 'ADMIN' },
  hanyinOperator: { username: 'hanyin-op', region: HANYIN, role: 'OPERATOR' },
  hanyinViewer: { username: 'hanyin-view', region: HANYIN, role: 'VIEWER' },
  danfengOperator: { username: 'danfeng-op', region: DANFENG, role: 'OPERATOR' },
  provinceAdmin: { username: 'province-admin', region: PROVINCE, role: 'ADMIN' },
} as const satisfies Record<string, { username: string; region: string; role: StaffRole }>;

export type UserKey = keyof typeof USERS;

export interface ConsoleService {
  svc: TestService;
  /** The Twilio simulator the service talks to (texts and calls from workers). */
  sim: TwilioSimulator;
  url: string;
  userIds: Record<UserKey, number>;
  browser: Browser;
  stop(): Promise<void>;
}

/** `env`: configuration for the service (e.g. quiet hours off, so a campaign sends at any hour). */
export async function startConsole(env: Record<string, string> = {}): Promise<ConsoleService> {
  const { svc, sim } = await startStaffService(env);
  const { prisma, pool } = svc.running.container.db;
  const passwordHash = await hashPassword(PASSWORD);
  const userIds = {} as Record<UserKey, number>;
  for (const [key, u] of Object.entries(USERS) as Array<[UserKey, (typeof USERS)[UserKey]]>) {
    const { user } = await ensureStaffUser(pool, { regionCode: u.region, role: u.role, username: u.username });
    await prisma.staffUser.update({ where: { id: user.id }, data: { passwordHash } });
    userIds[key] = user.id;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  return {
    svc,
    sim,
    url: svc.url,
    userIds,
    browser,
    async stop() {
      await browser.close();
      await svc.stop();
    },
  };
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and failed requests seen so far. */
  problems: string[];
}

/** A new browser context (its own cookies) with a page that records problems. */
export async function openTab(c: ConsoleService, opts: { viewport?: { width: number; height: number } } = {}): Promise<Tab> {
  const context = await c.browser.newContext({
    baseURL: c.url,
    locale: 'zh-CN',
    viewport: opts.viewport ?? { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A media element cancels its own request when it seeks or reloads: not a problem of the page.
    if (r.resourceType() === 'media' && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { context, page, problems };
}

/** Signs in through the form; lands on the dashboard. */
export async function signIn(c: ConsoleService, user: UserKey, opts: Parameters<typeof openTab>[1] = {}): Promise<Tab> {
  const tab = await openTab(c, opts);
  await tab.page.goto('/console/sign-in');
  await tab.page.fill('input[name=username]', USERS[user].username);
  await tab.page.fill('input[name=password]', PASSWORD);
  await Promise.all([tab.page.waitForURL('**/console'), tab.page.click('button[type=submit]')]);
  return tab;
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page (injected through the DevTools protocol, not the page's CSP). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(`(async () => {
    ${AXE}
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
  })()`);
}

const SHOTS = projectPath('docs', 'screenshots');

/** Saves a full-page screenshot under docs/screenshots/ (shown in the README). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** The text of the first element the locator finds, once it is there. */
export async function text(locator: Locator): Promise<string> {
  const first = locator.first();
  await first.waitFor({ state: 'attached' });
  return (await first.textContent()) ?? '';
}
