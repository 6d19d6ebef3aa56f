/**
 * The monthly headcount survey on the simulators, driven by the routines with an injected clock:
 * the link goes out by SMS on the 1st, reminders on the 15th and 18th to those who have not
 * reported, the month locks on the 20th and an ADMIN reopens it (a new link that works); a report
 * that does not add up asks for an explanation; a second report corrects the first with both kept;
 * staff enter a report taken by phone (API and CLI, recorded as theirs); a forged, expired or
 * unknown link gets one and the same answer; hostile input is a 4xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextMonth, previousMonth, surveyMonthAt } from '../../src/employers/survey-calendar.js';
import { surveyLinkKey, surveyToken } from '../../src/employers/survey-link.js';
import { submitReport } from '../../src/employers/survey-reports.js';
import { CHINA_UTC_OFFSET_MS } from '../../src/ledger/china-time.js';
import { runRoutine } from '../../src/programs/routines.js';
import type { TwilioSimulator } from '../../src/simulators/twilio/index.js';
import { outreachCli, type TestService } from '../helpers/service.js';
import { startStaffService } from '../staff/helpers.js';
import { addEmployer, call, HANYIN, tokenFor } from './helpers.js';

let svc: TestService;
let sim: TwilioSimulator;
let op: string;
let admin: string;
const c = () => svc.running.container;

/** A past month, locked by now whatever today is: its lock was the 20th of last month. */
const MONTH = previousMonth(surveyMonthAt(new Date()));
/** A day of the month after MONTH, at a China clock time. */
const dayAfter = (day: number, hour = 9) => {
  const [y, m] = nextMonth(MONTH).split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, day, hour) - CHINA_UTC_OFFSET_MS);
};

const FIGURES = {
  headcount: 40,
  povertyWorkers: 12,
  hires: 0,
  hiresPoor: 0,
  separationsLayoff: 0,
  separationsResigned: 0,
  separationsContract: 0,
  separationsSeasonal: 0,
  separationsPoor: 0,
  vacancies: 3,
  wageMin: 2500,
  wageMax: 3200,
  production: 'NORMAL' as const,
  explanation: null,
  layoffs: [],
};

