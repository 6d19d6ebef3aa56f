/**
 * `outreach agency list|add`: the human-resources service agencies a job referral may name (the
 * referral subsidy of §14 is paid to them), through the running service's API.
 */
import type { Command } from 'commander';
import { withApiOptions } from './api-client.js';

interface Agency {
  id: number;
  name: string;
  creditCode: string | null;
  regionCode: string;
  regionName: string;
}

const line = (a: Agency) => `#${a.id} ${a.name} ${a.creditCode ?? '-'} · ${a.regionName} ${a.regionCode}`;

export function registerAgencyCommand(program: Command): void {
  const agency = program.command('agency').description('service agencies that refer workers (§14 referral subsidy): list, add');
  const call = withApiOptions(agency);

  agency
    .command('list')
    .description('agencies you may name on a job referral')
    .action(async () => {
      const r = await call()<{ items: Agency[] }>('GET', '/agencies');
      for (const a of r.items) console.log(line(a));
      if (r.items.length === 0) console.log('(none)');
    });

  agency
    .command('add <name>')
    .description('register an agency in your scope')
    .option('--credit-code <code>', 'unified social credit code (统一社会信用代码, 18 characters)')
    .option('--region <code>', 'a region inside your scope (default: your own)')
    .action(async (name: string, o: { creditCode?: string; region?: string }) => {
      const a = await call()<Agency>('POST', '/agencies', {
        name,
        ...(o.creditCode ? { creditCode: o.creditCode } : {}),
        ...(o.region ? { regionCode: o.region } : {}),
      });
      console.log(`agency ${line(a)} registered`);
    });
}
