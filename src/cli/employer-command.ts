/**
 * `outreach employer …`: the county's key employers (§6) and their monthly reports from a
 * terminal, through the running service's API (scope, roles and audit as there).
 */
import type { Command } from 'commander';
import { positiveId, withApiOptions } from './api-client.js';

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
}
