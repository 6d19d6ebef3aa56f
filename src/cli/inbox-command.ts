/**
 * `outreach inbox [list]`: messages from senders the ledger does not know, newest first, so staff
 * can register them (the sender was told how to register); `outreach inbox register` attaches a
 * sender to a worker or as a family contact, through the running service's API.
 */
import { type Command, Option } from 'commander';
import { UNKNOWN_SENDERS_SQL } from '../ledger/inbox.js';
import { positiveId, withApiOptions } from './api-client.js';
import { withDb } from './context.js';

export function registerInboxCommand(program: Command): void {
  const inbox = program.command('inbox').description('messages from numbers and chats not in the ledger: list, register');

  const register = inbox
    .command('register <messageId>')
    .description('register the sender of an inbox message (the id `inbox list` shows) to a worker, or as their family contact')
    .requiredOption('--worker <id>', 'the worker (inside your token’s scope)', positiveId('a worker id'))
    .option('--family', 'register the number as a family contact of the worker instead')
    .option('--name <name>', 'with --family: the family member’s name')
    .addOption(
      new Option('--relation <relation>', 'with --family').choices([
        'SPOUSE',
        'PARENT',
        'CHILD',
        'SIBLING',
        'GRANDPARENT',
        'OTHER',
      ]),
    )
    .option('--verified', 'with --family: you checked the number belongs to them')
    .option('--replace', 'replace the number or chat the worker has on file');
  const call = withApiOptions(register);
  register.action(
    async (
      id: string,
      o: { worker: number; family?: boolean; name?: string; relation?: string; verified?: boolean; replace?: boolean },
    ) => {
      if (!/^[1-9]\d{0,18}$/.test(id)) throw new Error('expected a message id, a positive whole number');
      if (o.family && (!o.name || !o.relation)) throw new Error('--family needs --name and --relation');
      const body = o.family
        ? { as: 'family', workerId: o.worker, name: o.name, relation: o.relation, verified: Boolean(o.verified) }
        : { as: 'worker', workerId: o.worker, replace: Boolean(o.replace) };
      const r = await call()<{ workerId: number; familyContactId: number | null; messages: number; greeted: boolean }>(
        'POST',
        `/inbox/${id}/register`,
        body,
      );
      console.log(
        `registered to worker #${r.workerId}${r.familyContactId ? ` as family contact #${r.familyContactId}` : ''}; ${r.messages} earlier messages attached${r.greeted ? '; the menu was sent' : ''}`,
      );
    },
  );

  inbox
    .command('list', { isDefault: true })
    .description('list recent messages from numbers and chats that are not in the ledger')
    .option('--days <n>', 'how far back to look', '7')
    .option('--limit <n>', 'at most this many senders', '50')
    .action(async (opts: { days: string; limit: string }) => {
      const days = Number(opts.days);
      const limit = Number(opts.limit);
      if (!Number.isInteger(days) || days < 1) throw new Error('--days: expected a whole number of days, 1 or more');
      if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit: expected a whole number, 1 or more');
      await withDb(async (db) => {
        // The console's query (src/ledger/inbox.ts); the shell, which reads the ledger directly, shows the address whole.
        const rows = await db.pool.query<{
          id: string;
          channel: string;
          fromAddress: string;
          messages: number;
          lastAt: Date;
          texts: string[];
        }>(UNKNOWN_SENDERS_SQL, [days, null, null, limit]);
        if (rows.rows.length === 0) {
          console.log(`no messages from unregistered senders in the last ${days} days`);
          return;
        }
        for (const r of rows.rows) {
          console.log(
            `#${r.id}  ${r.lastAt.toISOString()}  ${r.channel.padEnd(8)} ${r.fromAddress.padEnd(16)} ${r.messages} msg  “${(r.texts[0] ?? '').slice(0, 40)}”`,
          );
        }
      });
    });
}
