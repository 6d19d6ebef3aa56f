/**
 * The program's numbers in one place: what the Shaanxi notice (陕人社发〔2020〕26号) and the
 * providers fix, read by the ledger, the routines, the reports and the channels alike. Change a
 * rule here and every module that applies it follows.
 */

/** Days after which a worker's status is stale (§3: the ledger is refreshed at least weekly). */
export const STALE_AFTER_DAYS = 7;
export const STALE_AFTER_MS = STALE_AFTER_DAYS * 86_400_000;

/**
 * Service contacts that count as an employment service (帮扶记录) and as a job offer or
 * assistance record (Annex 1): a delivered job lead, a training offer, a staff call or visit, a
 * referral to an employer. Policy notices are publicity, not a service.
 */
export const SERVICE_KINDS = ['JOB_LEAD', 'TRAINING_OFFER', 'STAFF_CALL', 'STAFF_VISIT', 'JOB_REFERRAL'] as const;

/** §13: at least 1 service per willing worker, at least 3 per zero-employment household. */
export const WORKER_SERVICE_QUOTA = 1;
export const HOUSEHOLD_SERVICE_QUOTA = 3;

/** Annex 1: job offers and assistance records needed before "temporarily unwilling" (3次以上). */
export const MIN_SERVICE_CONTACTS = 3;

/** Annex 1: working age as the zero-employment plan counts it (by birth year, in China's calendar). */
export const WORKING_AGE = { min: 16, max: 60 } as const;

/** §12: a public-welfare post lasts at most 6 months, 12 with an approved extension. */
export const POST_MAX_MONTHS = 6;
export const POST_MAX_MONTHS_EXTENDED = 12;

/** §16: days after a course ends when its trainees are followed up (employed within 1 month). */
export const TRAINING_FOLLOW_UP_DAYS = 30;
/** §16: share of trainees employed within a month below which a course or institution is flagged. */
export const TRAINING_EMPLOYMENT_RATE_THRESHOLD = 0.5;

/** Twilio's error code for a recipient who replied STOP: never retry, record the opt-out. */
export const TWILIO_OPTED_OUT = 21610;
