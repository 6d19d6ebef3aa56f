/**
 * The month's figures as a form: the fields (shared by the employer's own page, reached by the
 * survey link, and the staff's entry of a report taken by phone) and the reading of what was sent.
 * Plain inputs, numeric keypads on a phone, no script needed; blank counts read as 0 except the
 * headcounts, which must be given.
 */
import { ReportFigures, type ReportFiguresInput } from '../employers/fields.js';
import type { Discrepancy } from '../employers/survey-reports.js';
import type { Ctx } from './context.js';
import { Field } from './ui.js';

/** Rows for named laid-off workers on the form. */
export const LAYOFF_ROWS = 3;

const COUNTS = [
  'headcount',
  'povertyWorkers',
  'hires',
  'hiresPoor',
  'separationsLayoff',
  'separationsResigned',
  'separationsContract',
  'separationsSeasonal',
  'separationsPoor',
  'vacancies',
] as const;
const REQUIRED = new Set(['headcount', 'povertyWorkers']);

export type FigureValues = Record<string, string | undefined>;

/** The form's values for a report on record (to correct it), with the workers it named. */
export function figureValues(
  r: Partial<Record<(typeof COUNTS)[number] | 'wageMin' | 'wageMax', number | null>> & {
    production?: string;
    explanation?: string | null;
  },
  layoffs: Array<{ name: string; phone: string | null; idLast4: string | null }> = [],
): FigureValues {
  const v: FigureValues = {};
  for (const k of [...COUNTS, 'wageMin', 'wageMax', 'production', 'explanation'] as const) {
    const x = r[k];
    if (x !== null && x !== undefined) v[k] = String(x);
  }
  layoffs.slice(0, LAYOFF_ROWS).forEach((l, i) => {
    v[`layoffName${i + 1}`] = l.name;
    v[`layoffId${i + 1}`] = l.phone?.replace(/^\+86/, '') ?? l.idLast4 ?? '';
  });
  return v;
}

/** What did not add up, in words (shown with the request for an explanation). */
export function DiscrepancyList(props: { t: Ctx['t']; discrepancies: Discrepancy[] }) {
  return (
    <ul id="discrepancies">
      {props.discrepancies.map((d) => (
        <li>{props.t(`employers.discrepancy.${d}`)}</li>
      ))}
    </ul>
  );
}

const digits = (field: string, v: string | undefined, required: boolean): number | null | string => {
  const s = (v ?? '').normalize('NFKC').trim();
  if (s === '') return required ? `${field}` : null;
  if (!/^\d{1,7}$/.test(s)) return `${field}`;
  return Number(s);
};

/** The figures sent, or the first field that is wrong (its name) and why. */
export function readFigures(raw: FigureValues): { figures: ReportFiguresInput } | { field: string; message: string } {
  const out: Record<string, unknown> = {};
  for (const f of [...COUNTS, 'wageMin', 'wageMax']) {
    const n = digits(f, raw[f], REQUIRED.has(f));
    if (typeof n === 'string') return { field: f, message: 'expected a whole number from 0 to 1000000' };
    out[f] = n ?? (f.startsWith('wage') ? null : 0);
  }
  const layoffs = [];
  for (let i = 1; i <= LAYOFF_ROWS; i++) {
    const name = raw[`layoffName${i}`]?.trim();
    const id = raw[`layoffId${i}`]?.trim();
    if (!name && !id) continue;
    const phone = id && !/^\d{3}[\dXx]$/.test(id) ? id : null;
    layoffs.push({ name: name ?? '', phone, idLast4: phone ? null : id || null });
  }
  const parsed = ReportFigures.safeParse({ ...out, production: raw.production, explanation: raw.explanation || null, layoffs });
  if (parsed.success) return { figures: parsed.data };
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String);
  return { field: path[0] === 'layoffs' ? 'layoffs' : (path[0] ?? 'form'), message: issue.message };
}

function NumberInput(props: { name: string; v: FigureValues; required?: boolean }) {
  return (
    <input
      type="text"
      inputMode="numeric"
      pattern="[0-9]*"
      maxLength={7}
      name={props.name}
      id={`f-${props.name}`}
      required={props.required}
      value={props.v[props.name] ?? ''}
    />
  );
}

/** The fields of the month's report, labelled in the user's language. */
export function FigureFields(props: { t: Ctx['t']; v: FigureValues; discrepancies?: Discrepancy[]; previous?: number | null }) {
  const { t, v } = props;
  const l = (k: string) => t(`employers.form.${k}`);
  return (
    <div class="survey-fields">
      <fieldset>
        <legend>{l('staffing')}</legend>
        {props.previous != null ? <p class="hint">{t('employers.form.previous', { n: props.previous })}</p> : null}
        <div class="pair">
          <Field label={`${l('headcount')} *`}>
            <NumberInput name="headcount" v={v} required />
          </Field>
          <Field label={`${l('povertyWorkers')} *`}>
            <NumberInput name="povertyWorkers" v={v} required />
          </Field>
        </div>
        <div class="pair">
          <Field label={l('hires')}>
            <NumberInput name="hires" v={v} />
          </Field>
          <Field label={l('hiresPoor')}>
            <NumberInput name="hiresPoor" v={v} />
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>{l('separations')}</legend>
        <div class="pair">
          <Field label={l('separationsLayoff')}>
            <NumberInput name="separationsLayoff" v={v} />
          </Field>
          <Field label={l('separationsResigned')}>
            <NumberInput name="separationsResigned" v={v} />
          </Field>
          <Field label={l('separationsContract')}>
            <NumberInput name="separationsContract" v={v} />
          </Field>
          <Field label={l('separationsSeasonal')}>
            <NumberInput name="separationsSeasonal" v={v} />
          </Field>
        </div>
        <Field label={l('separationsPoor')}>
          <NumberInput name="separationsPoor" v={v} />
        </Field>
      </fieldset>
      <fieldset>
        <legend>{l('vacanciesTitle')}</legend>
        <Field label={l('vacancies')}>
          <NumberInput name="vacancies" v={v} />
        </Field>
        <div class="pair">
          <Field label={l('wageMin')}>
            <NumberInput name="wageMin" v={v} />
          </Field>
          <Field label={l('wageMax')}>
            <NumberInput name="wageMax" v={v} />
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>{l('production')} *</legend>
        {(['NORMAL', 'REDUCED', 'STOPPED'] as const).map((p) => (
          <label class="check">
            <input type="radio" name="production" value={p} required checked={(v.production ?? 'NORMAL') === p} />{' '}
            {t(`employers.production.${p}`)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{l('layoffs')}</legend>
        <p class="hint">{l('layoffsHint')}</p>
        {Array.from({ length: LAYOFF_ROWS }, (_, i) => (
          <div class="pair">
            <Field label={`${l('layoffName')} ${i + 1}`}>
              <input type="text" name={`layoffName${i + 1}`} maxLength={50} value={v[`layoffName${i + 1}`] ?? ''} />
            </Field>
            <Field label={`${l('layoffId')} ${i + 1}`}>
              <input type="text" inputMode="tel" name={`layoffId${i + 1}`} maxLength={20} value={v[`layoffId${i + 1}`] ?? ''} />
            </Field>
          </div>
        ))}
      </fieldset>
      <div class={props.discrepancies?.length ? 'explain needed' : 'explain'}>
        <Field label={l('explanation')} hint={l('explanationHint')}>
          <textarea name="explanation" rows={3} maxLength={500}>
            {v.explanation ?? ''}
          </textarea>
        </Field>
      </div>
    </div>
  );
}
