/**
 * What the subsidy, resettlement-site and assessment screens share: their GET form (region inside
 * the user's scope, and a month where the page has one), its query schema, and the download links
 * to the registry's files (the same bytes as the API's).
 */

import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ResolvedScope } from '../reports/scope.js';
import { REGION_CODE_PATTERN } from '../staff/scope.js';
import type { Ctx } from './context.js';
import { Field, Select, withQuery } from './ui.js';

const blank = (v: unknown) => (v === '' ? undefined : v);

export const FilterQuery = z.object({
  region: z.preprocess(blank, z.string().regex(REGION_CODE_PATTERN, 'a region code of 2 to 12 digits').optional()),
  month: z.preprocess(
    blank,
    z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM')
      .optional(),
  ),
});
export type Filter = z.infer<typeof FilterQuery>;

/** The regions offered: the user's own, the header's, the page's and those right below the header's. */
export async function regionChoices(prisma: PrismaClient, ctx: Ctx, current: ResolvedScope): Promise<Array<[string, string]>> {
  const children = await prisma.region.findMany({
    where: { parentId: ctx.user.region.id },
    orderBy: { code: 'asc' },
    select: { code: true, name: true },
    take: 500,
  });
  const out = new Map<string, string>();
  out.set(ctx.user.home.code, ctx.user.home.name);
  out.set(ctx.user.region.code, ctx.user.region.name);
  out.set(current.code, current.name);
  for (const c of children) if (!out.has(c.code)) out.set(c.code, `— ${c.name}`);
  return [...out];
}

export function FilterForm(props: {
  ctx: Ctx;
  action: string;
  regions: Array<[string, string]>;
  scope: ResolvedScope;
  month?: string;
}) {
  const { t } = props.ctx;
  return (
    <form method="get" action={props.action} class="filters">
      <Field label={t('common.region')}>
        <Select name="region" value={props.scope.code} options={props.regions} />
      </Field>
      {props.month !== undefined ? (
        <Field label={t('reports.month')}>
          <input type="month" name="month" value={props.month} />
        </Field>
      ) : null}
      <button type="submit">{t('reports.show')}</button>
    </form>
  );
}

/** Links to a registry report's CSV and XLSX for the page's region (and month). */
export function Downloads(props: {
  ctx: Ctx;
  files: Array<{ report: string; format: 'csv' | 'xlsx'; label: string }>;
  scope: ResolvedScope;
  month?: string;
}) {
  return (
    <p class="actions">
      {props.files.map((f) => (
        <a
          class="button secondary"
          href={withQuery(`/console/reports/${f.report}/download`, {
            format: f.format,
            region: props.scope.code,
            month: props.month,
          })}
          download
        >
          {f.label}
        </a>
      ))}
    </p>
  );
}

/** A share as the pages print it: 45.5% (— when there is nothing to divide by). */
export function pct(v: number | null): string {
  return v === null ? '—' : `${v.toFixed(1)}%`;
}
