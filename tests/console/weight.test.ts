/**
 * Page weight over the wire, as a browser on a slow line sees it: a first visit downloads the page
 * and every asset (compressed) within 150 KB; a later visit downloads only the page (the assets
 * are cached under content-hashed URLs) within 30 KB. Also the console on a village official's
 * phone: the dashboard and the ledger fit a 360 px screen.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleService, screenshot, signIn, startConsole } from './helpers.js';

let c: ConsoleService;

beforeAll(async () => {
  c = await startConsole();
});
afterAll(async () => {
  await c?.stop();
});

/**
 * Bytes that crossed the network (headers and compressed bodies, from the DevTools protocol's
 * encodedDataLength) while `load` runs, and the paths fetched from the server (not the cache).
 */
async function transferred(page: Page, load: () => Promise<unknown>): Promise<{ bytes: number; urls: string[] }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const urlOf = new Map<string, string>();
  const cached = new Set<string>();
  let bytes = 0;
  const urls: string[] = [];
  cdp.on('Network.requestWillBeSent', (e) => urlOf.set(e.requestId, new URL(e.request.url).pathname));
  cdp.on('Network.requestServedFromCache', (e) => cached.add(e.requestId));
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    if (!cached.has(e.requestId) && e.encodedDataLength > 0) urls.push(urlOf.get(e.requestId) ?? '?');
  });
  await load();
  await page.waitForLoadState('networkidle');
  await cdp.detach();
  return { bytes, urls };
}

describe('console: page weight', () => {
  it('keeps every screen within 150 KB on a first visit and 30 KB on the next', async () => {
    const tab = await signIn(c, 'hanyinOperator');
    const workerId = (await c.svc.running.container.db.prisma.worker.findFirstOrThrow({ select: { id: true } })).id;
    for (const path of ['/console', '/console/ledger', `/console/workers/${workerId}`, '/console/tasks', '/console/reports']) {
      // A first visit: a new browser profile, nothing cached.
      const fresh = await c.browser.newContext({ baseURL: c.url, storageState: await tab.context.storageState() });
      const p = await fresh.newPage();
      const first = await transferred(p, () => p.goto(path));
      expect(
        first.urls.some((u) => u.endsWith('/htmx.min.js')),
        path,
      ).toBe(true);
      expect(first.bytes, `${path} first visit`).toBeLessThanOrEqual(150 * 1024);
      const repeat = await transferred(p, () => p.goto(path));
      expect(
        repeat.urls.filter((u) => u.startsWith('/console/assets/')),
        `${path} assets are cached`,
      ).toEqual([]);
      expect(repeat.bytes, `${path} repeat visit`).toBeLessThanOrEqual(30 * 1024);
      await fresh.close();
    }
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('fits a village official’s phone', async () => {
    const tab = await signIn(c, 'hanyinOperator', { viewport: { width: 360, height: 740 } });
    const { page } = tab;
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'dashboard-phone');
    await page.goto('/console/ledger');
    // Wide tables scroll inside their own box; the page itself does not scroll sideways.
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'ledger-phone');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});
