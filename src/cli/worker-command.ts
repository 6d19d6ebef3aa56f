/**
 * `outreach worker show|update|event|service|messages|family`: a worker's record from a terminal,
 * through the running service's API: read it, correct it, record a status staff learned, record a
 * service given, read the conversation log, manage family contacts.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { chinaTime, positiveId, withApiOptions } from './api-client.js';

interface Event {
  status: string;
  effectiveDate: string;
  employer: string | null;
  place: string | null;
  source: string;
  channel: string;
  reportedBy: string | null;
  familyRelation: string | null;
  verifiedBy: string | null;
}

interface WorkerFile {
  id: number;
  name: string;
  idLast4: string;
  phone: string | null;
  language: string;
  needsVoice: boolean;
  laborCapacity: string;
  willingToWorkAway: boolean | null;
  skills: string[];
  isReturnee: boolean;
  countyConfirmed: boolean;
  currentStatus: string;
  statusConfirmedAt: string | null;
  stale: boolean;
  village: { code: string; name: string };
  household: { code: string; headName: string | null; category: string; zeroEmployment: boolean };
  events: Event[];
  serviceContacts: Array<{ kind: string; occurredAt: string; staffUser: string | null; note: string | null }>;
  familyContacts: Array<{ id: number; name: string; relation: string; phone: string | null; verified: boolean }>;
}

const workerId = positiveId('a worker id');
const yesNo = (v: boolean | null) => (v === null ? '?' : v ? '是' : '否');

function bool(value: string): boolean {
  if (['true', 'yes', '是', '1'].includes(value)) return true;
  if (['false', 'no', '否', '0'].includes(value)) return false;
  throw new InvalidArgumentError('expected yes or no');
}

function print(w: WorkerFile): void {
  console.log(
    `#${w.id} ${w.name} (ID …${w.idLast4}) ${w.phone ?? 'no phone'} · ${w.village.name} (${w.village.code}) · 户 ${w.household.code} ${w.household.category}${w.household.zeroEmployment ? ' 零就业户' : ''}`,
  );
  console.log(
    `  status ${w.currentStatus}${w.stale ? ' (stale)' : ''} confirmed ${chinaTime(w.statusConfirmedAt)} · labour ${w.laborCapacity} · away ${yesNo(w.willingToWorkAway)} · returnee ${yesNo(w.isReturnee)} · county confirmed ${yesNo(w.countyConfirmed)} · voice ${yesNo(w.needsVoice)} · ${w.language}`,
  );
  if (w.skills.length) console.log(`  skills ${w.skills.join('、')}`);
  for (const e of w.events.slice(0, 5)) {
    const by = e.reportedBy ?? e.familyRelation ?? e.source;
    console.log(
      `  ${e.effectiveDate} ${e.status}${e.employer ? ` ${e.employer}` : ''}${e.place ? ` @${e.place}` : ''} · ${e.source}/${e.channel} by ${by}${e.verifiedBy ? ` ✓${e.verifiedBy}` : ''}`,
    );
  }
  for (const s of w.serviceContacts.slice(0, 5))
    console.log(
      `  service ${chinaTime(s.occurredAt)} ${s.kind}${s.staffUser ? ` by ${s.staffUser}` : ''}${s.note ? `: ${s.note}` : ''}`,
    );
  for (const f of w.familyContacts)
    console.log(`  family #${f.id} ${f.name} ${f.relation} ${f.phone ?? '-'}${f.verified ? ' (verified)' : ''}`);
}

const SERVICE_KINDS: Record<string, string> = {
  call: 'STAFF_CALL',
  visit: 'STAFF_VISIT',
  referral: 'JOB_REFERRAL',
  training: 'TRAINING_OFFER',
};

/** Adds the record subcommands to `outreach worker` (whose default subcommand runs the queue workers). */
export function registerWorkerCommand(worker: Command): void {
  const call = withApiOptions(worker);

  worker
    .command('show <id>')
    .description('household, status with provenance, services, family contacts')
    .action(async (v: string) => print(await call()<WorkerFile>('GET', `/workers/${workerId(v)}`)));

  worker
    .command('update <id>')
    .description('correct the record (county confirmation needs a county scope or above)')
    .option('--phone <number>', 'mobile number ("none" removes it)')
    .addOption(new Option('--language <lang>', 'language of messages').choices(['zh-CN', 'en']))
    .option('--needs-voice <yes|no>', 'cannot read: campaigns call instead', bool)
    .addOption(new Option('--labor <capacity>', 'labour capacity').choices(['FULL', 'PARTIAL', 'NONE']))
    .option('--willing-away <yes|no|unknown>', 'willing to work away from home')
    .option('--skills <list>', 'skills, separated by commas or 、')
    .option('--county-confirmed <yes|no>', 'the county confirmed this person counts as a worker (§3)', bool)
    .option('--returnee <yes|no>', 'came back home (回流)', bool)
    .action(async (v: string, o: Record<string, unknown>) => {
      const body: Record<string, unknown> = {};
      if (o.phone !== undefined) body.phone = o.phone === 'none' ? null : o.phone;
      if (o.language !== undefined) body.language = o.language;
      if (o.needsVoice !== undefined) body.needsVoice = o.needsVoice;
      if (o.labor !== undefined) body.laborCapacity = o.labor;
      if (o.willingAway !== undefined) body.willingToWorkAway = o.willingAway === 'unknown' ? null : bool(String(o.willingAway));
      if (o.skills !== undefined)
        body.skills = String(o.skills)
          .split(/[,，、;；]/)
          .map((s) => s.trim())
          .filter(Boolean);
      if (o.countyConfirmed !== undefined) body.countyConfirmed = o.countyConfirmed;
      if (o.returnee !== undefined) body.isReturnee = o.returnee;
      if (Object.keys(body).length === 0) throw new Error('nothing to change: give at least one option (see --help)');
      const w = await call()<WorkerFile & { changed: string[] }>('PATCH', `/workers/${workerId(v)}`, body);
      console.log(w.changed.length ? `changed: ${w.changed.join(', ')}` : 'nothing changed');
      print(w);
    });

  worker
    .command('event <id>')
    .description('record a status you learned yourself (provenance: staff, you)')
    .requiredOption(
      '--status <status>',
      'EMPLOYED_LOCAL | EMPLOYED_IN_PROVINCE | EMPLOYED_OUT_OF_PROVINCE | EMPLOYED_JIANGSU | PUBLIC_WELFARE_POST | SELF_EMPLOYED | UNEMPLOYED | RETURNED_HOME | UNABLE_TO_WORK',
    )
    .requiredOption('--date <YYYY-MM-DD>', 'when the change happened')
    .option('--employer <name>')
    .option('--place <place>')
    .option('--industry <industry>')
    .option('--wage <yuan>', 'monthly wage', positiveId('a wage in yuan'))
    .option('--insured <yes|no>', 'has social insurance', bool)
    .option('--reason <text>', 'why unemployed or unable')
    .option('--lead <id>', 'the job lead that placed them', positiveId('a job lead id'))
    .option('--confirmation <id>', 'a confirmed status confirmation backing it', positiveId('a confirmation id'))
    .option('--employer-id <id>', 'the Employer record they joined (absorption subsidy, §14)', positiveId('an employer id'))
    .action(async (v: string, o: Record<string, string | number | boolean | undefined>) => {
      const r = await call()<{ eventId: string; worker: WorkerFile }>('POST', `/workers/${workerId(v)}/events`, {
        status: String(o.status).toUpperCase(),
        effectiveDate: o.date,
        employer: o.employer,
        place: o.place,
        industry: o.industry,
        monthlyWage: o.wage,
        insured: o.insured,
        reason: o.reason,
        jobLeadId: o.lead,
        confirmationId: o.confirmation,
        employerId: o.employerId,
      });
      console.log(`event #${r.eventId} recorded`);
      print(r.worker);
    });

  worker
    .command('service <id>')
    .description('record a service you gave the worker (counts toward the §13 quotas)')
    .addOption(new Option('--kind <kind>', 'what it was').choices(Object.keys(SERVICE_KINDS)).makeOptionMandatory())
    .option('--at <time>', 'when (ISO 8601; default now)')
    .option('--note <text>', 'what was said or offered')
    .option('--lead <id>', 'the job lead referred to or offered', positiveId('a job lead id'))
    .option('--agency <id>', 'referral: the service agency that referred (referral subsidy, §14)', positiveId('an agency id'))
    .option('--employer-id <id>', 'referral: the Employer record referred to', positiveId('an employer id'))
    .action(
      async (v: string, o: { kind: string; at?: string; note?: string; lead?: number; agency?: number; employerId?: number }) => {
        const r = await call()<{ id: string; worker: WorkerFile }>('POST', `/workers/${workerId(v)}/service-contacts`, {
          kind: SERVICE_KINDS[o.kind],
          ...(o.at ? { occurredAt: new Date(o.at).toISOString() } : {}),
          ...(o.note ? { note: o.note } : {}),
          ...(o.lead ? { jobLeadId: o.lead } : {}),
          ...(o.agency ? { agencyId: o.agency } : {}),
          ...(o.employerId ? { employerId: o.employerId } : {}),
        });
        console.log(`service contact #${r.id} recorded (${SERVICE_KINDS[o.kind]})`);
      },
    );

  worker
    .command('messages <id>')
    .description('what the worker sent and was sent, newest first')
    .option('--limit <n>', 'at most this many', '30')
    .action(async (v: string, o: { limit: string }) => {
      const r = await call()<{
        items: Array<{ direction: string; at: string; channel: string; text: string; status: string | null }>;
      }>('GET', `/workers/${workerId(v)}/messages?limit=${encodeURIComponent(o.limit)}`);
      for (const m of r.items)
        console.log(
          `${chinaTime(m.at)} ${m.channel} ${m.direction === 'in' ? '>' : '<'} ${m.text.replace(/\n/g, ' ')}${m.status ? ` [${m.status}]` : ''}`,
        );
    });

  const family = worker.command('family').description('family contacts who may confirm for the worker (家人代签)');
  const relation = new Option('--relation <relation>', 'relation to the worker').choices([
    'SPOUSE',
    'PARENT',
    'CHILD',
    'SIBLING',
    'GRANDPARENT',
    'OTHER',
  ]);
  family
    .command('add <workerId>')
    .description('register a family contact')
    .requiredOption('--name <name>')
    .addOption(relation.makeOptionMandatory())
    .requiredOption('--phone <number>')
    .option('--verified', 'you checked the number belongs to this family member')
    .action(async (v: string, o: { name: string; relation: string; phone: string; verified?: boolean }) => {
      const c = await call()<{ id: number; name: string; phone: string }>('POST', `/workers/${workerId(v)}/family-contacts`, {
        name: o.name,
        relation: o.relation,
        phone: o.phone,
        verified: Boolean(o.verified),
      });
      console.log(`family contact #${c.id} ${c.name} ${c.phone} registered`);
    });
  family
    .command('update <workerId> <contactId>')
    .description('change a family contact (a new number must be verified again)')
    .option('--name <name>')
    .addOption(new Option('--relation <relation>').choices(['SPOUSE', 'PARENT', 'CHILD', 'SIBLING', 'GRANDPARENT', 'OTHER']))
    .option('--phone <number>')
    .option('--verified <yes|no>', 'the number is checked', bool)
    .action(async (v: string, c: string, o: { name?: string; relation?: string; phone?: string; verified?: boolean }) => {
      const r = await call()<{ id: number; name: string; phone: string; verified: boolean }>(
        'PATCH',
        `/workers/${workerId(v)}/family-contacts/${positiveId('a contact id')(c)}`,
        o,
      );
      console.log(`family contact #${r.id} ${r.name} ${r.phone}${r.verified ? ' (verified)' : ''}`);
    });
  family
    .command('remove <workerId> <contactId>')
    .description('remove a family contact: it no longer answers for the worker')
    .action(async (v: string, c: string) => {
      await call()('DELETE', `/workers/${workerId(v)}/family-contacts/${positiveId('a contact id')(c)}`);
      console.log('removed');
    });
}
