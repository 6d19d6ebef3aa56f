/**
 * 报表 in a real browser: every report of the registry as a page with its table and chart, the
 * CSV download byte for byte the staff API's, the village ledger sheet and its print layout, and
 * a county that cannot read another county's sheet.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordServiceContact } from '../../src/ledger/service-contacts.js';
import { listReports } from '../../src/reports/index.js';
import { tokenFor } from '../api/helpers.js';
import { accessibilityProblems, type ConsoleService, HANYIN, screenshot, signIn, startConsole, text } from './helpers.js';

let c: ConsoleService;
/** A village of 汉阴县 in the sample ledger (五一村) and its household count. */
const VILLAGE = '610921100201';

beforeAll(async () => {
  c = await startConsole();
  // A training course that ended two months ago: 1 of 3 trainees employed within a month (flagged).
  const { prisma } = c.svc.running.container.db;
  const county = await prisma.region.findUniqueOrThrow({ where: { code: HANYIN } });
  const workers = await prisma.worker.findMany({ where: { countyId: county.id }, take: 3, orderBy: { id: 'asc' } });
  // Staff calls to six workers of 城关镇: part of the quota met, so the chart has bars and the rest is marked.
  const staff = { userId: c.userIds.hanyinOperator, username: 'hanyin-op', role: 'OPERATOR' as const };
  const served = await prisma.worker.findMany({ where: { countyId: county.id }, take: 6, orderBy: { id: 'asc' } });
  await prisma.$transaction(async (tx) => {
    for (const w of served) {
      await recordServiceContact(
        tx,
        { ...staff, regionId: county.id, regionCode: HANYIN, regionLevel: 'COUNTY' },
        { workerId: w.id, kind: 'STAFF_CALL', via: 'CONSOLE' },
      );
    }
  });
  const end = new Date(Date.now() - 60 * 86_400_000);
  await prisma.trainingInstitution.create({
    data: {
      name: '汉阴县职业技术培训学校',
      regionId: county.id,
      courses: {
        create: {
          trade: 'electrician',
          title: '电工培训班',
          startDate: new Date(end.getTime() - 20 * 86_400_000),
          endDate: end,
          enrollments: {
            create: workers.map((w, i) => ({ workerId: w.id, completed: true, followUpAt: end, employedWithinMonth: i === 0 })),
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await c?.stop();
});

describe('console reports', () => {
  it('lists every report and shows each summary with its table and chart, below-goal cells marked', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/reports');
    const names = listReports().map((r) => r.name);
    for (const name of [...names, 'training-rates', 'village-sheet']) {
      await page.locator(`#report-list a[href="/console/reports/${name}"]`).waitFor();
    }
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'reports');

    for (const name of ['five-clears', 'zero-employment-monthly', 'quota', 'freshness', 'training-rates']) {
      await page.goto(`/console/reports/${name}`);
      expect(await text(page.locator('h1')), name).toContain('汉阴县');
      expect(await page.locator('.chart svg').count(), name).toBeGreaterThan(0);
      expect(await page.locator('#report-table tbody tr').count(), name).toBeGreaterThan(0);
      expect(await accessibilityProblems(page), name).toEqual([]);
      if (name === 'five-clears') {
        // By township, with the county's total; the employment chart names where they work.
        expect(await text(page.locator('#report-table'))).toContain('城关镇');
        expect(await text(page.locator('#report-table'))).toContain('汉阴县(合计)');
        expect(await page.locator('.chart svg').first().textContent()).toContain('苏陕协作');
        // Lean: the page with its two charts, compressed, well within the 150 KB budget.
        expect(gzipSync(await page.content()).length).toBeLessThan(40_000);
        await screenshot(page, 'report-five-clears');
      }
      if (name === 'quota') {
        // Six workers of 城关镇 had a call; the other shortfalls are marked below goal.
        expect(await page.locator('#report-table .badge.bad').count()).toBeGreaterThan(0);
        await screenshot(page, 'report-quota');
      }
      if (name === 'training-rates') {
        expect(await text(page.locator('#report-table .badge.bad'))).toContain('33.3%');
        expect(await text(page.locator('main'))).toContain('电工');
      }
    }
    // Grouping and region from the form: 城关镇 by village.
    await page.goto('/console/reports/five-clears');
    await page.selectOption('select[name=by]', 'village');
    await Promise.all([page.waitForURL(/by=village/), page.click('form.filters button[type=submit]')]);
    expect(await text(page.locator('#report-table'))).toContain('五一村');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('shows the lists paged, and downloads the same CSV bytes as the staff API', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    for (const r of listReports().filter((d) => d.kind === 'list')) {
      await page.goto(`/console/reports/${r.name}`);
      expect(await text(page.locator('h1')), r.name).toContain(r.zh);
      // The sample ledger records no referral or placement naming an employer (no subsidy lines),
      // and both its relocated households have someone employed (tests/console/assessment.test.ts shows both lists).
      if (r.name === 'subsidy-lines' || r.name === 'site-households-without-employment') await page.locator('p.empty').waitFor();
      else expect(await page.locator('#report-table tbody tr').count(), r.name).toBeGreaterThan(0);
    }
    // Past the last page: an empty page with the way back.
    await page.goto('/console/reports/employed?page=2');
    await page.locator('p.empty').waitFor();
    await page.locator('.pager a[rel=prev]').waitFor();
    const xlsx = await page.request.get(`/console/reports/quota/download?format=xlsx&region=${HANYIN}`);
    expect(xlsx.status()).toBe(200);
    expect((await xlsx.body()).subarray(0, 2).toString()).toBe('PK');
    await page.goto('/console/reports/employed');
    expect(await page.locator('#report-table tbody tr').count()).toBeGreaterThan(0);
    // Phones masked as the download has them.
    expect(await text(page.locator('#report-table tbody'))).toMatch(/\d{3}\*{4}\d{4}/);
    expect(await accessibilityProblems(page)).toEqual([]);

    const token = await tokenFor(c.svc, HANYIN, 'OPERATOR');
    for (const [name, query] of [
      ['employed', `region=${HANYIN}`],
      ['five-clears', `region=${HANYIN}&by=village`],
    ]) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.goto(`/console/reports/${name}`).then(async () => {
          if (name === 'five-clears') await page.goto(`/console/reports/${name}?${query}`);
          await page.click('a[href*="format=csv"]');
        }),
      ]);
      const mine = await download.createReadStream().then(async (s) => {
        const chunks: Buffer[] = [];
        for await (const ch of s) chunks.push(ch as Buffer);
        return Buffer.concat(chunks);
      });
      const api = Buffer.from(
        await (
          await fetch(`${c.url}/api/v1/reports/${name}?format=csv&${query}`, { headers: { authorization: `Bearer ${token}` } })
        ).arrayBuffer(),
      );
      expect(mine.subarray(0, 3).toString('hex')).toBe('efbbbf');
      expect(mine.length).toBeGreaterThan(100);
      expect(mine.equals(api), name).toBe(true);
      expect(download.suggestedFilename()).toBe(`${name}_${HANYIN}.csv`);
    }
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('prints a village ledger sheet without the header and navigation', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto(`/console/reports/village-sheet?region=${VILLAGE}`);
    expect(await text(page.locator('h1'))).toContain('五一村');
    const sheet = page.locator('#village-sheet');
    expect(await sheet.locator('tbody').count()).toBe(3);
    expect(await sheet.locator('tbody tr').count()).toBe(7);
    const first = await text(sheet.locator('tbody').first());
    expect(first).toContain('6109211002010001');
    expect(first).toContain('张德明');
    expect(first).toContain('0115');
    expect(first).toContain('138****1234');
    expect(first).not.toContain('610921197203140115');
    expect(first).toContain('苏州精密电子有限公司');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.locator('button[data-print]').waitFor();
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.locator('nav.main-nav').isVisible()).toBe(false);
    expect(await page.locator('button[data-print]').isVisible()).toBe(false);
    expect(await sheet.isVisible()).toBe(true);
    await screenshot(page, 'village-sheet');
    await page.emulateMedia({ media: 'screen' });
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('refuses a Hanyin village sheet to a Danfeng operator', async () => {
    const tab = await signIn(c, 'danfengOperator');
    const { page } = tab;
    const res = await page.goto(`/console/reports/village-sheet?region=${VILLAGE}`);
    expect([403, 404]).toContain(res?.status());
    expect(await page.locator('#village-sheet').count()).toBe(0);
    expect(await text(page.locator('.flash.error'))).toContain(`区划 ${VILLAGE} 不在您的辖区内`);
    const csv = await page.request.get(`/console/reports/employed/download?format=csv&region=${HANYIN}`);
    expect(csv.status()).toBe(403);
    await tab.context.close();
  });
});
