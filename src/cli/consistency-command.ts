/**
 * `outreach consistency show|findings|run|runs`: the ledger consistency check (§3) from a terminal,
 * through the running service's API (scope, roles and audit as there).
 *
 *   outreach consistency show [--region CODE]                 share of consistent records, open findings per village
 *   outreach consistency findings [--region CODE] [--rule R] [--resolved|--all] [--limit N]
 *   outreach consistency run [--region CODE] [--wait]         check now (OPERATOR or ADMIN)
 *   outreach consistency runs [--region CODE]
 */
import type { Command } from 'commander';
import { RULES } from '../consistency/rules.js';
import { type ApiCall, chinaTime, withApiOptions } from './api-client.js';

interface Run {
  id: number;
  region: { code: string; name: string };
  trigger: string;
  status: string;
  finishedAt: string | null;
  checked: number;
  found: number;
  opened: number;
  resolved: number;
  tasksOpened: number;
  error: string | null;
}

interface Finding {
  id: number;
  rule: string;
  entity: string;
  entityId: number;
  worker: { id: number; name: string } | null;
  household: { code: string };
  village: { name: string };
  foundAt: string;
  resolvedAt: string | null;
}

interface Overview {
  region: { code: string; name: string };
  share: { checked: number; consistent: number; share: number | null; checkedAt: string | null };
  lastRun: Run | null;
  open: number;
  byRule: Record<string, number>;
  villages: Array<{
    village: { code: string; name: string };
    township: string | null;
    open: number;
    byRule: Record<string, number>;
  }>;
}

const pct = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)}%`);

function runLine(r: Run): string {
  const when = r.finishedAt ? ` ${chinaTime(r.finishedAt)}` : '';
  const outcome =
    r.status === 'finished'
      ? ` · checked ${r.checked} · open ${r.found} (new ${r.opened}, resolved ${r.resolved}) · tasks opened ${r.tasksOpened}`
      : r.error
        ? ` · ${r.error}`
        : '';
  return `#${r.id} ${r.status} ${r.trigger} ${r.region.name} (${r.region.code})${when}${outcome}`;
}

function rule(v: string): string {
  if (!(RULES as readonly string[]).includes(v)) throw new Error(`--rule: expected one of ${RULES.join(', ')}`);
  return v;
}

async function waitFor(call: ApiCall, id: number, timeoutMs = 30 * 60_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call<Run>('GET', `/consistency/runs/${id}`);
    if (r.status === 'finished' || r.status === 'failed' || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 1000));
  }
}

export function registerConsistencyCommand(program: Command): void {
  const cmd = program
    .command('consistency')
    .description('ledger consistency check (§3): findings per village, the share of consistent records');
  const call = withApiOptions(cmd);
  const region = (code?: string) => (code ? `regionCode=${encodeURIComponent(code)}` : '');

  cmd
    .command('show')
    .description('share of consistent records, the last run, open findings per village and rule')
    .option('--region <code>', 'a region inside your scope (default your own)')
    .action(async (o: { region?: string }) => {
      const v = await call()<Overview>('GET', `/consistency?${region(o.region)}`);
      console.log(
        `${v.region.name} (${v.region.code}): ${pct(v.share.share)} consistent (${v.share.consistent}/${v.share.checked}) · checked ${v.share.checkedAt ? chinaTime(v.share.checkedAt) : 'never'}`,
      );
      if (v.lastRun) console.log(`last run ${runLine(v.lastRun)}`);
      console.log(`open findings ${v.open}: ${RULES.map((r) => `${r} ${v.byRule[r] ?? 0}`).join(' · ')}`);
      for (const x of v.villages) {
        const rules = Object.entries(x.byRule)
          .map(([r, n]) => `${r} ${n}`)
          .join(', ');
        console.log(`  ${x.village.code} ${x.township ?? ''}${x.village.name}\t${x.open}\t${rules}`);
      }
    });

  cmd
    .command('findings')
    .description('findings with the rule each breaks, newest first (open ones by default)')
    .option('--region <code>', 'a region inside your scope; a village code lists that village')
    .option('--rule <rule>', RULES.join(' | '), rule)
    .option('--resolved', 'only resolved ones')
    .option('--all', 'open and resolved')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (o: { region?: string; rule?: string; resolved?: boolean; all?: boolean; limit: string }) => {
      const q = new URLSearchParams({ limit: o.limit, state: o.all ? 'all' : o.resolved ? 'resolved' : 'open' });
      if (o.region) q.set('regionCode', o.region);
      if (o.rule) q.set('rule', o.rule);
      const r = await call()<{ items: Finding[] }>('GET', `/consistency/findings?${q}`);
      if (r.items.length === 0) console.log('no findings');
      for (const f of r.items) {
        const who = f.worker ? `${f.worker.name} (#${f.worker.id})` : `户 ${f.household.code}`;
        const state = f.resolvedAt ? `resolved ${chinaTime(f.resolvedAt)}` : `open since ${chinaTime(f.foundAt)}`;
        console.log(`#${f.id} ${f.village.name}\t${f.rule}\t${f.entity} ${f.entityId}\t${who}\t${state}`);
      }
    });

  cmd
    .command('run')
    .description('check the region now (OPERATOR or ADMIN); --wait prints the outcome')
    .option('--region <code>', 'a region inside your scope (default your own)')
    .option('--wait', 'wait until the run has finished')
    .action(async (o: { region?: string; wait?: boolean }) => {
      const api = call();
      const queued = await api<Run>('POST', '/consistency/runs', o.region ? { regionCode: o.region } : {});
      const r = o.wait ? await waitFor(api, queued.id) : queued;
      console.log(runLine(r));
      if (r.status === 'failed') process.exitCode = 1;
    });

  cmd
    .command('runs')
    .description('runs over the region, inside it or above it, newest first')
    .option('--region <code>', 'a region inside your scope (default your own)')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (o: { region?: string; limit: string }) => {
      const r = await call()<{ items: Run[] }>(
        'GET',
        `/consistency/runs?limit=${encodeURIComponent(o.limit)}&${region(o.region)}`,
      );
      if (r.items.length === 0) console.log('no runs');
      for (const x of r.items) console.log(runLine(x));
    });
}