/** Survey texts the simulator delivered to a phone, oldest first. */
function textsTo(phone: string): string[] {
  return sim.messages({ to: phone }).map((m) => m.body);
}
async function waitForTexts(phone: string, n: number): Promise<string[]> {
  await expect.poll(() => textsTo(phone).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(n);
  return textsTo(phone);
}
const linkIn = (body: string) => /\/console\/survey\/(\S+)$/.exec(body)?.[1] ?? '';

let a: { id: number };
let b: { id: number };
const PHONE_A = '+8613892500101';
const PHONE_B = '+8613892500102';

beforeAll(async () => {
  ({ svc, sim } = await startStaffService());
  op = await tokenFor(svc, HANYIN, 'OPERATOR', 'hanyin-op');
  admin = await tokenFor(svc, HANYIN, 'ADMIN', 'hanyin-admin');
  a = await addEmployer(svc, op, 101, { phone: PHONE_A });
  b = await addEmployer(svc, op, 102, { phone: PHONE_B });
  await addEmployer(svc, op, 103, { phone: null });
  // Employers added "before" the survey month began, for the routines' clock.
  await c().db.prisma.employer.updateMany({ data: { createdAt: new Date('2020-01-01T00:00:00Z') } });
}, 60_000);
afterAll(async () => {
  await svc?.stop();
});

describe('the monthly headcount survey', () => {
  it('texts each employer its link on the 1st, once, and the link stops working when the month locks', async () => {
    const r = await runRoutine(c(), 'employer-survey-links', { now: dayAfter(1, 8) });
    expect(r).toMatchObject({ sent: 2 });
    expect(await runRoutine(c(), 'employer-survey-links', { now: dayAfter(1, 8) })).toMatchObject({ sent: 0 });
    const [text] = await waitForTexts(PHONE_A, 1);
    const [y, m] = MONTH.split('-').map(Number);
    expect(text).toContain(`${y}年${m}月用工情况`);
    expect(text).toContain('汉阴县第101社区工厂');
    expect(text).toContain(`${svc.url}/console/survey/${a.id}.${MONTH}.`);
    const rows = await c().db.prisma.outboundMessage.findMany({ where: { kind: 'SURVEY' } });
    expect(rows).toHaveLength(2);
    // The job payloads carry ids, never the number: the row holds the address.
    expect(rows.every((row) => row.toAddress?.startsWith('+86'))).toBe(true);

    // By now the month has locked: the link is refused like a forged one.
    const expired = await fetch(`${svc.url}/console/survey/${linkIn(text!)}`);
    const forged = await fetch(`${svc.url}/console/survey/${linkIn(text!).slice(0, -3)}AAA`);
    expect(expired.status).toBe(404);
    expect(await expired.text()).toBe(await forged.text());
  });

  it('asks for an explanation when the figures do not add up, and keeps every revision', async () => {
    const before = previousMonth(MONTH);
    // Last month's report, as the ledger has it.
    await c().db.prisma.employerHeadcount.create({
      data: { employerId: a.id, month: before, headcount: 40, povertyWorkers: 12 },
    });
    const off = { ...FIGURES, hires: 5, hiresPoor: 7 };
    await expect(
      submitReport(c().db.pool, { employerId: a.id, month: MONTH, figures: off, source: 'EMPLOYER_LINK', now: dayAfter(10) }),
    ).rejects.toMatchObject({ statusCode: 422, code: 'explanation_needed', discrepancies: ['balance', 'poor_hires'] });
    const first = await submitReport(c().db.pool, {
      employerId: a.id,
      month: MONTH,
      figures: { ...off, explanation: '5人是月底前入职又离职的临时工' },
      source: 'EMPLOYER_LINK',
      now: dayAfter(10),
    });
    expect(first).toMatchObject({ revision: 1, discrepancies: ['balance', 'poor_hires'], previousHeadcount: 40 });
    const second = await submitReport(c().db.pool, {
      employerId: a.id,
      month: MONTH,
      figures: { ...FIGURES, headcount: 45, hires: 5, hiresPoor: 2 },
      source: 'EMPLOYER_LINK',
      now: dayAfter(11),
    });
    expect(second).toMatchObject({ revision: 2, discrepancies: [] });
    const list = await call(svc, 'GET', `/api/v1/employers/${a.id}/reports?month=${MONTH}`, { token: op });
    expect(list.body.items.map((x: { revision: number; headcount: number }) => [x.revision, x.headcount])).toEqual([
      [2, 45],
      [1, 40],
    ]);
    expect(list.body.items[1]).toMatchObject({ explanation: '5人是月底前入职又离职的临时工', source: 'EMPLOYER_LINK' });
  });

  it('reminds on the 15th and 18th only those who have not reported, once each, and not after the lock', async () => {
    expect(await runRoutine(c(), 'employer-survey-reminders', { now: dayAfter(14) })).toMatchObject({ reminder: null });
    expect(await runRoutine(c(), 'employer-survey-reminders', { now: dayAfter(15) })).toMatchObject({ reminder: 15, sent: 1 });
    expect(await runRoutine(c(), 'employer-survey-reminders', { now: dayAfter(16) })).toMatchObject({ reminder: 15, sent: 0 });
    expect(await runRoutine(c(), 'employer-survey-reminders', { now: dayAfter(18) })).toMatchObject({ reminder: 18, sent: 1 });
    expect(await runRoutine(c(), 'employer-survey-reminders', { now: dayAfter(21) })).toMatchObject({ reminder: null });
    const texts = await waitForTexts(PHONE_B, 3);
    expect(texts.filter((t) => t.includes('提醒'))).toHaveLength(2);
    expect(textsTo(PHONE_A).filter((t) => t.includes('提醒'))).toHaveLength(0);
  });

  it('locks the month on the 20th; an ADMIN reopens it (audited) and the late employer gets a link that works', async () => {
    await expect(
      submitReport(c().db.pool, {
        employerId: b.id,
        month: MONTH,
        figures: FIGURES,
        source: 'EMPLOYER_LINK',
        now: dayAfter(20, 0),
      }),
    ).rejects.toMatchObject({ statusCode: 409, code: 'month_locked' });
    const entry = { month: MONTH, ...FIGURES, explanation: '电话核实' };
    expect((await call(svc, 'POST', `/api/v1/employers/${b.id}/reports`, { token: op, json: entry })).status).toBe(409);
    expect((await call(svc, 'POST', '/api/v1/employers/survey/reopen', { token: op, json: { month: MONTH } })).status).toBe(403);
    const current = surveyMonthAt(new Date());
    const notLocked = await call(svc, 'POST', '/api/v1/employers/survey/reopen', {
      token: admin,
      json: { month: nextMonth(current) },
    });
    expect(notLocked.status).toBe(409);

    const reopened = await call(svc, 'POST', '/api/v1/employers/survey/reopen', {
      token: admin,
      json: { month: MONTH, days: 3 },
    });
    expect(reopened.status, JSON.stringify(reopened.body)).toBe(200);
    expect(reopened.body).toMatchObject({ month: MONTH, linksSent: 1, county: { code: HANYIN } });
    const texts = await waitForTexts(PHONE_B, 4);
    const page = await fetch(`${svc.url}/console/survey/${linkIn(texts.at(-1)!)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('汉阴县第102社区工厂');
    const audit = await c().db.prisma.auditLog.findFirstOrThrow({ where: { action: 'employer_survey.reopen' } });
    expect(audit.details).toMatchObject({ month: MONTH, days: 3, via: 'API' });

    // Staff now take B's report by phone: recorded as theirs, through the API.
    const r = await call(svc, 'POST', `/api/v1/employers/${b.id}/reports`, { token: op, json: entry });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const row = await c().db.prisma.employerHeadcount.findUniqueOrThrow({
      where: { id: r.body.id },
      include: { enteredBy: true },
    });
    expect(row).toMatchObject({ source: 'STAFF_PHONE', channel: 'API' });
    expect(row.enteredBy?.username).toBe('hanyin-op');
  });

  it('outreach employer report|reports enter a report taken by phone with the CLI as its channel', async () => {
    const run = (args: string[], token = op) => outreachCli(svc, ['employer', ...args], { token });
    const out = await run([
      'report',
      String(b.id),
      '--month',
      MONTH,
      '--headcount',
      '38',
      '--poor',
      '11',
      '--laid-off',
      '2',
      '--left-poor',
      '1',
      '--explanation',
      '上月未报',
      '--layoff',
      '张德明:13891501234',
    ]);
    expect(out).toContain('revision 2');
    expect(out).toContain('1 named worker(s) found in the ledger');
    const list = await run(['reports', String(b.id), '--month', MONTH]);
    expect(list).toContain(`${MONTH} #2 headcount 38 (poor 11) by phone, @hanyin-op via CLI`);
    expect(list).toContain(`${MONTH} #1 headcount 40`);
  }, 120_000);

  it('answers a forged, expired, unknown or removed employer’s link identically', async () => {
    const key = surveyLinkKey(c().config);
    const live = new Date(Date.now() + 86_400_000);
    const valid = surveyToken(key, { employerId: b.id, month: MONTH, expiresAt: live });
    const removed = await addEmployer(svc, op, 104);
    await call(svc, 'DELETE', `/api/v1/employers/${removed.id}`, { token: op });
    const tokens = [
      surveyToken(key, { employerId: b.id, month: MONTH, expiresAt: new Date(Date.now() - 1000) }),
      surveyToken('not-the-key', { employerId: b.id, month: MONTH, expiresAt: live }),
      valid.replace(`${b.id}.`, `${a.id}.`),
      valid.replace(MONTH, previousMonth(MONTH)),
      surveyToken(key, { employerId: 987654, month: MONTH, expiresAt: live }),
      surveyToken(key, { employerId: removed.id, month: MONTH, expiresAt: live }),
      'garbage',
      '9'.repeat(90),
    ];
    const answers = await Promise.all(
      tokens.map(async (t) => {
        const res = await fetch(`${svc.url}/console/survey/${t}`);
        // The rate limit's own counters aside (they count requests, not links).
        const headers = [...res.headers].filter(([k]) => k !== 'date' && !k.startsWith('x-ratelimit-'));
        return { status: res.status, body: await res.text(), headers };
      }),
    );
    for (const x of answers) expect(x).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(404);
    expect(answers[0]!.headers.map(([k]) => k)).not.toContain('set-cookie');
    // Longer than any token: the router refuses it before it is read.
    expect((await fetch(`${svc.url}/console/survey/${'9'.repeat(150)}`)).status).toBe(414);
    const posted = await fetch(`${svc.url}/console/survey/${tokens[4]}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'headcount=1',
    });
    expect(posted.status).toBe(403); // no CSRF token: refused before the link is even read
  });

  it('answers hostile input with a 4xx', async () => {
    const entry = { month: MONTH, ...FIGURES, explanation: 'x' };
    const cases: Array<[string, unknown]> = [
      [`/api/v1/employers/${b.id}/reports`, { ...entry, headcount: 2_147_483_648 }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, headcount: -1 }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, headcount: 1.5 }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, explanation: 'x'.repeat(100_000) }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, explanation: 'a\u0000b' }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, month: '2026-13' }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, layoffs: Array.from({ length: 51 }, () => ({ name: 'x' })) }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, layoffs: [{ name: 'x', idLast4: '12345' }] }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, wageMin: 5000, wageMax: 100 }],
      [`/api/v1/employers/${b.id}/reports`, { ...entry, production: 'BOOMING' }],
      ['/api/v1/employers/99999999999/reports', entry],
      ['/api/v1/employers/survey/reopen', { month: MONTH, days: 10_000 }],
      ['/api/v1/employers/survey/reopen', { month: MONTH, regionCode: '6109211' }],
    ];
    for (const [path, json] of cases) {
      const r = await call(svc, 'POST', path, { token: admin, json });
      expect(
        r.status,
        `${path} ${JSON.stringify(json).slice(0, 120)} → ${JSON.stringify(r.body).slice(0, 200)}`,
      ).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
  });

  it('answers hostile input to the employer’s form with a 4xx, taking nothing', async () => {
    const key = surveyLinkKey(c().config);
    const path = `/console/survey/${surveyToken(key, { employerId: b.id, month: MONTH, expiresAt: new Date(Date.now() + 86_400_000) })}`;
    const page = await fetch(`${svc.url}${path}`);
    const html = await page.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    const cookie = page.headers
      .getSetCookie()
      .map((x) => x.split(';')[0])
      .join('; ');
    expect(csrf).toBeTruthy();
    const before = await c().db.prisma.employerHeadcount.count({ where: { employerId: b.id } });
    const post = (body: string) =>
      fetch(`${svc.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: `_csrf=${encodeURIComponent(csrf!)}&${body}`,
        redirect: 'manual',
      });
    const ok = 'headcount=40&povertyWorkers=12&production=NORMAL&explanation=x';
    const cases = [
      ok.replace('headcount=40', 'headcount=99999999'),
      ok.replace('headcount=40', 'headcount=2147483648'),
      ok.replace('headcount=40', 'headcount=-4'),
      ok.replace('headcount=40', 'headcount=4.5'),
      ok.replace('headcount=40&', ''),
      ok.replace('production=NORMAL', 'production=BOOMING'),
      `${ok}&layoffName1=%E5%BC%A0&layoffId1=12`,
      `${ok}&wageMin=5000&wageMax=100`,
      `${ok.replace('explanation=x', 'explanation=a%00b')}`,
      `${ok.replace('explanation=x', `explanation=${'x'.repeat(600)}`)}`,
      `${ok}&pad=${'x'.repeat(2_000_000)}`,
    ];
    for (const body of cases) {
      const r = await post(body);
      expect(r.status, body.slice(0, 100)).toBeGreaterThanOrEqual(400);
      expect(r.status, body.slice(0, 100)).toBeLessThan(500);
    }
    expect(await c().db.prisma.employerHeadcount.count({ where: { employerId: b.id } })).toBe(before);
    // The same form with sound figures is taken: the refusals above were about the input.
    expect((await post(ok)).status).toBe(303);
  });
});
