/**
 * The console's building blocks: tables, pagers, filter forms, figure tiles, forms with CSRF.
 * Server-rendered with preact; every form is a plain POST that also works without JavaScript.
 */
import type { ComponentChildren } from 'preact';
import type { Ctx } from './context.js';

/** A column of a table: its heading and how a row renders in it. */
export interface Column<T> {
  label: string;
  cell: (row: T) => ComponentChildren;
  /** Right-aligned, tabular figures. */
  num?: boolean;
}

export function Table<T>(props: { rows: T[]; columns: Column<T>[]; empty: string; caption?: string; id?: string }) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    // Focusable, so a table wider than the screen can be scrolled from the keyboard.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus (WCAG 2.1.1)
    <div class="table-wrap" tabIndex={0}>
      <table id={props.id}>
        {props.caption ? <caption>{props.caption}</caption> : null}
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col" class={c.num ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              {props.columns.map((c) => (
                <td class={c.num ? 'num' : undefined}>{c.cell(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The query string of `base` with `changes` applied (undefined/'' removes a key). */
export function withQuery(base: string, changes: Record<string, string | number | undefined | null>): string {
  const [path, query = ''] = base.split('?');
  const q = new URLSearchParams(query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path!;
}

/** Previous / next page links for offset paging (page numbers from 1). */
export function Pager(props: { ctx: Ctx; page: number; hasMore: boolean; total?: number }) {
  const { ctx, page } = props;
  if (page <= 1 && !props.hasMore) return null;
  return (
    <nav class="pager" aria-label={ctx.t('common.page', { n: page })}>
      {page > 1 ? (
        <a rel="prev" href={withQuery(ctx.url, { page: page - 1 })}>
          ← {ctx.t('common.prev')}
        </a>
      ) : null}
      <span>{ctx.t('common.page', { n: page })}</span>
      {props.hasMore ? (
        <a rel="next" href={withQuery(ctx.url, { page: page + 1 })}>
          {ctx.t('common.next')} →
        </a>
      ) : null}
    </nav>
  );
}

/** A form posting to `action` with the CSRF token; plain HTML, so it works without JavaScript. */
export function PostForm(props: {
  ctx: Ctx;
  action: string;
  children: ComponentChildren;
  class?: string;
  id?: string;
  enctype?: string;
  confirm?: string;
}) {
  return (
    <form
      method="post"
      action={
        props.enctype
          ? `${props.action}${props.action.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(props.ctx.csrf)}`
          : props.action
      }
      class={props.class}
      id={props.id}
      enctype={props.enctype}
      data-confirm={props.confirm}
    >
      <input type="hidden" name="_csrf" value={props.ctx.csrf} />
      {props.children}
    </form>
  );
}

/** A single-button form (assign to me, expire, approve…). */
export function ActionButton(props: { ctx: Ctx; action: string; label: string; confirm?: string; kind?: 'danger' | 'primary' }) {
  return (
    <PostForm ctx={props.ctx} action={props.action} class="inline" confirm={props.confirm}>
      <button type="submit" class={props.kind}>
        {props.label}
      </button>
    </PostForm>
  );
}

export function Field(props: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the children, inside the label
    <label class="field">
      <span>{props.label}</span>
      {props.children}
      {props.hint ? <small>{props.hint}</small> : null}
    </label>
  );
}

export function Select(props: {
  name: string;
  value?: string | null;
  options: Array<[string, string]>;
  blank?: string;
  required?: boolean;
  id?: string;
}) {
  return (
    <select name={props.name} id={props.id} required={props.required}>
      {props.blank !== undefined ? <option value="">{props.blank}</option> : null}
      {props.options.map(([v, label]) => (
        <option value={v} selected={v === (props.value ?? '')}>
          {label}
        </option>
      ))}
    </select>
  );
}

/** A headline number linking to the list behind it; `bad` marks a figure below its goal. */
export function Figure(props: {
  label: string;
  value: string | number;
  href?: string;
  bad?: boolean;
  hint?: string;
  badLabel?: string;
}) {
  const value = typeof props.value === 'number' ? props.value.toLocaleString('zh-CN') : props.value;
  const body = (
    <>
      <span class="figure-value">{value}</span>
      <span class="figure-label">{props.label}</span>
      {props.bad && props.badLabel ? <span class="badge bad">{props.badLabel}</span> : null}
      {props.hint ? <small>{props.hint}</small> : null}
    </>
  );
  return <li class={props.bad ? 'figure bad' : 'figure'}>{props.href ? <a href={props.href}>{body}</a> : <div>{body}</div>}</li>;
}

export function Badge(props: { kind?: 'ok' | 'bad' | 'warn' | 'muted'; children: ComponentChildren }) {
  return <span class={`badge ${props.kind ?? ''}`}>{props.children}</span>;
}

/** Date and time in China time, as staff read them: 2026-11-30 14:05. */
export function chinaTime(d: Date | null | undefined): string {
  if (!d) return '—';
  return d.toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai', hour12: false }).slice(0, 16);
}

export function chinaDate(d: Date | null | undefined): string {
  if (!d) return '—';
  return d.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

export function percent(n: number, of: number): string {
  return of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '—';
}

/** A list's one-select filter form (a status, most often): plain GET, with a reset link when set. */
export function SelectFilter(props: {
  ctx: Ctx;
  action: string;
  label: string;
  name: string;
  value: string | undefined;
  blank: string;
  options: Array<[string, string]>;
}) {
  const { t } = props.ctx;
  return (
    <form method="get" action={props.action} class="filters">
      <Field label={props.label}>
        <Select name={props.name} value={props.value ?? ''} blank={props.blank} options={props.options} />
      </Field>
      <button type="submit">{t('common.filter')}</button>
      {props.value ? <a href={props.action}>{t('common.reset')}</a> : null}
    </form>
  );
}
