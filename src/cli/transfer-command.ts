/**
 * `outreach transfer household|worker`: move a household into another village or a worker into
 * another household, through the running service's API (ADMIN; both ends inside your region;
 * audited). Imports never move records between regions; this does, on purpose.
 */
import type { Command } from 'commander';
import { positiveId, withApiOptions } from './api-client.js';

interface Place {
  id: number;
  code: string;
  name: string;
}

export function registerTransferCommand(program: Command): void {
  const transfer = program
    .command('transfer')
    .description('move a household to another village, or a worker to another household (ADMIN, through the API)');
  const call = withApiOptions(transfer);
  const place = (p: Place) => `${p.name} (${p.code})`;

  transfer
    .command('household <household>')
    .description('move a household (its 户编号, or #ID) and its workers into a village')
    .requiredOption('--to <village>', 'the destination village: its 12-digit code, or its id')
    .action(async (household: string, o: { to: string }) => {
      const ref = household.startsWith('#')
        ? { householdId: positiveId('a household id after #')(household.slice(1)) }
        : { householdCode: household };
      const r = await call()<{
        household: { id: number; code: string };
        from: Place;
        to: Place;
        moved: boolean;
        workers: number;
        siteCleared: boolean;
      }>('POST', '/transfers/households', {
        ...ref,
        ...(/^\d{12}$/.test(o.to) ? { toRegionCode: o.to } : { toRegionId: positiveId('a village code or id')(o.to) }),
      });
      if (!r.moved) return console.log(`household ${r.household.code} is already in ${place(r.to)}`);
      console.log(`household ${r.household.code} moved: ${place(r.from)} → ${place(r.to)}, ${r.workers} worker(s) with it`);
      if (r.siteCleared) console.log('it left its county: its resettlement site was cleared (the new county’s import sets one)');
    });

  transfer
    .command('worker <workerId>')
    .description('move a worker into another household (and its village)')
    .requiredOption('--to-household <householdId>', 'id of the destination household')
    .action(async (worker: string, o: { toHousehold: string }) => {
      const r = await call()<{
        worker: { id: number; name: string };
        from: { household: { code: string }; village: Place };
        to: { household: { code: string }; village: Place };
        moved: boolean;
      }>('POST', '/transfers/workers', {
        workerId: positiveId('a worker id')(worker),
        toHouseholdId: positiveId('a household id')(o.toHousehold),
      });
      if (!r.moved) return console.log(`worker #${r.worker.id} ${r.worker.name} is already in household ${r.to.household.code}`);
      console.log(
        `worker #${r.worker.id} ${r.worker.name} moved: household ${r.from.household.code} (${place(r.from.village)}) → ${r.to.household.code} (${place(r.to.village)})`,
      );
    });
}
