/**
 * How a worker's current status follows from their append-only EmploymentEvents.
 *
 * Rule: the current event is the one with the latest effective date; among events effective on
 * the same day, the one reported last (then the higher id) wins. A staff-verified event is not
 * overridden by an unverified report with the same effective date and an earlier report time,
 * which the ordering already gives; a later self-report still moves the status, and staff see
 * the unverified flag.
 */
import type { EmploymentStatus } from '../generated/prisma/enums.js';

/** Statuses that count as employed for zero-employment households and employment lists. */
export const EMPLOYED_STATUSES: readonly EmploymentStatus[] = [
  'EMPLOYED_LOCAL',
  'EMPLOYED_IN_PROVINCE',
  'EMPLOYED_OUT_OF_PROVINCE',
  'EMPLOYED_JIANGSU',
  'PUBLIC_WELFARE_POST',
  'SELF_EMPLOYED',
];

export function isEmployed(status: EmploymentStatus): boolean {
  return EMPLOYED_STATUSES.includes(status);
}

export interface EventOrderKey {
  effectiveDate: Date;
  reportedAt: Date;
  id: bigint;
}

/** True when `a` supersedes `b` as the current event. */
export function supersedes(a: EventOrderKey, b: EventOrderKey): boolean {
  if (a.effectiveDate.getTime() !== b.effectiveDate.getTime()) return a.effectiveDate > b.effectiveDate;
  if (a.reportedAt.getTime() !== b.reportedAt.getTime()) return a.reportedAt > b.reportedAt;
  return a.id > b.id;
}

/** SQL ORDER BY that lists a worker's events newest-current first (same rule as `supersedes`). */
export const CURRENT_EVENT_ORDER = '"effectiveDate" DESC, "reportedAt" DESC, id DESC';
