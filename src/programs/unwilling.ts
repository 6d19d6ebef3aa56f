/**
 * "Temporarily unwilling to work" (暂时无就业意愿, Annex 1). A zero-employment household's worker
 * may be recorded so only with all of:
 *   - at least 3 job offers and assistance records on file (ServiceContact: job leads, training
 *     offers, staff calls; a contact tied to a message that failed or was cancelled does not count);
 *   - the main reason for not working;
 *   - a confirmation signed by the worker or, when they are away, a family member (本人远程确认 /
 *     家人代签): a Confirmation of kind TEMPORARILY_UNWILLING for this worker, CONFIRMED through a
 *     registered family number or the worker's code, or APPROVED by staff, not used before;
 *   - a dossier: every linked record, exportable as JSON, CSV or XLSX (unwillingDossier).
 * The record is an EmploymentEvent (status TEMPORARILY_UNWILLING, source STAFF) appended through
 * the ledger's event path, so the worker's current status and the household counts follow.
 */
import type { Writable } from 'node:stream';
import type { Sql } from '../db/sql.js';
import type { Channel } from '../generated/prisma/enums.js';
import { shanghaiDay } from '../ledger/china-time.js';
import { appendEmploymentEvent } from '../ledger/employment.js';
import { MIN_SERVICE_CONTACTS, SERVICE_KINDS } from '../ledger/program-rules.js';
import { type Column, type ExportFormat, writeCsv, writeXlsxSheets } from '../reports/export.js';

export type MissingItem =
  | 'worker'
  | 'service_contacts'
  | 'reason'
  | 'confirmation'
  | 'confirmation_kind'
  | 'confirmation_worker'
  | 'confirmation_status'
  | 'confirmation_used';

export interface Refusal {
  item: MissingItem;
  message: string;
}

export interface UnwillingInput {
  workerId: number;
  reason: string;
  confirmationId?: number | null;
  staffUserId?: number | null;
  /** How staff recorded it (API or CLI). Default API. */
  channel?: Channel;
  /** YYYY-MM-DD; default today in China. */
  effectiveDate?: string;
  now?: Date;
}

export type UnwillingResult =
  | { ok: true; eventId: bigint; serviceContacts: number }
  | { ok: false; missing: Refusal[]; serviceContacts: number };

