/** `outreach simulate` talks to a running service through its simulators and prints the replies. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { seedWorker } from './helpers/ledger.js';
import { startTestService, type TestService } from './helpers/service.js';

const run = promisify(execFile);
let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
  await seedWorker(svc.running.container.db, { phone: '+8613500135001', telegramChatId: 700500n });
});
afterAll(async () => {
  await svc?.stop();
});

function simulate(...args: string[]) {
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/outreach.js'), 'simulate', ...args, '--wait', '6000'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATA_DIR: svc.running.container.config.DATA_DIR, LOG_LEVEL: 'silent' },
  });
}

describe('outreach simulate', () => {
  it('sms: prints the service’s reply to a text', async () => {
    const { stdout } = await simulate('sms', '13500135001', '帮助');
    expect(stdout).toContain('> 帮助');
    expect(stdout).toMatch(/< 就业帮扶服务/);
  });

  it('telegram: prints the bot’s reply', async () => {
    const { stdout } = await simulate('telegram', '700500', '/help');
    expect(stdout).toMatch(/< 就业帮扶服务/);
  });

  it('refuses a number that is not a mainland mobile', async () => {
    const err = await simulate('sms', '12345', 'hi').catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/not a mainland mobile number/);
  });
});
