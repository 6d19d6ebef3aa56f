/**
 * The program's rules on the command line (src/programs/):
 *
 *   outreach posts roster --region CODE --month YYYY-MM [--out FILE.csv|.xlsx]
 *   outreach training publish [--month YYYY-MM] [--county CODE]
 *   outreach training rates --region CODE
 *   outreach unwilling dossier WORKER_ID [--format json|csv|xlsx] [--out FILE]
 *   outreach programs run ROUTINE [--county CODE]
 *
 * Messages these create (pushes, plan steps, check-ins) are ledger rows the running service's
 * sweep queues within a minute or two; the command itself needs no Redis.
 */
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { runScheduledChecks } from '../consistency/routine.js';
import type { Db } from '../db/database.js';
import { createTexts } from '../i18n.js';
import { postRoster, type RosterRow } from '../programs/posts.js';
import { ROUTINES } from '../programs/routines.js';
import { followUpTrainees, publishTrainingLists, trainingRates } from '../programs/training.js';
import { unwillingDossier, writeDossier } from '../programs/unwilling.js';
import { runZeroEmploymentSteps } from '../programs/zero-employment-plan.js';
import { type Column, formatFromFileName, writeRowsToFile } from '../reports/export.js';
import { findRegion } from '../staff/scope.js';
import { positiveId, withApiOptions } from './api-client.js';
import { withDb } from './context.js';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
/** The sweep queues the rows; nothing to do here. */
const leaveToSweep = async () => {};

async function region(db: Db, code: string) {
  const r = await findRegion(db.pool, { code });
  if (!r) throw new Error(`no region ${code} in the ledger`);
  return r;
}

function month(value: string | undefined, flag = '--month'): string | undefined {
  if (value !== undefined && !MONTH.test(value)) throw new Error(`${flag}: expected YYYY-MM, got "${value}"`);
  return value;
}

const ROSTER_COLUMNS: Column<RosterRow>[] = [
  { key: 'village', zh: '村', en: 'village' },
  { key: 'name', zh: '姓名', en: 'name' },
  { key: 'idLast4', zh: '身份证后四位', en: 'ID last 4' },
  { key: 'householdCode', zh: '户编号', en: 'household' },
  { key: 'postName', zh: '岗位', en: 'post' },
  { key: 'unit', zh: '用工单位', en: 'unit' },
  { key: 'startDate', zh: '开始日期', en: 'start' },
  { key: 'endDate', zh: '结束日期', en: 'end' },
  { key: 'extended', zh: '已批准延期', en: 'extended' },
  { key: 'days', zh: '本月天数', en: 'days' },
  { key: 'monthlySubsidy', zh: '月补贴(元)', en: 'monthly subsidy' },
  { key: 'subsidy', zh: '本月补贴(元)', en: 'subsidy this month' },
];

