/**
 * 导入 in a real browser: a county operator uploads a sheet with a bad row through the plain
 * multipart form, watches the progress box, sees the row error by line and column and downloads
 * the error file; a viewer cannot upload.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_CSV } from '../api/helpers.js';
import { accessibilityProblems, type ConsoleService, screenshot, signIn, startConsole, text } from './helpers.js';

let c: ConsoleService;

beforeAll(async () => {
  c = await startConsole();
});
afterAll(async () => {
  await c?.stop();
});

/** The sample's header and the first two 五一村 rows, the second with a broken ID checksum (line 3). */
function sheetWithBadRow(): Buffer {
  const lines = readFileSync(SAMPLE_CSV, 'utf8').split(/\r?\n/);
  const rows = lines.filter((l) => l.startsWith('610921100201')).slice(0, 2);
  rows[1] = rows[1]!.replace('610921197508060204', '610921197508060205');
  return Buffer.from(`${[lines[0], ...rows].join('\r\n')}\r\n`, 'utf8');
}

describe('console imports', () => {
  it('uploads a sheet, shows progress, the bad row by line and column, and the error file', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const { page } = tab;
    await page.goto('/console/imports');
    expect(await text(page.locator('h1'))).toContain('导入');
    await page.setInputFiles('input[type=file][name=file]', {
      name: '五一村台账.csv',
      mimeType: 'text/csv',
      buffer: sheetWithBadRow(),
    });
    await Promise.all([page.waitForURL(/\/console\/imports\/[0-9a-f-]{36}$/), page.click('#upload-form button[type=submit]')]);
    expect(await text(page.locator('.flash.ok'))).toContain('五一村台账.csv');
    // The progress box polls until the import is over, then the page shows the row errors.
    const errors = page.locator('#import-errors');
    await errors.waitFor({ timeout: 25_000 });
    const row = errors.locator('tbody tr');
    expect(await row.count()).toBe(1);
    const cells = await row.first().locator('td').allTextContents();
    expect(cells[0]).toBe('3');
    expect(cells[1]).toBe('身份证号');
    expect(cells[2]).not.toContain('610921197508060205');
    const figures = await text(page.locator('#progress'));
    expect(figures).toContain('已完成');
    expect(await page.locator('#progress .figure.bad .figure-value').textContent()).toBe('1');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'import-errors');

    // The error file: CSV with a BOM, the same line and column.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/errors.csv"]')]);
    expect(download.suggestedFilename()).toMatch(/^import-errors_[0-9a-f]{8}\.csv$/);
    const chunks: Buffer[] = [];
    for await (const ch of await download.createReadStream()) chunks.push(ch as Buffer);
    const body = Buffer.concat(chunks);
    expect(body.subarray(0, 3).toString('hex')).toBe('efbbbf');
    const csv = body.subarray(3).toString('utf8').split('\r\n');
    expect(csv[0]).toBe('行号,列,问题');
    expect(csv[1]).toMatch(/^3,身份证号,/);

    // The list of imports of the county has it.
    await page.goto('/console/imports');
    expect(await text(page.locator('#import-list tbody'))).toContain('五一村台账.csv');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'import');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('shows a viewer the imports without the upload form, and refuses their upload', async () => {
    const tab = await signIn(c, 'hanyinViewer');
    const { page } = tab;
    await page.goto('/console/imports');
    await page.locator('#import-list, p.empty').first().waitFor();
    expect(await page.locator('input[type=file]').count()).toBe(0);
    const headers = JSON.parse((await page.locator('body').getAttribute('hx-headers'))!) as Record<string, string>;
    const res = await page.request.post(`/console/imports?_csrf=${encodeURIComponent(headers['x-csrf-token']!)}`, {
      multipart: { file: { name: 'x.csv', mimeType: 'text/csv', buffer: sheetWithBadRow() } },
    });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('查看账号不能导入');
    await tab.context.close();
  });
});
