/**
 * The day's work in the browser: a worker's 转人工 becomes a task that staff take and close (the
 * call counts as a service); a family confirmation by recorded call is asked from the worker's
 * page, played back in the page and approved; the ledger is filtered, exported and handed to the
 * campaign builder; an unknown sender is registered from the inbox. Scope and roles hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textAndWait, workerIdByPhone, ZHANG } from '../staff/helpers.js';
import { accessibilityProblems, type ConsoleService, screenshot, signIn, startConsole, text } from './helpers.js';

let c: ConsoleService;

beforeAll(async () => {
  // The zero-employment routine runs every 5 minutes and, in the daytime, calls the sample
  // ledger's zero-employment households; the simulator leaves those calls ringing (a test answers
  // the calls it places). With the default cap of 5 calls in progress, a tick between the start and
  // the confirmation below would hold the confirmation's call back for good.
  c = await startConsole({ VOICE_MAX_CONCURRENT_CALLS: '50' });
});
afterAll(async () => {
  await c?.stop();
});

const WANG = '+8613891504567'; // 王建国 of the sample ledger, 汉阴县

describe('console: tasks, confirmations, ledger, inbox', () => {
  it('a worker asks for a person; an operator takes the task and closes it after calling, and the call counts as a service', async () => {
    await textAndWait(c.svc, c.sim, ZHANG.phone, '转人工');
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/tasks?view=unassigned');
    const row = page.locator('#tasks tbody tr', { hasText: ZHANG.name }).first();
    expect(await text(row)).toContain('要求转人工');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'tasks');
    await Promise.all([page.waitForURL(/\/console\/tasks\/\d+$/), row.locator('button:has-text("我来处理")').click()]);
    expect(await text(page.locator('.flash.ok'))).toContain('任务已分配');
    await page.fill('textarea[name=outcome]', '已电话联系，本人在家待业，推荐了两个岗位');
    await screenshot(page, 'task');
    await Promise.all([page.waitForURL('**/console/tasks'), page.click('#task-actions button:has-text("办结")')]);
    const workerId = await workerIdByPhone(c.svc, ZHANG.phone);
    const { prisma } = c.svc.running.container.db;
    const task = await prisma.staffTask.findFirstOrThrow({
      where: { workerId, kind: 'human_help' },
      include: { closedBy: true },
    });
    expect(task).toMatchObject({ status: 'DONE', outcome: '已电话联系，本人在家待业，推荐了两个岗位' });
    expect(task.closedBy?.username).toBe('hanyin-op');
    await page.goto(`/console/workers/${workerId}`);
    expect(await text(page.locator('#services tbody'))).toContain('电话联系');
    const call = await prisma.serviceContact.findFirstOrThrow({ where: { workerId, kind: 'STAFF_CALL' } });
    expect(call.channel).toBe('CONSOLE');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('a family confirmation by recorded call: asked from the worker page, played in the page, approved', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    const workerId = await workerIdByPhone(c.svc, WANG);
    await page.goto(`/console/workers/${workerId}`);
    await page.fill('#family-form input[name=name]', '王小红');
    await page.selectOption('#family-form select[name=relation]', 'CHILD');
    await page.fill('#family-form input[name=phone]', '137 0013 9501');
    await page.check('#family-form input[name=verified]');
    await Promise.all([page.waitForURL(`**/console/workers/${workerId}`), page.click('#family-form button[type=submit]')]);
    expect(await text(page.locator('#family tbody'))).toContain('王小红');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'worker');

    await page.selectOption('#confirm-form select[name=confirmer]', { label: '王小红（子女）' });
    await page.fill('#confirm-form input[name=statement]', '王建国在家照顾老人');
    await page.selectOption('#confirm-form select[name=channel]', 'VOICE');
    await Promise.all([page.waitForURL(/\/console\/confirmations\/\d+$/), page.click('#confirm-form button[type=submit]')]);
    const confirmationPath = new URL(page.url()).pathname;

    await expect.poll(() => c.sim.calls().filter((k) => k.to === '+8613700139501').length, { timeout: 30_000 }).toBe(1);
    const placed = c.sim.calls().find((k) => k.to === '+8613700139501')!;
    await c.sim.answerCall(placed.sid, [{ digits: '1' }, { record: { seconds: 2 } }]);

    await page.goto('/console/confirmations');
    const row = page.locator('#confirmations tbody tr', { hasText: '王建国' }).first();
    expect(await text(row)).toContain('已确认待审核');
    await Promise.all([page.waitForURL(`**${confirmationPath}`), row.locator('a').first().click()]);
    // The recording plays from this service (never the provider's URL) and the browser can load it.
    const src = (await page.locator('audio').getAttribute('src'))!;
    expect(src).toMatch(/^\/console\/confirmations\/\d+\/recordings\/RE[0-9a-f]{32}$/);
    const audio = await page.request.get(src);
    expect(audio.status()).toBe(200);
    expect(audio.headers()['content-type']).toBe('audio/x-wav');
    const duration = await page.evaluate(async () => {
      const a = document.querySelector('audio')!;
      a.preload = 'auto';
      a.load();
      await new Promise((resolve, reject) => {
        a.onloadedmetadata = resolve;
        a.onerror = () => reject(new Error('audio failed to load'));
      });
      return a.duration;
    });
    expect(duration).toBeCloseTo(2, 0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'confirmation');
    await page.fill('#review textarea[name=note]', '电话录音清楚，家人确认');
    await Promise.all([page.waitForURL('**/console/confirmations'), page.click('#review button:has-text("通过")')]);
    const id = Number(confirmationPath.split('/').pop());
    const reviewed = await c.svc.running.container.db.prisma.confirmation.findUniqueOrThrow({ where: { id } });
    expect(reviewed).toMatchObject({ status: 'APPROVED', reviewNote: '电话录音清楚，家人确认' });
    // Another county's operator cannot read it, nor play its recording.
    const other = await signIn(c, 'danfengOperator');
    const resp = await other.page.goto(confirmationPath);
    expect(resp?.status()).toBe(404);
    expect((await other.page.request.get(src)).status()).toBe(404);
    expect(tab.problems).toEqual([]);
    for (const t of [tab, other]) await t.context.close();
  });

  it('filters the ledger on the server, exports it, and hands "all N matching" to the campaign builder', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/ledger');
    await page.selectOption('select[name=status]', 'UNEMPLOYED');
    await Promise.all([page.waitForURL(/status=UNEMPLOYED/), page.click('form.filters button[type=submit]')]);
    const { prisma } = c.svc.running.container.db;
    const county = await prisma.region.findUniqueOrThrow({ where: { code: '610921' } });
    const expected = await prisma.worker.count({ where: { countyId: county.id, currentStatus: 'UNEMPLOYED' } });
    expect(expected).toBeGreaterThan(0);
    expect(await text(page.locator('#bulk strong'))).toContain(`符合条件 ${expected} 条`);
    expect(await page.locator('table tbody tr').count()).toBe(expected);
    const message = page.locator('#bulk a', { hasText: '发消息' });
    const href = (await message.getAttribute('href'))!;
    expect(JSON.parse(new URL(href, c.url).searchParams.get('audience')!)).toEqual({ statuses: ['UNEMPLOYED'] });
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'ledger');

    const csv = await page.request.get((await page.locator('#bulk a', { hasText: 'CSV' }).getAttribute('href'))!);
    const body = await csv.text();
    expect(body.charCodeAt(0)).toBe(0xfeff);
    expect(body.trim().split('\n')).toHaveLength(expected + 1);
    expect(body).not.toMatch(/\+861\d{10}/); // phones are masked

    await page.goto('/console/ledger/households?zero=true');
    const zero = await prisma.household.count({ where: { countyId: county.id, zeroEmployment: true } });
    expect(await text(page.locator('.actions strong').last())).toContain(`符合条件 ${zero} 条`);
    await screenshot(page, 'households');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('keeps other counties out and viewers read-only', async () => {
    const workerId = await workerIdByPhone(c.svc, ZHANG.phone);
    const other = await signIn(c, 'danfengOperator');
    expect((await other.page.goto(`/console/workers/${workerId}`))?.status()).toBe(404);
    expect(await text(other.page.locator('.flash.error'))).toContain('找不到');
    // A region of another county in the ledger filter is refused.
    expect((await other.page.goto('/console/ledger?region=610921'))?.status()).toBe(403);

    const viewer = await signIn(c, 'hanyinViewer');
    await viewer.page.goto(`/console/workers/${workerId}`);
    expect(await viewer.page.locator('#edit, #status-form, #service-form').count()).toBe(0);
    const token = await viewer.page.locator('input[name=_csrf]').first().inputValue();
    const r = await viewer.page.request.post(`/console/workers/${workerId}/services`, {
      form: { _csrf: token, kind: 'STAFF_VISIT', note: 'x' },
      maxRedirects: 0,
    });
    expect(r.status()).toBe(403);
    for (const t of [other, viewer]) await t.context.close();
  });

  it('registers an unknown sender from the inbox as a family contact, with their earlier messages', async () => {
    const stranger = '+8613912345678';
    await textAndWait(c.svc, c.sim, stranger, '我是张德明的妻子，他在外地打工');
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/inbox');
    const row = page.locator('#inbox tbody tr', { hasText: '5678' }).first();
    expect(await text(row)).toContain('他在外地打工');
    expect(await text(row)).not.toContain('13912345678');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'inbox');
    const workerId = await workerIdByPhone(c.svc, ZHANG.phone);
    await row.locator('summary').click();
    await row.locator('input[name=workerId]').fill(String(workerId));
    await row.locator('select[name=as]').selectOption('family');
    await row.locator('input[name=name]').fill('李桂芳');
    await row.locator('select[name=relation]').selectOption('SPOUSE');
    await Promise.all([page.waitForURL(`**/console/workers/${workerId}`), row.locator('button[type=submit]').click()]);
    expect(await text(page.locator('.flash.ok'))).toContain('1 条消息已归档');
    expect(await text(page.locator('#family tbody'))).toContain('李桂芳');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});
