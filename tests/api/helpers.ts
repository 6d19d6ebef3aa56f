/** The staff API end to end: the service on real HTTP, the sample ledger imported, tokens per scope. */
import type { StaffRole } from '../../src/generated/prisma/enums.js';
import { importLedgerFile } from '../../src/import/import-ledger.js';
import { projectPath } from '../../src/paths.js';
import { issueToken } from '../../src/staff/tokens.js';
import { ensureStaffUser } from '../../src/staff/users.js';
import { startTestService, type TestService } from '../helpers/service.js';

export const SAMPLE_CSV = projectPath('prisma', 'seed', 'sample-ledger.csv');
/** Counties of the sample ledger: 汉阴县 (安康市) and 丹凤县 (商洛市). */
export const HANYIN = '610921';
export const DANFENG = '611022';

/** Starts the service and imports the sample ledger (two counties, 33 workers). */
export async function startApiService(env: Record<string, string> = {}): Promise<TestService> {
  const svc = await startTestService(env);
  const { db, idHashKey } = svc.running.container;
  await importLedgerFile(db, SAMPLE_CSV, { idHashKey });
  return svc;
}

/** A new token for the staff user of that region and role. */
export async function tokenFor(svc: TestService, regionCode: string, role: StaffRole, username?: string): Promise<string> {
  const { pool } = svc.running.container.db;
  const { user } = await ensureStaffUser(pool, { regionCode, role, username });
  return (await issueToken(pool, { staffUserId: user.id, name: 'test' })).token;
}

export interface Call {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
  body: any;
  headers: Headers;
}

/** One HTTP request to the running service. */
export async function call(
  svc: TestService,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; body?: NonNullable<RequestInit['body']>; contentType?: string } = {},
): Promise<Call> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: NonNullable<RequestInit['body']> | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.contentType) headers['content-type'] = opts.contentType;
  const res = await fetch(`${svc.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}
