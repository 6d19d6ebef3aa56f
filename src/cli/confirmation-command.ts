/**
 * `outreach confirmation request|list|show|review`: family and remote confirmations (Annex 1)
 * from a terminal, through the running service's API.
 */
import { type Command, Option } from 'commander';
import { chinaTime, positiveId, withApiOptions } from './api-client.js';

interface Summary {
  id: number;
  kind: string;
  status: string;
  statement: string;
  reason: string | null;
  confirmerType: string | null;
  verificationMethod: string | null;
  requestedAt: string;
  respondedAt: string | null;
  worker: { id: number; name: string; villageName: string };
  familyContact: { name: string; relation: string; phone: string | null } | null;
  recordings: Array<{ sid: string; duration: string | null }>;
}

interface File extends Summary {
  messages: Array<{ direction: string; at: string; text: string; status: string | null }>;
  reviewNote: string | null;
  reviewedBy: { username: string } | null;
  interrupted: { conversation: string } | null;
}

const confirmationId = positiveId('a confirmation id');

function line(c: Summary): string {
  const who = c.familyContact
    ? `${c.familyContact.name} (${c.familyContact.relation} ${c.familyContact.phone ?? '-'})`
    : '本人 / the worker';
  return `#${c.id} ${c.status} ${c.kind} ${c.worker.name} (#${c.worker.id} ${c.worker.villageName}) ← ${who} · “${c.statement}”`;
}

function show(c: File): void {
  console.log(line(c));
  console.log(
    `  requested ${chinaTime(c.requestedAt)} · answered ${chinaTime(c.respondedAt)} · ${c.verificationMethod ?? 'not answered'}`,
  );
  if (c.reason) console.log(`  reason: ${c.reason}`);
  if (c.interrupted) console.log(`  interrupted: the conversation ended ${c.interrupted.conversation}`);
  for (const m of c.messages)
    console.log(
      `  ${chinaTime(m.at)} ${m.direction === 'in' ? '>' : '<'} ${m.text.replace(/\n/g, ' ')}${m.status ? ` [${m.status}]` : ''}`,
    );
  for (const r of c.recordings)
    console.log(`  recording ${r.sid} (${r.duration ?? '?'} s): GET /api/v1/confirmations/${c.id}/recordings/${r.sid}`);
  if (c.reviewedBy) console.log(`  reviewed by ${c.reviewedBy.username}${c.reviewNote ? `: ${c.reviewNote}` : ''}`);
}

export function registerConfirmationCommand(program: Command): void {
  const group = program
    .command('confirmation')
    .description(
      'family (家人代签) and remote (本人远程确认) confirmations through the running service: request, list, show, review',
    );
  const call = withApiOptions(group);

  group
    .command('request')
    .description('ask a family member, or the worker at their own number, to confirm a statement')
    .requiredOption('--worker <id>', 'the worker', positiveId('a worker id'))
    .requiredOption('--statement <text>', 'what is to be confirmed, in plain words')
    .addOption(
      new Option('--kind <kind>', 'status, or unwilling for the Annex 1 record')
        .choices(['status', 'unwilling'])
        .default('status'),
    )
    .option(
      '--family-contact <id>',
      'which family contact (default: the verified one, else the first)',
      positiveId('a contact id'),
    )
    .option('--worker-answers', 'the worker confirms from their own number (本人远程确认)')
    .option('--call', 'a recorded phone call instead of SMS')
    .action(
      async (o: {
        worker: number;
        statement: string;
        kind: string;
        familyContact?: number;
        workerAnswers?: boolean;
        call?: boolean;
      }) => {
        const c = await call()<File>('POST', '/confirmations', {
          workerId: o.worker,
          statement: o.statement,
          kind: o.kind === 'unwilling' ? 'TEMPORARILY_UNWILLING' : 'STATUS',
          confirmer: o.workerAnswers ? 'WORKER' : 'FAMILY',
          ...(o.familyContact ? { familyContactId: o.familyContact } : {}),
          channel: o.call ? 'VOICE' : 'SMS',
        });
        show(c);
      },
    );

  group
    .command('list')
    .description('confirmations of your scope, newest first')
    .option('--status <status>', 'REQUESTED | CONFIRMED | DISPUTED | EXPIRED | INTERRUPTED | APPROVED | REJECTED')
    .option('--to-review', 'answered ones waiting for review (CONFIRMED)')
    .option('--kind <kind>', 'STATUS | TEMPORARILY_UNWILLING')
    .option('--region <code>', 'a region inside your scope')
    .option('--worker <id>', 'one worker')
    .option('--limit <n>', 'at most this many', '50')
    .action(
      async (o: { status?: string; toReview?: boolean; kind?: string; region?: string; worker?: string; limit: string }) => {
        const q = new URLSearchParams({ limit: o.limit });
        const status = o.toReview ? 'CONFIRMED' : o.status;
        if (status) q.set('status', status.toUpperCase());
        if (o.kind) q.set('kind', o.kind.toUpperCase());
        if (o.region) q.set('regionCode', o.region);
        if (o.worker) q.set('workerId', o.worker);
        const r = await call()<{ items: Summary[] }>('GET', `/confirmations?${q}`);
        if (r.items.length === 0) console.log('no confirmations');
        for (const c of r.items) console.log(line(c));
      },
    );

  group
    .command('show <id>')
    .description('one confirmation with its evidence: the exchange, the call, recordings')
    .action(async (v: string) => show(await call()<File>('GET', `/confirmations/${confirmationId(v)}`)));

  group
    .command('review <id>')
    .description('approve or reject an answered confirmation')
    .option('--approve', 'accept it')
    .option('--reject', 'refuse it')
    .option('--note <text>', 'why, for the record')
    .action(async (v: string, o: { approve?: boolean; reject?: boolean; note?: string }) => {
      if (Boolean(o.approve) === Boolean(o.reject)) throw new Error('say --approve or --reject');
      show(
        await call()<File>('POST', `/confirmations/${confirmationId(v)}/review`, {
          decision: o.approve ? 'approve' : 'reject',
          ...(o.note ? { note: o.note } : {}),
        }),
      );
    });
}