/** Counted offers and assistance records of a worker. */
export async function countedServiceContacts(sql: Sql, workerId: number): Promise<number> {
  const r = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "ServiceContact" c
       LEFT JOIN "OutboundMessage" m ON m.id = c."outboundMessageId"
      WHERE c."workerId" = $1 AND c.kind::text = ANY($2::text[])
        AND (m.id IS NULL OR m.status NOT IN ('FAILED', 'CANCELLED'))`,
    [workerId, SERVICE_KINDS],
  );
  return r.rows[0]?.n ?? 0;
}

/** Every missing item for the record, in the order Annex 1 lists them; empty when it may be recorded. */
export async function checkUnwilling(
  sql: Sql,
  input: Pick<UnwillingInput, 'workerId' | 'reason' | 'confirmationId'>,
): Promise<{ missing: Refusal[]; serviceContacts: number }> {
  const missing: Refusal[] = [];
  const w = await sql.query(`SELECT 1 FROM "Worker" WHERE id = $1`, [input.workerId]);
  if (!w.rows[0]) return { missing: [{ item: 'worker', message: `no worker ${input.workerId}` }], serviceContacts: 0 };
  const serviceContacts = await countedServiceContacts(sql, input.workerId);
  if (serviceContacts < MIN_SERVICE_CONTACTS) {
    missing.push({
      item: 'service_contacts',
      message: `at least ${MIN_SERVICE_CONTACTS} job offers or assistance records are needed; ${serviceContacts} on record`,
    });
  }
  if (!input.reason?.trim()) missing.push({ item: 'reason', message: 'the main reason for not working is missing' });
  if (!input.confirmationId) {
    missing.push({
      item: 'confirmation',
      message: 'a confirmation by the worker or a family member (TEMPORARILY_UNWILLING) is missing',
    });
  } else {
    const c = await sql.query<{
      kind: string;
      workerId: number;
      status: string;
      verificationMethod: string | null;
      used: boolean;
    }>(
      `SELECT kind, "workerId", status, "verificationMethod",
              EXISTS (SELECT 1 FROM "EmploymentEvent" e WHERE e."confirmationId" = c.id) AS used
         FROM "Confirmation" c WHERE id = $1`,
      [input.confirmationId],
    );
    const conf = c.rows[0];
    if (!conf) {
      missing.push({ item: 'confirmation', message: `confirmation ${input.confirmationId} does not exist` });
    } else {
      if (conf.kind !== 'TEMPORARILY_UNWILLING')
        missing.push({
          item: 'confirmation_kind',
          message: `confirmation ${input.confirmationId} is of kind ${conf.kind}, not TEMPORARILY_UNWILLING`,
        });
      if (conf.workerId !== input.workerId)
        missing.push({
          item: 'confirmation_worker',
          message: `confirmation ${input.confirmationId} is for another worker`,
        });
      const accepted =
        conf.status === 'APPROVED' || (conf.status === 'CONFIRMED' && conf.verificationMethod !== 'STAFF_APPROVAL');
      if (!accepted)
        missing.push({
          item: 'confirmation_status',
          message:
            conf.status === 'CONFIRMED'
              ? `confirmation ${input.confirmationId} waits for staff approval`
              : `confirmation ${input.confirmationId} is ${conf.status}, not CONFIRMED or APPROVED`,
        });
      if (conf.used)
        missing.push({
          item: 'confirmation_used',
          message: `confirmation ${input.confirmationId} already backs a record`,
        });
    }
  }
  return { missing, serviceContacts };
}

/**
 * Records the worker as temporarily unwilling to work, or refuses naming every missing item.
 * Run it inside a transaction (the worker row is locked while checking and writing).
 */
export async function recordTemporarilyUnwilling(sql: Sql, input: UnwillingInput): Promise<UnwillingResult> {
  await sql.query(`SELECT 1 FROM "Worker" WHERE id = $1 FOR UPDATE`, [input.workerId]);
  const { missing, serviceContacts } = await checkUnwilling(sql, input);
  if (missing.length > 0) return { ok: false, missing, serviceContacts };
  const now = input.now ?? new Date();
  const eventId = await appendEmploymentEvent(
    sql,
    {
      workerId: input.workerId,
      status: 'TEMPORARILY_UNWILLING',
      reason: input.reason.trim(),
      effectiveDate: input.effectiveDate ?? shanghaiDay(now),
      confirmationId: input.confirmationId as number,
    },
    { source: 'STAFF', channel: input.channel ?? 'API', reportedById: input.staffUserId ?? null },
    now,
  );
  return { ok: true, eventId, serviceContacts };
}

// ───────────────────────────── Dossier ─────────────────────────────

export interface Dossier {
  worker: Record<string, unknown>;
  household: Record<string, unknown>;
  familyContacts: Record<string, unknown>[];
  serviceContacts: Record<string, unknown>[];
  confirmations: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

/**
 * Everything behind a worker's unwilling records: the worker, the household, the family contacts,
 * every service contact, the TEMPORARILY_UNWILLING confirmations with their evidence, and the
 * TEMPORARILY_UNWILLING events. Null when there is no such worker.
 */
export async function unwillingDossier(sql: Sql, workerId: number): Promise<Dossier | null> {
  const w = await sql.query(
    `SELECT w.id, w.name, w."idLast4", w.gender, w."birthYear", w.phone, w."laborCapacity", w."currentStatus",
            w."statusConfirmedAt", w."householdId", v.code AS "villageCode", v.name AS "villageName"
       FROM "Worker" w JOIN "Region" v ON v.id = w."villageId" WHERE w.id = $1`,
    [workerId],
  );
  const worker = w.rows[0];
  if (!worker) return null;
  const h = await sql.query(
    `SELECT id, code, "headName", category, address, "laborCount", "employedCount", "zeroEmployment", "zeroEmploymentSince"
       FROM "Household" WHERE id = $1`,
    [worker.householdId],
  );
  const f = await sql.query(
    `SELECT id, name, relation, phone, verified, "verifiedAt" FROM "FamilyContact" WHERE "workerId" = $1 ORDER BY id`,
    [workerId],
  );
  const s = await sql.query(
    `SELECT c.id::text AS id, c.kind, c."occurredAt", c.channel, c."jobLeadId", j.title AS "jobTitle", j.employer AS "jobEmployer",
            c."outboundMessageId"::text AS "outboundMessageId", m.status AS "messageStatus", c."staffUserId", c.note
       FROM "ServiceContact" c
       LEFT JOIN "JobLead" j ON j.id = c."jobLeadId"
       LEFT JOIN "OutboundMessage" m ON m.id = c."outboundMessageId"
      WHERE c."workerId" = $1 ORDER BY c."occurredAt", c.id`,
    [workerId],
  );
  const c = await sql.query(
    `SELECT id, kind, status, statement, reason, "confirmerType", relation, "confirmerPhone", channel, "verificationMethod",
            evidence, "requestedAt", "respondedAt", "requestedById", "reviewedById", "reviewedAt", "reviewNote"
       FROM "Confirmation" WHERE "workerId" = $1 AND kind = 'TEMPORARILY_UNWILLING' ORDER BY id`,
    [workerId],
  );
  const e = await sql.query(
    `SELECT id::text AS id, status, reason, to_char("effectiveDate", 'YYYY-MM-DD') AS "effectiveDate", "reportedAt", source,
            channel, "reportedById", "confirmationId", "verifiedById", "verifiedAt"
       FROM "EmploymentEvent" WHERE "workerId" = $1 AND status = 'TEMPORARILY_UNWILLING' ORDER BY id`,
    [workerId],
  );
  return {
    worker,
    household: h.rows[0] ?? {},
    familyContacts: f.rows,
    serviceContacts: s.rows,
    confirmations: c.rows,
    events: e.rows,
  };
}

/** A dossier as rows of one table: section, record id, field, value (what the CSV holds). */
interface DossierCell {
  section: string;
  record: string;
  field: string;
  value: string;
}

function flatten(section: string, rec: Record<string, unknown>, prefix = ''): DossierCell[] {
  const id = String(rec.id ?? '');
  const out: DossierCell[] = [];
  for (const [k, v] of Object.entries(rec)) {
    const field = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      for (const c of flatten(section, v as Record<string, unknown>, field)) out.push({ ...c, record: id });
    } else {
      out.push({
        section,
        record: id,
        field,
        value: v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v),
      });
    }
  }
  return out;
}

const DOSSIER_SECTIONS: Array<{ key: keyof Dossier; zh: string }> = [
  { key: 'worker', zh: '劳动力' },
  { key: 'household', zh: '家庭' },
  { key: 'familyContacts', zh: '家庭联系人' },
  { key: 'serviceContacts', zh: '帮扶记录' },
  { key: 'confirmations', zh: '确认' },
  { key: 'events', zh: '就业记录' },
];

const CELL_COLUMNS: Column<DossierCell>[] = [
  { key: 'section', zh: '部分', en: 'section' },
  { key: 'record', zh: '记录编号', en: 'record' },
  { key: 'field', zh: '字段', en: 'field', width: 24 },
  { key: 'value', zh: '内容', en: 'value', width: 60 },
];

/** Every record of the dossier, one field per row. */
export function dossierCells(d: Dossier): DossierCell[] {
  const cells: DossierCell[] = [];
  for (const s of DOSSIER_SECTIONS) {
    const v = d[s.key];
    for (const rec of Array.isArray(v) ? v : [v]) cells.push(...flatten(s.key, rec));
  }
  return cells;
}

/**
 * Writes the dossier as CSV (one field per row: section, record, field, value) or as XLSX (one
 * sheet per section, same columns), and ends `out`.
 */
export async function writeDossier(d: Dossier, format: ExportFormat, out: Writable): Promise<void> {
  if (format === 'csv') {
    await writeCsv(dossierCells(d), CELL_COLUMNS, out);
    return;
  }
  await writeXlsxSheets(
    DOSSIER_SECTIONS.map((s) => {
      const v = d[s.key];
      return { name: s.zh, columns: CELL_COLUMNS, rows: (Array.isArray(v) ? v : [v]).flatMap((rec) => flatten(s.key, rec)) };
    }),
    out,
  );
}
