/**
 * The page frame: header with the region picker, the user and the language switch, the main
 * navigation, the flash message, then the screen. No web fonts and no CDN: the stylesheet uses
 * the system's CJK fonts, and htmx is served from the package by this process.
 */
import type { ComponentChildren } from 'preact';
import type { RegionRef } from '../staff/scope.js';
import { assetUrl } from './assets.js';
import type { Ctx } from './context.js';
import { PostForm } from './ui.js';

const NAV: Array<{ key: string; href: string; admin?: boolean }> = [
  { key: 'dashboard', href: '/console' },
  { key: 'tasks', href: '/console/tasks' },
  { key: 'ledger', href: '/console/ledger' },
  { key: 'confirmations', href: '/console/confirmations' },
  { key: 'inbox', href: '/console/inbox' },
  { key: 'campaigns', href: '/console/campaigns' },
  { key: 'jobLeads', href: '/console/job-leads' },
  { key: 'employers', href: '/console/employers' },
  { key: 'imports', href: '/console/imports' },
  { key: 'reports', href: '/console/reports' },
  { key: 'consistency', href: '/console/consistency' },
  { key: 'subsidies', href: '/console/subsidies' },
  { key: 'sites', href: '/console/sites' },
  { key: 'assessment', href: '/console/assessment' },
  { key: 'system', href: '/console/system', admin: true },
];

export interface RegionPicker {
  /** From the user's home region down to the current one. */
  path: RegionRef[];
  /** The current region's children, to narrow further. */
  children: RegionRef[];
}

/** A bare page (sign-in, errors before sign-in). */
export function Bare(props: { lang: string; title: string; children: ComponentChildren }) {
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={assetUrl('console.css')} />
      </head>
      <body class="bare">
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

export function Layout(props: { ctx: Ctx; title: string; picker: RegionPicker; children: ComponentChildren }) {
  const { ctx } = props;
  const { t, user } = ctx;
  const here = ctx.url.split('?')[0]!;
  const current = (href: string) => (href === '/console' ? here === '/console' : here.startsWith(href));
  return (
    <html lang={ctx.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}' />
        <title>{`${props.title} · ${t('app.name')}`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={assetUrl('console.css')} />
        <script src={assetUrl('htmx.min.js')} defer />
        <script src={assetUrl('console.js')} defer />
      </head>
      <body hx-headers={JSON.stringify({ 'x-csrf-token': ctx.csrf })}>
        <a class="skip" href="#main">
          {t('app.skip')}
        </a>
        <header class="top">
          <a class="brand" href="/console">
            {t('app.name')}
          </a>
          <RegionPickerForm ctx={ctx} picker={props.picker} />
          <div class="who">
            <span>
              {user.name} · {t(`header.roles.${user.role}`)}
            </span>
            <PostForm ctx={ctx} action="/console/language" class="inline">
              <input type="hidden" name="back" value={ctx.url} />
              <button type="submit" name="language" value={ctx.lang === 'en' ? 'zh-CN' : 'en'} class="link">
                {t('header.language')}
              </button>
            </PostForm>
            <a href="/console/account">{t('header.account')}</a>
            <PostForm ctx={ctx} action="/console/sign-out" class="inline">
              <button type="submit" class="link">
                {t('header.signOut')}
              </button>
            </PostForm>
          </div>
        </header>
        <nav class="main-nav" aria-label={t('app.name')}>
          <ul>
            {NAV.filter((n) => !n.admin || user.role === 'ADMIN').map((n) => (
              <li>
                <a href={n.href} aria-current={current(n.href) ? 'page' : undefined}>
                  {t(`nav.${n.key}`)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main">
          {ctx.flash ? (
            <p class={`flash ${ctx.flash.kind}`} role={ctx.flash.kind === 'error' ? 'alert' : 'status'}>
              {ctx.flash.text}
            </p>
          ) : null}
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** Breadcrumb of the scope (each step clickable) and a list of the regions below to narrow to. */
function RegionPickerForm(props: { ctx: Ctx; picker: RegionPicker }) {
  const { ctx, picker } = props;
  return (
    <PostForm ctx={ctx} action="/console/region" class="region-picker">
      <input type="hidden" name="back" value={ctx.url} />
      <span class="crumbs">
        {picker.path.map((r, i) =>
          i === picker.path.length - 1 ? (
            <strong>{r.name}</strong>
          ) : (
            <>
              <button type="submit" name="regionId" value={String(r.id)} class="link">
                {r.name}
              </button>
              <span aria-hidden="true"> › </span>
            </>
          ),
        )}
      </span>
      {picker.children.length > 0 ? (
        <>
          <label class="sr-only" for="region-down">
            {ctx.t('header.region')}
          </label>
          <select id="region-down" name="regionId">
            <option value="">{ctx.t('header.below')}</option>
            {picker.children.map((r) => (
              <option value={String(r.id)}>{r.name}</option>
            ))}
          </select>
          <button type="submit">{ctx.t('header.go')}</button>
        </>
      ) : null}
    </PostForm>
  );
}
