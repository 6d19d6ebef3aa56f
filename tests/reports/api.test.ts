/** GET /api/v1/reports/… on the running service with the sample ledger: scope from the token, files. */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DANFENG, HANYIN, startApiService, tokenFor } from '../api/helpers.js';
import type { TestService } from '../helpers/service.js';

let svc: TestService;
let county: string;

beforeAll(async () => {
  svc = await startApiService();
  county = await tokenFor(svc, HANYIN, 'VIEWER', 'reports-viewer');
});
afterAll(async () => {
  await svc?.stop();
});

async function download(path: string, token: string) {
  const res = await fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

describe('reports API', () => {
  it('answers the caller’s county and nothing of the other county', async () => {
    const r = await call(svc, 'GET', '/api/v1/reports/five-clears', { token: county });
    expect(r.status).toBe(200);
    expect(r.body.scope.code).toBe(HANYIN);
    expect(r.body.total.workers.total).toBe(20);
    expect(r.body.groups.map((g: { code: string }) => g.code)).toEqual(['610921100', '610921101']);
    const other = await call(svc, 'GET', `/api/v1/reports/five-clears?region=${DANFENG}`, { token: county });
    expect(other.status).toBe(403);
    const narrower = await call(svc, 'GET', '/api/v1/reports/freshness?region=610921101', { token: county });
    expect(narrower.status).toBe(200);
    expect(narrower.body.total.workers).toBe(9);
    expect((await call(svc, 'GET', '/api/v1/reports/five-clears')).status).toBe(401);
  });

  it('pages a list as JSON', async () => {
    const p1 = await call(svc, 'GET', '/api/v1/reports/employed?limit=5', { token: county });
    expect(p1.status).toBe(200);
    expect(p1.body.items).toHaveLength(5);
    expect(p1.body.next).not.toBeNull();
    const p2 = await call(svc, 'GET', `/api/v1/reports/employed?limit=10&after=${p1.body.next}`, { token: county });
    // 13 employed in the county: 8 more, and no further page.
    expect(p2.body.items).toHaveLength(8);
    expect(p2.body.next).toBeNull();
    expect(JSON.stringify([p1.body, p2.body])).not.toMatch(/\+86\d{11}/);
  });

  it('downloads CSV with a BOM and XLSX readable back', async () => {
    const csv = await download('/api/v1/reports/employed?format=csv', county);
    expect(csv.res.status).toBe(200);
    expect(csv.res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.res.headers.get('content-disposition')).toContain('filename="employed_610921.csv"');
    const text = csv.body.toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.slice(1).trimEnd().split('\r\n')).toHaveLength(14);

    const xlsx = await download('/api/v1/reports/national-export?format=xlsx', county);
    expect(xlsx.res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as never);
    expect(wb.worksheets[0]?.rowCount).toBe(21);
    expect(wb.worksheets[0]?.getRow(1).getCell(2).value).toBe('身份证号(后4位)');
  });

  it('refuses a group level above the region', async () => {
    const r = await call(svc, 'GET', '/api/v1/reports/quota?by=city', { token: county });
    expect(r.status).toBe(400);
  });
});
