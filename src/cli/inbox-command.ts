/**
 * `outreach inbox`: messages from senders the ledger does not know, newest first, so staff can
 * register them (the sender was told how to register).
 */
import type { Command } from 'commander';
import { withDb } from './context.js';

export function registerInboxCommand(program: Command): void {
  program
    .command('inbox')
    .description('list recent messages from numbers and chats that are not in the ledger')
    .option('--days <n>', 'how far back to look', '7')
    .option('--limit <n>', 'at most this many senders', '50')
    .action(async (opts: { days: string; limit: string }) => {
      const days = Number(opts.days);
      const limit = Number(opts.limit);
      if (!Number.isInteger(days) || days < 1) throw new Error('--days: expected a whole number of days, 1 or more');
      if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit: expected a whole number, 1 or more');
      await withDb(async (db) => {
        const rows = await db.pool.query<{
          channel: string;
          fromAddress: string;
          messages: number;
          last: Date;
          text: string | null;
        }>(
          `SELECT channel, "fromAddress", count(*)::int AS messages, max("receivedAt") AS last,
                  (array_agg(text ORDER BY id DESC))[1] AS text
             FROM "InboundMessage"
            WHERE "workerId" IS NULL AND "familyContactId" IS NULL AND "handledAt" IS NOT NULL
              AND "receivedAt" > now() - make_interval(days => $1)
            GROUP BY channel, "fromAddress" ORDER BY last DESC LIMIT $2`,
          [days, limit],
        );
        if (rows.rows.length === 0) {
          console.log(`no messages from unregistered senders in the last ${days} days`);
          return;
        }
        for (const r of rows.rows) {
          console.log(
            `${r.last.toISOString()}  ${r.channel.padEnd(8)} ${r.fromAddress.padEnd(16)} ${r.messages} msg  “${(r.text ?? '').slice(0, 40)}”`,
          );
        }
      });
    });
}
