/**
 * The subsidy rules (§14, §16) as configuration: amounts, windows and who is eligible live in a
 * JSON file (config/subsidy-rules.json, or the file SUBSIDY_RULES_FILE names), not in code, so a
 * county's finance office can change them without a release. Validated with zod; a bad file is
 * refused with the field named.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { projectPath } from '../paths.js';

const EMPLOYED = ['EMPLOYED_LOCAL', 'EMPLOYED_IN_PROVINCE', 'EMPLOYED_OUT_OF_PROVINCE', 'EMPLOYED_JIANGSU'] as const;
const EMPLOYER_TYPES = [
  'COMMUNITY_FACTORY',
  'POVERTY_WORKSHOP',
  'EMPLOYMENT_BASE',
  'EXPORT_FIRM',
  'ENTERPRISE',
  'COOPERATIVE',
  'OTHER',
] as const;

const Amount = z.number().int().min(0).max(1_000_000);
const Statuses = z.array(z.enum(EMPLOYED)).min(1);

export const SubsidyRulesSchema = z
  .object({
    /** 职业介绍补贴: paid to the human-resources service agency per worker it placed. */
    referral: z
      .object({
        amountYuan: Amount,
        /** The employment must start within this many days after the referral (China calendar days). */
        windowDays: z.number().int().min(0).max(366),
        /** The employment event must name the employer the referral named. */
        sameEmployer: z.boolean(),
        statuses: Statuses,
        /** Only employment events staff verified count. */
        requireVerified: z.boolean(),
      })
      .strict(),
    /** 一次性吸纳就业补贴: paid to the employer, once per worker. */
    absorption: z
      .object({
        amountYuan: Amount,
        employerTypes: z.array(z.enum(EMPLOYER_TYPES)).min(1),
        statuses: Statuses,
        requireVerified: z.boolean(),
        /** First day (YYYY-MM-DD) an employment may start to count; null: no limit. */
        from: z.iso.date().nullable(),
      })
      .strict(),
  })
  .strict();

export type SubsidyRules = z.infer<typeof SubsidyRulesSchema>;

export const DEFAULT_SUBSIDY_RULES_FILE = projectPath('config', 'subsidy-rules.json');

export class SubsidyRulesError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Invalid subsidy rules in ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SubsidyRulesError';
  }
}

/** Validates rules given as data; throws SubsidyRulesError naming each bad field. */
export function parseSubsidyRules(value: unknown, file = 'subsidy rules'): SubsidyRules {
  const r = SubsidyRulesSchema.safeParse(value);
  if (!r.success)
    throw new SubsidyRulesError(
      file,
      r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`),
    );
  return r.data;
}

const cache = new Map<string, SubsidyRules>();

/** Reads and validates a rules file (once per path per process); undefined: the shipped default. */
export function loadSubsidyRules(file: string | undefined = DEFAULT_SUBSIDY_RULES_FILE): SubsidyRules {
  file ??= DEFAULT_SUBSIDY_RULES_FILE;
  const hit = cache.get(file);
  if (hit) return hit;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SubsidyRulesError(file, [(err as Error).message]);
  }
  const rules = parseSubsidyRules(raw, file);
  cache.set(file, rules);
  return rules;
}