export function registerProgramCommands(program: Command): void {
  const posts = program.command('posts').description('public-welfare posts (公益性岗位, §12)');
  posts
    .command('roster')
    .description('who held a post in a month, the days and the subsidy, in a region')
    .requiredOption('--region <code>', 'region code (any level)')
    .requiredOption('--month <YYYY-MM>', 'the month')
    .option('--out <file>', 'write CSV or XLSX (by extension) instead of printing')
    .action(async (opts: { region: string; month: string; out?: string }) => {
      month(opts.month);
      const format = opts.out ? formatFromFileName(opts.out) : undefined;
      if (opts.out && !format) throw new Error('--out: expected a file name ending in .csv or .xlsx');
      await withDb(async (db) => {
        const r = await region(db, opts.region);
        const rows = await postRoster(db.pool, { regionId: r.id, month: opts.month });
        if (opts.out && format) {
          await writeRowsToFile(format, rows, ROSTER_COLUMNS, opts.out);
          console.log(`${rows.length} posts written to ${opts.out}`);
          return;
        }
        for (const p of rows) {
          console.log(
            `${p.village}\t${p.name}\t${p.postName}\t${p.startDate}..${p.endDate}\t${p.days}/${p.daysInMonth} days\t${p.subsidy ?? '-'} yuan`,
          );
        }
        const total = rows.reduce((s, p) => s + (p.subsidy ?? 0), 0);
        console.log(`${rows.length} posts in ${r.name} ${opts.month}, subsidy ${total} yuan`);
      });
    });

  const training = program.command('training').description('training-demand lists and employment rates (§15, §16)');
  training
    .command('publish')
    .description('publish the training-demand list of each county (once per county and month) and push it to institutions')
    .option('--month <YYYY-MM>', 'the list month (default: last month)')
    .option('--county <code>', 'only this county')
    .action(async (opts: { month?: string; county?: string }) => {
      month(opts.month);
      await withDb(async (db, config) => {
        const countyId = opts.county ? (await region(db, opts.county)).id : undefined;
        const results = await publishTrainingLists(
          { db, texts: await createTexts(), enqueue: leaveToSweep, dataDir: config.DATA_DIR },
          { month: opts.month, countyId },
        );
        for (const r of results) {
          const p = r.publication;
          console.log(
            `${r.published ? 'published' : 'already published'}: county #${p.countyId} ${p.month}, ${p.rows} trades, ${p.people} people, ${p.pushed} pushes; ${p.files.join(', ')}`,
          );
        }
        if (results.length === 0) console.log('no training requests on that month’s list');
      });
    });
  training
    .command('rates')
    .description('employment within a month of training, per institution and course (below 50% flagged)')
    .requiredOption('--region <code>', 'region code (any level)')
    .action(async (opts: { region: string }) => {
      await withDb(async (db) => {
        const r = await region(db, opts.region);
        const rates = await trainingRates(db.pool, { regionId: r.id });
        const pct = (v: number | null) => (v === null ? '-' : `${Math.round(v * 100)}%`);
        for (const i of rates.institutions) {
          console.log(`${i.flagged ? '!' : ' '} ${i.name}\t${i.employed}/${i.trainees}\t${pct(i.rate)}`);
          for (const c of rates.courses.filter((x) => x.institutionId === i.institutionId)) {
            console.log(
              `    ${c.flagged ? '!' : ' '} ${c.title} (ended ${c.endDate})\t${c.pending ? 'follow-up pending' : `${c.employed}/${c.trainees}\t${pct(c.rate)}`}`,
            );
          }
        }
      });
    });

  const unwilling = program.command('unwilling').description('"temporarily unwilling to work" records (Annex 1)');
  const record = unwilling
    .command('record <workerId>')
    .description(
      'record a worker as temporarily unwilling (through the running service’s API); refused naming every missing item',
    )
    .requiredOption('--reason <text>', 'the main reason for not working')
    .requiredOption(
      '--confirmation <id>',
      'the TEMPORARILY_UNWILLING confirmation that backs it',
      positiveId('a confirmation id'),
    );
  const call = withApiOptions(record);
  record.action(async (workerId: string, o: { reason: string; confirmation: number }) => {
    const r = await call()<{ eventId: string; serviceContacts: number }>('POST', '/programs/unwilling', {
      workerId: positiveId('a worker id')(workerId),
      reason: o.reason,
      confirmationId: o.confirmation,
    });
    console.log(`recorded (event #${r.eventId}; ${r.serviceContacts} offers and assistance records on file)`);
  });

  unwilling
    .command('dossier <workerId>')
    .description('the dossier of a worker: worker, household, service contacts, confirmations with evidence, events')
    .option('--format <format>', 'json, csv or xlsx', 'json')
    .option('--out <file>', 'write to a file instead of printing (needed for xlsx)')
    .action(async (workerId: string, opts: { format: string; out?: string }) => {
      const id = Number(workerId);
      if (!Number.isInteger(id) || id < 1) throw new Error('WORKER_ID: expected a worker id');
      if (!['json', 'csv', 'xlsx'].includes(opts.format)) throw new Error('--format: expected json, csv or xlsx');
      if (opts.format === 'xlsx' && !opts.out) throw new Error('--out FILE is needed for xlsx');
      await withDb(async (db) => {
        const dossier = await unwillingDossier(db.pool, id);
        if (!dossier) throw new Error(`no worker ${id}`);
        if (opts.format === 'json') {
          const text = JSON.stringify(dossier, null, 2);
          if (opts.out) createWriteStream(opts.out).end(text);
          else console.log(text);
          return;
        }
        await writeDossier(dossier, opts.format as 'csv' | 'xlsx', opts.out ? createWriteStream(opts.out) : process.stdout);
      });
    });

  program
    .command('programs')
    .description('the program routines')
    .command('run <routine>')
    .description(`run a routine now (${Object.keys(ROUTINES).join(', ')})`)
    .option('--county <code>', 'only this county')
    .action(async (routine: string, opts: { county?: string }) => {
      if (!Object.hasOwn(ROUTINES, routine))
        throw new Error(`unknown routine "${routine}" (known: ${Object.keys(ROUTINES).join(', ')})`);
      await withDb(async (db, config) => {
        const countyId = opts.county ? (await region(db, opts.county)).id : undefined;
        const texts = await createTexts();
        if (routine === 'zero-employment-steps') {
          const r = await runZeroEmploymentSteps(
            {
              db,
              texts,
              enqueue: leaveToSweep,
              stepDays: config.FOLLOW_UP_STEP_DAYS,
              taskDueDays: config.FOLLOW_UP_TASK_DUE_DAYS,
            },
            { countyId },
          );
          console.log(`${r.steps.length} steps taken, ${r.contactsRecorded} service contacts recorded`);
        } else if (routine === 'training-list-publish') {
          const r = await publishTrainingLists({ db, texts, enqueue: leaveToSweep, dataDir: config.DATA_DIR }, { countyId });
          console.log(`${r.filter((p) => p.published).length} of ${r.length} county lists published`);
        } else if (routine === 'consistency-check') {
          const r = await runScheduledChecks({ db, texts }, { countyId });
          console.log(`${r.regions} regions checked: ${r.checked} records, ${r.found} findings open`);
        } else {
          const r = await followUpTrainees({ db, texts, enqueue: leaveToSweep }, { countyId });
          console.log(`${r.followedUp.length} trainees followed up, ${r.deferred} deferred, ${r.updated} updated`);
        }
      });
    });
}
