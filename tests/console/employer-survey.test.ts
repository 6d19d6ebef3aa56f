/**
 * The employer's survey form in a real browser at a phone's width: the link arrives by SMS (a
 * locked month an ADMIN reopened), the form opens without signing in, a report is taken, a second
 * one that does not add up asks for an explanation and then corrects the first (both kept), staff
 * see every revision and enter one taken by phone; a forged link reads as not valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previousMonth, surveyMonthAt } from '../../src/employers/survey-calendar.js';
import { addEmployer, call, tokenFor } from '../employers/helpers.js';
import {
  accessibilityProblems,
  type ConsoleService,
  HANYIN,
  openTab,
  screenshot,
  signIn,
  startConsole,
  text,
} from './helpers.js';

let c: ConsoleService;
const PHONE = '+8613892500201';
/** A past month, locked whatever today is. */
const MONTH = previousMonth(surveyMonthAt(new Date()));
const PHONE_WIDTH = { width: 390, height: 844 };

beforeAll(async () => {
  c = await startConsole();
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

describe('the employer’s survey form', () => {
  it('takes a report from the SMS link on a phone, then a correction with an explanation, both kept', async () => {
    const op = await tokenFor(c.svc, HANYIN, 'OPERATOR', 'hanyin-op');
    const admin = await tokenFor(c.svc, HANYIN, 'ADMIN', 'hanyin-admin');
    const e = await addEmployer(c.svc, op, 201, { phone: PHONE, name: '汉阴县城关镇毛绒玩具社区工厂' });
    const reopened = await call(c.svc, 'POST', '/api/v1/employers/survey/reopen', { token: admin, json: { month: MONTH } });
    expect(reopened.body.linksSent).toBe(1);
    await expect.poll(() => c.sim.messages({ to: PHONE }).length, { timeout: 15_000 }).toBe(1);
    const sms = c.sim.messages({ to: PHONE })[0]!.body;
    const link = new URL(/(http\S+)$/.exec(sms)![1]!);

    const tab = await openTab(c, { viewport: PHONE_WIDTH });
    const { page } = tab;
    await page.goto(link.pathname);
    expect(await text(page.locator('h1'))).toContain('汉阴县城关镇毛绒玩具社区工厂');
    await page.fill('input[name=headcount]', '86');
    await page.fill('input[name=povertyWorkers]', '31');
    await page.fill('input[name=hires]', '4');
    await page.fill('input[name=hiresPoor]', '2');
    await page.fill('input[name=separationsLayoff]', '3');
    await page.fill('input[name=separationsResigned]', '1');
    await page.fill('input[name=separationsPoor]', '2');
    await page.fill('input[name=vacancies]', '6');
    await page.fill('input[name=wageMin]', '2600');
    await page.fill('input[name=wageMax]', '3500');
    await page.check('input[name=production][value=REDUCED]');
    await page.fill('input[name=layoffName1]', '张德明');
    await page.fill('input[name=layoffId1]', '13891501234');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'survey-form-phone');
    await Promise.all([page.waitForURL('**?saved=1'), page.click('button[type=submit]')]);
    expect(await text(page.locator('#saved'))).toContain('第 1 次填报');
    // The form shows what was sent, ready to correct.
    expect(await page.locator('input[name=headcount]').inputValue()).toBe('86');

    // A correction whose poor-household figure is above its total: asked to explain, not refused.
    await page.fill('input[name=headcount]', '84');
    await page.fill('input[name=povertyWorkers]', '90');
    await page.click('button[type=submit]');
    await page.locator('#discrepancies').waitFor();
    expect(await text(page.locator('#discrepancies'))).toContain('超过在岗总数');
    expect(tab.problems).toEqual([
      'console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
    ]);
    tab.problems.length = 0;
    expect(await page.locator('input[name=povertyWorkers]').inputValue()).toBe('90');
    await screenshot(page, 'survey-explain-phone');
    await page.fill('textarea[name=explanation]', '含本月新吸纳的易地搬迁户劳动力，人数按花名册核对');
    await Promise.all([page.waitForURL('**?saved=2'), page.click('button[type=submit]')]);
    expect(await text(page.locator('#saved'))).toContain('第 2 次填报');
    expect(tab.problems).toEqual([]);

    const rows = await c.svc.running.container.db.prisma.employerHeadcount.findMany({
      where: { employerId: e.id, month: MONTH },
      orderBy: { revision: 'asc' },
    });
    expect(rows.map((r) => [r.revision, r.headcount, r.povertyWorkers, r.discrepancies])).toEqual([
      [1, 86, 31, []],
      [2, 84, 90, ['poor_headcount']],
    ]);
    expect(rows.every((r) => r.source === 'EMPLOYER_LINK' && r.enteredById === null)).toBe(true);

    // A forged link: the same "not valid" page, nothing about the employer.
    await page.goto(`${link.pathname.slice(0, -4)}AAAA`);
    expect(await text(page.locator('.flash.error'))).toContain('链接无效或已过期');
    expect(await page.content()).not.toContain('毛绒玩具');
    await tab.context.close();

    // Staff see both revisions, and enter a third taken by phone.
    const staff = await signIn(c, 'hanyinOperator');
    await staff.page.goto(`/console/employers/${e.id}`);
    expect(await staff.page.locator('#revisions tbody tr').count()).toBe(2);
    expect(await text(staff.page.locator('#revisions'))).toContain('企业通过链接');
    await Promise.all([staff.page.waitForURL('**/report'), staff.page.click('#enter-report')]);
    await staff.page.selectOption('select[name=month]', MONTH);
    await staff.page.fill('input[name=headcount]', '84');
    await staff.page.fill('input[name=povertyWorkers]', '30');
    expect(await accessibilityProblems(staff.page)).toEqual([]);
    await Promise.all([staff.page.waitForURL(`**/employers/${e.id}`), staff.page.click('button:has-text("提交")')]);
    expect(await text(staff.page.locator('.flash.ok'))).toContain('第 3 次');
    const third = await text(staff.page.locator('#revisions tbody tr').first());
    expect(third).toContain('电话');
    expect(third).toContain('工作台');
    expect(await staff.page.locator('#employer-chart svg').count()).toBe(1);
    await screenshot(staff.page, 'employer-reports');

    // The month's survey: the county and its townships, who has not reported.
    await Promise.all([staff.page.waitForURL('**/employers'), staff.page.click('a:has-text("← 重点企业")')]);
    await Promise.all([staff.page.waitForURL('**/employers/survey'), staff.page.click('#survey-link')]);
    await staff.page.selectOption('select[name=month]', MONTH);
    await Promise.all([staff.page.waitForURL(`**/survey?month=${MONTH}`), staff.page.click('button:has-text("筛选")')]);
    const county = staff.page.locator('#survey-rates tbody tr', { hasText: '汉阴县' });
    expect(await text(county)).toContain('100.0%');
    expect(await text(staff.page.locator('main'))).toContain('已重新开放至');
    expect(await accessibilityProblems(staff.page)).toEqual([]);
    await screenshot(staff.page, 'employer-survey');
    await staff.page.setViewportSize(PHONE_WIDTH);
    await screenshot(staff.page, 'employer-survey-phone');
    expect(staff.problems).toEqual([]);
    await staff.context.close();
  }, 90_000);

  it('lets a county ADMIN reopen a locked month from the survey page, audited; an operator cannot', async () => {
    const locked = previousMonth(MONTH);
    const op = await signIn(c, 'hanyinOperator');
    await op.page.goto(`/console/employers/survey?month=${locked}`);
    expect(await text(op.page.locator('main'))).toContain('已截止');
    expect(await op.page.locator('#reopen-form').count()).toBe(0);
    await op.context.close();

    const admin = await signIn(c, 'hanyinAdmin');
    const { page } = admin;
    await page.goto(`/console/employers/survey?month=${locked}`);
    page.once('dialog', (d) => void d.accept());
    await page.fill('#reopen-form input[name=days]', '2');
    await Promise.all([page.waitForURL(`**/survey?month=${locked}`), page.click('#reopen-form button')]);
    expect(await text(page.locator('.flash.ok'))).toContain('已重新开放至');
    expect(await text(page.locator('main'))).toContain('填报中');
    const audit = await c.svc.running.container.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'employer_survey.reopen', details: { path: ['month'], equals: locked } },
    });
    expect(audit.details).toMatchObject({ days: 2, via: 'CONSOLE' });
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  }, 60_000);
});
