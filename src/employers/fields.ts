/**
 * The employer's fields as every entry point reads them (API, console, the employer's own form):
 * one zod schema per field, so a value is refused the same way, naming the field, wherever it
 * comes from.
 */
import { z } from 'zod';
import { EmployerType } from '../generated/prisma/enums.js';
import { normaliseMobile } from '../ledger/phone.js';
import { creditCodeProblem, normalizeCreditCode } from './credit-code.js';

/**
 * The kinds a key employer is chosen among (§6: community factories, poverty-alleviation workshops,
 * employment bases with large staff cuts, export-oriented firms), and OTHER. The ledger's
 * EmployerType has more kinds (enterprises, cooperatives) for the subsidies' employers.
 */
export const EMPLOYER_TYPES = [
  EmployerType.COMMUNITY_FACTORY,
  EmployerType.POVERTY_WORKSHOP,
  EmployerType.EMPLOYMENT_BASE,
  EmployerType.EXPORT_FIRM,
  EmployerType.OTHER,
] as const;

export const EmployerTypeEnum = z.enum(EMPLOYER_TYPES);

/** 统一社会信用代码: spaces and small letters forgiven, the check character checked. */
export const CreditCode = z
  .string()
  .max(40)
  .transform(normalizeCreditCode)
  .superRefine((v, ctx) => {
    const problem = creditCodeProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `the unified social credit code ${problem}` });
  });

/** A mainland mobile number in any common spelling, stored in E.164. */
export const Mobile = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const phone = normaliseMobile(v);
    if (!phone) {
      ctx.addIssue({ code: 'custom', message: 'expected a mainland China mobile number' });
      return z.NEVER;
    }
    return phone;
  });

export const EmployerName = z.string().trim().min(1).max(100);
export const ContactName = z.string().trim().min(1).max(50);
export const TownshipCode = z.string().regex(/^\d{9}$/, 'expected a township code of 9 digits');

/** "YYYY-MM": a survey month. */
export const SurveyMonth = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month as YYYY-MM')
  .refine((m) => m >= '2000-01' && m <= '2099-12', 'expected a month between 2000-01 and 2099-12');

/** A count of people: a whole number from 0 to a million. */
export const Count = z.number().int().min(0).max(1_000_000);
/** A monthly wage in yuan. */
export const Wage = z.number().int().min(0).max(1_000_000);

export const ProductionStatusEnum = z.enum(['NORMAL', 'REDUCED', 'STOPPED']);

/** A laid-off poor-household worker the employer names: name, and a mobile or the ID's last 4 to find them. */
export const NamedLayoff = z.object({
  name: z.string().trim().min(1).max(50),
  phone: Mobile.nullish(),
  idLast4: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^\d{3}[\dX]$/, 'expected the last 4 characters of an ID number')
    .nullish(),
});

/** A month's figures as the employer (or staff, by phone) gives them. */
export const ReportFigures = z
  .object({
    headcount: Count.describe('workers on the payroll at the month’s end'),
    povertyWorkers: Count.describe('of them, from poor households'),
    hires: Count,
    hiresPoor: Count.describe('of the hires, from poor households'),
    separationsLayoff: Count.describe('separations: laid off'),
    separationsResigned: Count.describe('separations: resigned'),
    separationsContract: Count.describe('separations: contract ended'),
    separationsSeasonal: Count.describe('separations: seasonal'),
    separationsPoor: Count.describe('of the separations, from poor households'),
    vacancies: Count.describe('open posts at the month’s end'),
    wageMin: Wage.nullish().describe('the vacancies’ monthly wage range, yuan'),
    wageMax: Wage.nullish(),
    production: ProductionStatusEnum,
    explanation: z.string().trim().max(500).nullish().describe('why the figures do not add up, when they do not'),
    layoffs: z.array(NamedLayoff).max(50).default([]).describe('laid-off poor-household workers, for follow-up (§8)'),
  })
  .refine((f) => f.wageMin == null || f.wageMax == null || f.wageMin <= f.wageMax, {
    message: 'must not be below wageMin',
    path: ['wageMax'],
  });

export type ReportFiguresInput = z.output<typeof ReportFigures>;
