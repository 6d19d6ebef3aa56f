/**
 * `outreach campaign create|list|preview|launch|pause|resume|cancel|status`: the staff API's
 * campaign endpoints from a terminal. The CLI is a client of the running service (it needs no
 * ledger or Redis of its own, so it works while `npm start` holds the embedded ones), acting with
 * an API token: --token or OUTREACH_TOKEN (`outreach token create` issues one).
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { Progress } from '../campaigns/control.js';
import { type ApiCall, withApiOptions } from './api-client.js';

const FINAL = new Set(['COMPLETED', 'CANCELLED']);

/** One line: a bar, the percentage, counts and ETA. */
export function progressLine(p: Progress, width = 30): string {
  const filled = Math.round((p.percent / 100) * width);
  const eta = p.etaSeconds === null ? '?' : p.etaSeconds === 0 ? '0s' : `${Math.floor(p.etaSeconds / 60)}m${p.etaSeconds % 60}s`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.percent.toFixed(1)}% ${p.status} queued ${p.queued} sent ${p.sent} delivered ${p.delivered} failed ${p.failed} cancelled ${p.cancelled} replied ${p.replied} · ${p.ratePerSecond}/s · ETA ${eta}`;
}

async function watch(call: ApiCall, id: number, follow: boolean): Promise<void> {
  for (;;) {
    const p = await call<Progress>('GET', `/campaigns/${id}/progress`);
    const line = progressLine(p);
    if (process.stdout.isTTY && follow) process.stdout.write(`\r${line}`);
    else console.log(line);
    if (!follow || FINAL.has(p.status)) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (process.stdout.isTTY && follow) process.stdout.write('\n');
}

const id = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a campaign id');
  return n;
};

/** "DAY HH:MM": weekday 0-6 for --weekly, day 1-28 for --monthly. */
function schedule(opts: { at?: string; weekly?: string; monthly?: string }) {
  if (opts.at) return { type: 'at', at: new Date(opts.at).toISOString() };
  const m = /^(\d{1,2})\s+(\d{2}:\d{2})$/.exec(opts.weekly ?? opts.monthly ?? '');
  if (opts.weekly && m) return { type: 'weekly', dayOfWeek: Number(m[1]), time: m[2] };
  if (opts.monthly && m) return { type: 'monthly', day: Number(m[1]), time: m[2] };
  if (opts.weekly || opts.monthly) throw new InvalidArgumentError('expected "DAY HH:MM", e.g. "1 09:00"');
  return { type: 'now' };
}

export function registerCampaignCommand(program: Command): void {
  const campaign = program
    .command('campaign')
    .description('campaigns through the running service: create, preview, launch, pause, resume, cancel, status');
  const call = withApiOptions(campaign);

  campaign
    .command('create')
    .description('create a draft campaign and print its preview')
    .requiredOption('--region <code>', 'region code it targets (inside your token’s scope)')
    .requiredOption(
      '--kind <kind>',
      'POLICY_NOTICE | JOB_LEADS | TRAINING_LIST | ZERO_EMPLOYMENT | CHECK_IN | TRAINING_FOLLOW_UP',
    )
    .requiredOption('--name <name>', 'a name staff will recognise')
    .option('--text <text>', 'message text in Chinese (text kinds)')
    .option('--text-en <text>', 'message text in English, for workers who chose English')
    .option('--audience <json>', 'audience filter as JSON, e.g. {"stale":true,"categories":["RELOCATED"]}')
    .option('--lead-ids <ids>', 'JOB_LEADS: comma-separated lead ids')
    .option('--per-lead-cap <n>', 'JOB_LEADS: people per lead at most')
    .option('--at <time>', 'launch at this time (ISO 8601)')
    .option('--weekly <day time>', 'recurring: weekday (0 = Sunday) and time, China time, e.g. "1 09:00"')
    .option('--monthly <day time>', 'recurring: day of month (1-28) and time, China time, e.g. "1 08:00"')
    .action(async (o) => {
      const text = o.text ? { 'zh-CN': o.text, ...(o.textEn ? { en: o.textEn } : {}) } : undefined;
      const body = {
        name: o.name,
        kind: o.kind,
        regionCode: o.region,
        audience: o.audience ? JSON.parse(o.audience) : {},
        content: {
          ...(text ? { text } : {}),
          ...(o.leadIds ? { leadIds: String(o.leadIds).split(',').map(Number) } : {}),
          ...(o.perLeadCap ? { perLeadCap: Number(o.perLeadCap) } : {}),
        },
        schedule: schedule(o),
      };
      const c = await call()<{ id: number; status: string }>('POST', '/campaigns', body);
      const preview = await call()<Record<string, unknown>>('GET', `/campaigns/${c.id}/preview`);
      console.log(`campaign ${c.id} created (${c.status}); a launch now would reach:`);
      console.log(JSON.stringify(preview, null, 2));
    });

  campaign
    .command('list')
    .description('campaigns of your scope, newest first')
    .action(async () => {
      const r = await call()<{
        items: Array<{ id: number; name: string; kind: string; status: string; regionCode: string; recipients: number }>;
      }>('GET', '/campaigns');
      for (const c of r.items) console.log(`${c.id}\t${c.status}\t${c.kind}\t${c.regionCode}\t${c.recipients}\t${c.name}`);
    });

  campaign
    .command('preview <id>')
    .description('how many people a launch would reach now')
    .action(async (v: string) => console.log(JSON.stringify(await call()('GET', `/campaigns/${id(v)}/preview`), null, 2)));

  for (const action of ['launch', 'pause', 'resume', 'cancel'] as const) {
    campaign
      .command(`${action} <id>`)
      .description(`${action} a campaign${action === 'launch' ? ' (--watch follows its progress)' : ''}`)
      .option('--watch', 'follow the progress until it completes')
      .action(async (v: string, o: { watch?: boolean }) => {
        const c = await call()<{ id: number; status: string }>('POST', `/campaigns/${id(v)}/${action}`);
        console.log(`campaign ${c.id}: ${c.status}`);
        if (o.watch) await watch(call(), c.id, true);
      });
  }

  campaign
    .command('status <id>')
    .description('progress: queued, sent, delivered, failed, replied, percent, ETA')
    .option('--watch', 'refresh every second until it completes')
    .action(async (v: string, o: { watch?: boolean }) => watch(call(), id(v), Boolean(o.watch)));
}
