/**
 * `outreach employer …`: the county's key employers (§6) and their monthly reports from a
 * terminal, through the running service's API (scope, roles and audit as there).
 */
import type { Command } from 'commander';
import { chinaTime, positiveId, withApiOptions } from './api-client.js';

interface Employer {
  id: number;
  name: string;
  creditCode: string | null;
  type: string | null;
  township: { code: string; name: string };
  contactName: string | null;
  phone: string | null;
  removedAt: string | null;
}

const employerId = positiveId('an employer id');

function line(e: Employer): string {
  const contact = [e.contactName, e.phone].filter(Boolean).join(' ');
  return `#${e.id} ${e.name} ${e.creditCode} ${e.type} ${e.township.name}${contact ? ` · ${contact}` : ''}${e.removedAt ? ' (removed)' : ''}`;
}

interface FieldOpts {
  name?: string;
  code?: string;
  type?: string;
  township?: string;
  contact?: string;
  phone?: string;
}

function fieldBody(o: FieldOpts): Record<string, string> {
  const body: Record<string, string> = {};
  if (o.name !== undefined) body.name = o.name;
  if (o.code !== undefined) body.creditCode = o.code;
  if (o.type !== undefined) body.type = o.type;
  if (o.township !== undefined) body.townshipCode = o.township;
  if (o.contact !== undefined) body.contactName = o.contact;
  if (o.phone !== undefined) body.phone = o.phone;
  return body;
}

const TYPES = 'COMMUNITY_FACTORY | POVERTY_WORKSHOP | EMPLOYMENT_BASE | EXPORT_FIRM | OTHER';

