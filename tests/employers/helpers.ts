/** Shared pieces of the key-employer tests: valid credit codes and an employer added through the API. */
import { expect } from 'vitest';
import { creditCodeCheckChar } from '../../src/employers/credit-code.js';
import { type Call, call } from '../api/helpers.js';
import type { TestService } from '../helpers/service.js';

export { call, DANFENG, HANYIN, tokenFor } from '../api/helpers.js';

/** Townships of the sample ledger: 城关镇 and 涧池镇 of 汉阴县, and one of 丹凤县. */
export const CHENGGUAN = '610921100';
export const JIANCHI = '610921101';
export const DANFENG_TOWNSHIP = '611022104';

/** A valid unified social credit code (region 610921), different for each n. */
export function creditCode(n: number): string {
  const head = `91610921MA${String(n).padStart(7, '0')}`;
  return head + creditCodeCheckChar(head);
}

export async function addEmployer(
  svc: TestService,
  token: string,
  n: number,
  extra: Record<string, unknown> = {},
): Promise<{ id: number } & Record<string, unknown>> {
  const r: Call = await call(svc, 'POST', '/api/v1/employers', {
    token,
    json: {
      name: `汉阴县第${n}社区工厂`,
      creditCode: creditCode(n),
      type: 'COMMUNITY_FACTORY',
      townshipCode: CHENGGUAN,
      contactName: '王经理',
      phone: `1389250${String(n).padStart(4, '0')}`,
      ...extra,
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}
