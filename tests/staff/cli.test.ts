/**
 * The staff commands of `outreach` against a running service: tasks, confirmations, worker
 * records and the inbox through the API (with the CLI's provenance), staff users from the shell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { verifyPassword } from '../../src/staff/passwords.js';
import { outreachCli, type TestService } from '../helpers/service.js';
import { HANYIN, items, sms, startStaffService, textAndWait, tokenFor, workerIdByPhone, ZHANG } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let token: string;
const db = () => svc.running.container.db;

/** Runs `outreach …` as staff would, with the service's address, a token and its database. */
function outreach(args: string[], opts: { stdin?: string; token?: string } = {}): Promise<string> {
  return outreachCli(svc, args, { ...opts, token: opts.token ?? token });
}

beforeAll(async () => {
  ({ svc, sim } = await startStaffService());
  token = await tokenFor(svc, HANYIN, 'OPERATOR', 'op-cli');
});
afterAll(async () => {
  await svc?.stop();
});

describe('outreach task, confirmation, worker, inbox, staff', () => {
  it('task list|assign|close: the call is recorded with the CLI as its channel', async () => {
    await sms(sim, ZHANG.phone, '转人工');
    const list = await outreach(['task', 'list', '--unassigned']);
    const id = /#(\d+) OPEN human_help/.exec(list)?.[1];
    expect(id, list).toBeDefined();
    expect(list).toContain('张德明');
    expect(await outreach(['task', 'assign', id!])).toContain('@op-cli');
    const closed = await outreach(['task', 'close', id!, '--outcome', '已回电', '--called']);
    expect(closed).toMatch(new RegExp(`#${id} DONE`));
    expect(closed).toContain('STAFF_CALL');
    const contact = await db().prisma.serviceContact.findFirstOrThrow({ where: { kind: 'STAFF_CALL', note: '已回电' } });
    expect(contact.channel).toBe('CLI');
    const audit = await db().prisma.auditLog.findFirstOrThrow({ where: { action: 'task.close', entityId: id } });
    expect(audit.details).toMatchObject({ via: 'CLI' });
    const refused = await outreach(['task', 'close', id!, '--outcome', 'again']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain('409');
  });

  it('worker show|update|service|family and confirmation request|show|review', async () => {
    const workerId = await workerIdByPhone(svc, '+8613891504567');
    expect(await outreach(['worker', 'show', String(workerId)])).toMatch(/王建国 .*\+86\*{7}4567/);
    expect(await outreach(['worker', 'update', String(workerId), '--willing-away', 'yes', '--skills', '种植、养殖'])).toContain(
      'changed: willingToWorkAway, skills',
    );
    expect(await outreach(['worker', 'service', String(workerId), '--kind', 'visit', '--note', '入户'])).toContain('STAFF_VISIT');
    expect(
      await outreach([
        'worker',
        'family',
        'add',
        String(workerId),
        '--name',
        '王丽',
        '--relation',
        'SPOUSE',
        '--phone',
        '13700139901',
        '--verified',
      ]),
    ).toContain('+86*******9901');
    const asked = await outreach(['confirmation', 'request', '--worker', String(workerId), '--statement', '王建国在西安务工']);
    const id = /#(\d+) REQUESTED STATUS/.exec(asked)?.[1];
    expect(id, asked).toBeDefined();
    await expect
      .poll(() => sim.messages({ to: '+8613700139901', direction: 'outbound-api' }).length, { timeout: 10_000 })
      .toBe(1);
    await sms(sim, '+8613700139901', '1');
    await sms(sim, '+8613700139901', '无');
    expect(await outreach(['confirmation', 'list', '--to-review'])).toContain(`#${id} CONFIRMED`);
    const shown = await outreach(['confirmation', 'show', id!]);
    expect(shown).toContain('REGISTERED_FAMILY_NUMBER');
    expect(shown).toContain('> 1');
    expect(await outreach(['confirmation', 'review', id!, '--approve', '--note', '核实'])).toContain(`#${id} APPROVED`);
    const neither = await outreach(['confirmation', 'review', id!]).catch((e: { stderr: string }) => e.stderr);
    expect(neither).toContain('--approve or --reject');
  });

  it('inbox list and register; staff create with a password from stdin, list, disable', async () => {
    await textAndWait(svc, sim, '+8613600139901', '请帮我登记');
    const listed = await outreach(['inbox']);
    const id = /#(\d+) .*\+8613600139901/.exec(listed)?.[1];
    expect(id, listed).toBeDefined();
    const familyOf = await workerIdByPhone(svc, ZHANG.phone);
    expect(
      await outreach([
        'inbox',
        'register',
        id!,
        '--worker',
        String(familyOf),
        '--family',
        '--name',
        '张强',
        '--relation',
        'SIBLING',
      ]),
    ).toContain('1 earlier messages attached');
    expect((await items(svc, token, '/api/v1/inbox')).length).toBe(0);

    expect(
      await outreach(
        [
          'staff',
          'create',
          '--username',
          'chen.jing',
          '--region',
          HANYIN,
          '--role',
          'ADMIN',
          '--name',
          '陈静',
          '--password-stdin',
        ],
        {
          stdin: 'a long enough password\n',
        },
      ),
    ).toContain('created staff user chen.jing');
    const user = await db().prisma.staffUser.findUniqueOrThrow({ where: { username: 'chen.jing' } });
    expect(await verifyPassword('a long enough password', user.passwordHash)).toBe(true);
    const short = await outreach(
      ['staff', 'create', '--username', 'x.short', '--region', HANYIN, '--role', 'VIEWER', '--password-stdin'],
      {
        stdin: 'short\n',
      },
    ).catch((e: { stderr: string }) => e.stderr);
    expect(short).toContain('at least 10 characters');
    expect(await outreach(['staff', 'list', '--region', HANYIN])).toMatch(/chen\.jing {2}ADMIN {2}610921/);
    const own = await tokenFor(svc, HANYIN, 'ADMIN', 'chen.jing');
    expect(await outreach(['staff', 'disable', 'chen.jing'])).toContain('tokens in force: 0');
    const after = await outreach(['task', 'list'], { token: own }).catch((e: { stderr: string }) => e.stderr);
    expect(after).toContain('401');
  });
});
