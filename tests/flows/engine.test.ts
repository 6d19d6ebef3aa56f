/**
 * The engine without a database: a flow, a session and an input give the next session, the reply
 * and the effects, the same every time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FLOWS } from '../../bots/index.js';
import { enter, step } from '../../src/flows/engine.js';
import type { SessionState, StepContext } from '../../src/flows/types.js';
import { createTexts, type Texts } from '../../src/i18n.js';

let texts: Texts;
const now = new Date('2026-03-10T01:00:00Z');
const ctx = (over: Partial<StepContext> = {}): StepContext => ({
  t: texts.forLanguage('zh-CN'),
  channel: 'SMS',
  now,
  audience: 'worker',
  newCode: () => '123456',
  hashCode: (c) => `h:${c}`,
  ...over,
});

beforeAll(async () => {
  texts = await createTexts();
});

describe('flow engine', () => {
  it('is pure: the same session and input give the same result', () => {
    const start = enter(FLOWS.status_report, { hasCurrent: false }, ctx());
    const a = step(FLOWS.status_report, start.session, { text: '3' }, ctx());
    const b = step(FLOWS.status_report, start.session, { text: '3' }, ctx());
    expect(a).toEqual(b);
    expect(a.session).toMatchObject({ step: 'date', state: { change: 'home' }, retries: 0, status: 'ACTIVE' });
    expect(start.session.step).toBe('change'); // the input session is not changed
  });

  it('walks a whole report to its effect', () => {
    let s: SessionState = enter(FLOWS.status_report, { hasCurrent: true }, ctx()).session;
    for (const text of ['2', '5', '3月1日']) s = step(FLOWS.status_report, s, { text }, ctx()).session;
    const done = step(FLOWS.status_report, s, { text: '确认' }, ctx());
    expect(done.session.status).toBe('COMPLETED');
    expect(done.effects).toEqual([
      {
        kind: 'employment_event',
        status: 'UNEMPLOYED',
        effectiveDate: '2026-03-01',
        employer: null,
        place: null,
        industry: null,
        monthlyWage: null,
        reason: 'other',
      },
    ]);
  });

  it('asks again with a hint, and the third wrong answer escalates with a staff task', () => {
    let r = enter(FLOWS.training, {}, ctx());
    r = step(FLOWS.training, r.session, { text: '不知道' }, ctx());
    expect(r.output.lines[0]).toContain('请回复编号');
    expect(r.session.retries).toBe(1);
    r = step(FLOWS.training, r.session, { text: '99' }, ctx());
    r = step(FLOWS.training, r.session, { text: '?' }, ctx());
    expect(r.session.status).toBe('ESCALATED');
    expect(r.effects).toMatchObject([
      { kind: 'staff_task', task: 'escalated_conversation', details: { flow: 'training', step: 'trade' } },
    ]);
  });

  it('a confirmation falls back to staff approval after three wrong codes', () => {
    const state = {
      confirmationId: 7,
      kind: 'STATUS',
      statement: '在家',
      workerName: '王五',
      verified: false,
      workerHasPhone: true,
    };
    const c = ctx({ audience: 'family' });
    let r = enter(FLOWS.family_confirmation, state, c);
    r = step(FLOWS.family_confirmation, r.session, { text: '1', messageId: '11' }, c);
    r = step(FLOWS.family_confirmation, r.session, { text: '在家务农', messageId: '12' }, c);
    expect(r.effects).toEqual([{ kind: 'send_code', to: 'worker', code: '123456', purpose: 'confirmation' }]);
    for (const [i, text] of ['111111', '222222', '333333'].entries()) {
      r = step(FLOWS.family_confirmation, r.session, { text, messageId: String(13 + i) }, c);
    }
    expect(r.session.status).toBe('COMPLETED');
    expect(r.effects).toMatchObject([
      {
        kind: 'confirmation_response',
        confirmationId: 7,
        outcome: 'CONFIRMED',
        reason: '在家务农',
        verificationMethod: 'STAFF_APPROVAL',
        messageIds: ['11', '12', '13', '14', '15'],
      },
    ]);
  });

  it('a flow with nothing to ask ends at its start; a check-in without a status hands over', () => {
    const none = enter(FLOWS.job_leads, { leads: [] }, ctx());
    expect(none.session.status).toBe('COMPLETED');
    expect(none.output.lines).toEqual(['暂时没有适合您的岗位，有新岗位会通知您。']);
    const handover = enter(FLOWS.check_in, { hasCurrent: false }, ctx());
    expect(handover.startFlow).toBe('status_report');
  });

  it('speaks choices on a call: the voice variants of the prompts', () => {
    const r = enter(FLOWS.menu, {}, ctx({ channel: 'VOICE' }));
    expect(r.output.lines[0]).toContain('不再接听通知请随时按9');
    expect(r.output.choices?.map((c) => c.label)).toEqual(['报告就业变化', '找工作', '报名培训', '联系工作人员']);
  });
});