export function registerEmployerCommand(program: Command): void {
  const employer = program
    .command('employer')
    .description('key employers and their monthly headcount reports (§6) through the running service');
  const call = withApiOptions(employer);

  employer
    .command('list')
    .description('key employers of your scope')
    .option('--region <code>', 'a region inside your scope')
    .option('--type <type>', TYPES)
    .option('--search <text>', 'part of the name, or the start of the credit code')
    .option('--removed', 'the removed employers instead')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (o: { region?: string; type?: string; search?: string; removed?: boolean; limit: string }) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.region) q.set('regionCode', o.region);
      if (o.type) q.set('type', o.type);
      if (o.search) q.set('search', o.search);
      if (o.removed) q.set('removed', 'true');
      const r = await call()<{ items: Employer[] }>('GET', `/employers?${q}`);
      if (r.items.length === 0) console.log('no employers');
      for (const e of r.items) console.log(line(e));
    });

  employer
    .command('show <id>')
    .description('one employer')
    .action(async (v: string) => console.log(line(await call()<Employer>('GET', `/employers/${employerId(v)}`))));

  const withFields = (c: Command) =>
    c
      .option('--name <name>', 'the employer’s name')
      .option('--code <code>', '统一社会信用代码 (18 characters)')
      .option('--type <type>', TYPES)
      .option('--township <code>', 'the township’s code (9 digits)')
      .option('--contact <name>', 'the contact person')
      .option('--phone <mobile>', 'the contact’s mobile: the monthly survey link goes there');

  withFields(employer.command('add').description('add a key employer to a township of your scope')).action(
    async (o: FieldOpts) => {
      const body = { type: 'OTHER', ...fieldBody(o) };
      console.log(line(await call()<Employer>('POST', '/employers', body)));
    },
  );

  withFields(employer.command('update <id>').description('change an employer')).action(async (v: string, o: FieldOpts) => {
    console.log(line(await call()<Employer>('PATCH', `/employers/${employerId(v)}`, fieldBody(o))));
  });

  employer
    .command('remove <id>')
    .description('stop monitoring an employer (its reports stay)')
    .action(async (v: string) => console.log(line(await call()<Employer>('DELETE', `/employers/${employerId(v)}`))));

  const count = (what: string) => (v: string) => {
    if (!/^\d{1,7}$/.test(v)) throw new Error(`expected ${what}, a whole number`);
    return Number(v);
  };
  employer
    .command('report <id>')
    .description(
      'enter a monthly report the employer gave by phone (a new revision of the month; recorded as yours, via the CLI)',
    )
    .requiredOption('--month <YYYY-MM>', 'the month reported (figures at its end)')
    .requiredOption('--headcount <n>', 'workers at the month’s end', count('a headcount'))
    .requiredOption('--poor <n>', 'of them from poor households', count('a count'))
    .option('--hires <n>', 'hired in the month', count('a count'), 0)
    .option('--hires-poor <n>', 'of them from poor households', count('a count'), 0)
    .option('--laid-off <n>', 'separations: laid off', count('a count'), 0)
    .option('--resigned <n>', 'separations: resigned', count('a count'), 0)
    .option('--contract-ended <n>', 'separations: contract ended', count('a count'), 0)
    .option('--seasonal <n>', 'separations: seasonal', count('a count'), 0)
    .option('--left-poor <n>', 'of the separations, from poor households', count('a count'), 0)
    .option('--vacancies <n>', 'open posts at the month’s end', count('a count'), 0)
    .option('--wage-min <yuan>', 'the vacancies’ monthly wage from', count('an amount'))
    .option('--wage-max <yuan>', 'the vacancies’ monthly wage to', count('an amount'))
    .option('--production <status>', 'NORMAL | REDUCED | STOPPED', 'NORMAL')
    .option('--explanation <text>', 'why the figures do not add up, when they do not')
    .option(
      '--layoff <name:mobile-or-id4>',
      'a laid-off poor-household worker (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .action(
      async (
        v: string,
        o: {
          month: string;
          headcount: number;
          poor: number;
          hires: number;
          hiresPoor: number;
          laidOff: number;
          resigned: number;
          contractEnded: number;
          seasonal: number;
          leftPoor: number;
          vacancies: number;
          wageMin?: number;
          wageMax?: number;
          production: string;
          explanation?: string;
          layoff: string[];
        },
      ) => {
        const layoffs = o.layoff.map((l) => {
          const [name = '', id = ''] = l.split(/[:：]/);
          return /^\d{3}[\dXx]$/.test(id) ? { name, idLast4: id } : { name, phone: id || null };
        });
        const r = await call()<{ revision: number; discrepancies: string[]; layoffsMatched: number }>(
          'POST',
          `/employers/${employerId(v)}/reports`,
          {
            month: o.month,
            headcount: o.headcount,
            povertyWorkers: o.poor,
            hires: o.hires,
            hiresPoor: o.hiresPoor,
            separationsLayoff: o.laidOff,
            separationsResigned: o.resigned,
            separationsContract: o.contractEnded,
            separationsSeasonal: o.seasonal,
            separationsPoor: o.leftPoor,
            vacancies: o.vacancies,
            wageMin: o.wageMin ?? null,
            wageMax: o.wageMax ?? null,
            production: o.production,
            explanation: o.explanation ?? null,
            layoffs,
          },
        );
        const checks = r.discrepancies.length ? ` (explained: ${r.discrepancies.join(', ')})` : '';
        console.log(
          `report for ${o.month} recorded: revision ${r.revision}${checks}; ${r.layoffsMatched} named worker(s) found in the ledger`,
        );
      },
    );

  employer
    .command('reports <id>')
    .description('the employer’s monthly reports, every revision, newest first')
    .option('--month <YYYY-MM>', 'only this month')
    .action(async (v: string, o: { month?: string }) => {
      const q = new URLSearchParams({ limit: '100' });
      if (o.month) q.set('month', o.month);
      const r = await call()<{
        items: Array<{
          month: string;
          revision: number;
          headcount: number;
          povertyWorkers: number;
          source: string;
          channel: string | null;
          enteredBy: { username: string } | null;
          discrepancies: string[];
        }>;
      }>('GET', `/employers/${employerId(v)}/reports?${q}`);
      if (r.items.length === 0) console.log('no reports');
      for (const x of r.items) {
        const how = x.source === 'STAFF_PHONE' ? `by phone, @${x.enteredBy?.username ?? '-'} via ${x.channel}` : 'by link';
        const checks = x.discrepancies.length ? ` [${x.discrepancies.join(', ')}]` : '';
        console.log(`${x.month} #${x.revision} headcount ${x.headcount} (poor ${x.povertyWorkers}) ${how}${checks}`);
      }
    });

  employer
    .command('reopen')
    .description('ADMIN: reopen a locked survey month for a county; employers that have not reported get a new link')
    .requiredOption('--month <YYYY-MM>', 'the month to reopen')
    .option('--region <code>', 'the county (default: yours)')
    .option('--days <n>', 'how long it stays open', '7')
    .action(async (o: { month: string; region?: string; days: string }) => {
      const r = await call()<{ county: { name: string }; month: string; reopenedUntil: string; linksSent: number }>(
        'POST',
        '/employers/survey/reopen',
        { month: o.month, days: Number(o.days), ...(o.region ? { regionCode: o.region } : {}) },
      );
      console.log(`${r.county.name} ${r.month} reopened until ${chinaTime(r.reopenedUntil)}; ${r.linksSent} new link(s) sent`);
    });

  employer
    .command('survey')
    .description('the month’s survey: reporting rate per county and township, who has not reported, headcount-drop alerts')
    .option('--month <YYYY-MM>', 'default: the month being collected now')
    .option('--region <code>', 'a region inside your scope')
    .action(async (o: { month?: string; region?: string }) => {
      const q = new URLSearchParams();
      if (o.month) q.set('month', o.month);
      if (o.region) q.set('regionCode', o.region);
      const r = await call()<{
        month: string;
        lockAt: string;
        rows: Array<{ name: string; level: string; employers: number; reported: number; rate: number | null }>;
        unreported: Array<{ id: number; name: string; township: string; late: boolean }>;
        alerts: Array<{ employer: string; previous: number; headcount: number; fallPercent: number }>;
      }>('GET', `/employers/survey?${q}`);
      console.log(`survey ${r.month}, due before ${chinaTime(r.lockAt)}`);
      for (const x of r.rows) {
        const rate = x.rate === null ? '-' : `${(100 * x.rate).toFixed(1)}%`;
        console.log(`${x.level === 'COUNTY' ? '' : '  '}${x.name} ${x.reported}/${x.employers} ${rate}`);
      }
      for (const u of r.unreported) console.log(`not reported: #${u.id} ${u.name} (${u.township})${u.late ? ' LATE' : ''}`);
      for (const a of r.alerts) console.log(`alert: ${a.employer} ${a.previous} → ${a.headcount} (-${a.fallPercent}%)`);
    });
}
