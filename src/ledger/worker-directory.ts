/**
 * Workers as staff look them up: search inside a region subtree, and one worker's file (household,
 * status with its provenance, service contacts, family contacts). Phone numbers leave this module
 * masked to their last 4 digits and the ID-number hash never leaves it.
 */
import type { Sql } from '../db/sql.js';
import type { EmploymentStatus } from '../generated/prisma/enums.js';
import type { RegionColumn } from '../staff/scope.js';
import { STALE_AFTER_MS } from './program-rules.js';

/** "+86*******5678": enough to tell numbers apart on a call, not enough to dial. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return null;
  const cc = phone.startsWith('+86') ? '+86' : phone.startsWith('+') ? '+' : '';
  const rest = phone.slice(cc.length);
  return `${cc}${'*'.repeat(Math.max(0, rest.length - 4))}${rest.slice(-4)}`;
}

export interface WorkerSearch {
  /** The subtree to search: `WHERE "<column>" = value` (the caller's scope, or a region inside it). */
  subtree: { column: RegionColumn; value: number };
  /** Part of the name. */
  name?: string;
  /** Last 4 characters of the ID number. */
  idLast4?: string;
  /** A mobile number in E.164 (normalise first). */
  phone?: string;
  status?: EmploymentStatus;
  /** Only workers whose status was last confirmed more than 7 days ago, or never. */
  stale?: boolean;
  /** Workers with an id above this (keyset pagination). */
  afterId?: number;
  limit: number;
  now?: Date;
}

export interface WorkerSummary {
  id: number;
  name: string;
  idLast4: string;
  gender: string | null;
  birthYear: number | null;
  phone: string | null;
  householdId: number;
  householdCode: string;
  villageCode: string;
  villageName: string;
  currentStatus: EmploymentStatus;
  statusConfirmedAt: Date | null;
  stale: boolean;
}

/** Workers in a subtree matching every given filter, by id. */
export async function searchWorkers(sql: Sql, q: WorkerSearch): Promise<WorkerSummary[]> {
  const now = q.now ?? new Date();
  const staleBefore = new Date(now.getTime() - STALE_AFTER_MS).toISOString();
  const r = await sql.query<WorkerSummary>(
    `SELECT w.id, w.name, w."idLast4", w.gender, w."birthYear", w.phone, w."householdId", h.code AS "householdCode",
            v.code AS "villageCode", v.name AS "villageName", w."currentStatus", w."statusConfirmedAt",
            (w."statusConfirmedAt" IS NULL OR w."statusConfirmedAt" < $2::timestamp(3)) AS stale
       FROM "Worker" w JOIN "Household" h ON h.id = w."householdId" JOIN "Region" v ON v.id = w."villageId"
      WHERE w."${q.subtree.column}" = $1
        AND ($3::text IS NULL OR strpos(w.name, $3) > 0)
        AND ($4::text IS NULL OR w."idLast4" = $4)
        AND ($5::text IS NULL OR w.phone = $5)
        AND ($6::"EmploymentStatus" IS NULL OR w."currentStatus" = $6::"EmploymentStatus")
        AND (NOT $7::boolean OR w."statusConfirmedAt" IS NULL OR w."statusConfirmedAt" < $2::timestamp(3))
        AND ($8::int IS NULL OR w.id > $8)
      ORDER BY w.id LIMIT $9`,
    [
      q.subtree.value,
      staleBefore,
      q.name ?? null,
      q.idLast4 ?? null,
      q.phone ?? null,
      q.status ?? null,
      q.stale === true,
      q.afterId ?? null,
      q.limit,
    ],
  );
  return r.rows.map((w) => ({ ...w, phone: maskPhone(w.phone) }));
}

export interface WorkerEventView {
  id: string;
  status: EmploymentStatus;
  employer: string | null;
  place: string | null;
  industry: string | null;
  monthlyWage: number | null;
  insured: boolean | null;
  reason: string | null;
  effectiveDate: string;
  reportedAt: Date;
  /** Provenance: who reported it, through which channel, backed by which message, call or import. */
  source: string;
  channel: string;
  inboundMessageId: string | null;
  callSid: string | null;
  familyContactId: number | null;
  familyRelation: string | null;
  reportedBy: string | null;
  importId: number | null;
  jobLeadId: number | null;
  confirmationId: number | null;
  verifiedBy: string | null;
  verifiedAt: Date | null;
}

export interface WorkerFile {
  id: number;
  name: string;
  idLast4: string;
  gender: string | null;
  birthYear: number | null;
  phone: string | null;
  telegramLinked: boolean;
  language: string;
  needsVoice: boolean;
  laborCapacity: string;
  willingToWorkAway: boolean | null;
  skills: string[];
  isReturnee: boolean;
  countyConfirmed: boolean;
  currentStatus: EmploymentStatus;
  statusConfirmedAt: Date | null;
  stale: boolean;
  regions: { provinceId: number; cityId: number; countyId: number; townshipId: number; villageId: number };
  village: { code: string; name: string };
  household: {
    id: number;
    code: string;
    headName: string | null;
    category: string;
    address: string | null;
    laborCount: number;
    employedCount: number;
    zeroEmployment: boolean;
    zeroEmploymentSince: Date | null;
  };
  currentEvent: WorkerEventView | null;
  events: WorkerEventView[];
  serviceContacts: {
    id: string;
    kind: string;
    occurredAt: Date;
    channel: string;
    campaignId: number | null;
    jobLeadId: number | null;
    staffUser: string | null;
    note: string | null;
  }[];
  familyContacts: {
    id: number;
    name: string;
    relation: string;
    phone: string | null;
    verified: boolean;
    verifiedAt: Date | null;
  }[];
}

const EVENT_COLUMNS = `e.id::text AS id, e.status, e.employer, e.place, e.industry, e."monthlyWage", e.insured, e.reason,
  to_char(e."effectiveDate", 'YYYY-MM-DD') AS "effectiveDate", e."reportedAt", e.source, e.channel,
  e."inboundMessageId"::text AS "inboundMessageId", e."callSid", e."familyContactId", f.relation AS "familyRelation",
  r.username AS "reportedBy", e."importId", e."jobLeadId", e."confirmationId", v.username AS "verifiedBy", e."verifiedAt"`;
const EVENT_JOINS = `LEFT JOIN "FamilyContact" f ON f.id = e."familyContactId"
  LEFT JOIN "StaffUser" r ON r.id = e."reportedById" LEFT JOIN "StaffUser" v ON v.id = e."verifiedById"`;

/**
 * One worker's file when the worker lies in the subtree, else null (the caller cannot tell a
 * worker outside its scope from one that does not exist).
 */
export async function getWorkerFile(
  sql: Sql,
  id: number,
  subtree: { column: RegionColumn; value: number },
  opts: { events?: number; contacts?: number; now?: Date } = {},
): Promise<WorkerFile | null> {
  const now = opts.now ?? new Date();
  const staleBefore = new Date(now.getTime() - STALE_AFTER_MS).toISOString();
  const w = await sql.query(
    `SELECT w.id, w.name, w."idLast4", w.gender, w."birthYear", w.phone, w."telegramChatId" IS NOT NULL AS "telegramLinked",
            w.language, w."needsVoice", w."laborCapacity", w."willingToWorkAway", COALESCE(w.skills, '{}') AS skills,
            w."isReturnee", w."countyConfirmed", w."currentStatus", w."statusConfirmedAt", w."currentEventId"::text AS "currentEventId",
            (w."statusConfirmedAt" IS NULL OR w."statusConfirmedAt" < $3::timestamp(3)) AS stale,
            w."provinceId", w."cityId", w."countyId", w."townshipId", w."villageId", g.code AS "villageCode", g.name AS "villageName",
            h.id AS "hId", h.code AS "hCode", h."headName", h.category, h.address, h."laborCount", h."employedCount",
            h."zeroEmployment", h."zeroEmploymentSince"
       FROM "Worker" w JOIN "Household" h ON h.id = w."householdId" JOIN "Region" g ON g.id = w."villageId"
      WHERE w.id = $1 AND w."${subtree.column}" = $2`,
    [id, subtree.value, staleBefore],
  );
  const row = w.rows[0];
  if (!row) return null;
  const [events, contacts, family] = await Promise.all([
    sql.query<WorkerEventView>(
      `SELECT ${EVENT_COLUMNS} FROM "EmploymentEvent" e ${EVENT_JOINS}
        WHERE e."workerId" = $1 ORDER BY e."effectiveDate" DESC, e."reportedAt" DESC, e.id DESC LIMIT $2`,
      [id, opts.events ?? 20],
    ),
    sql.query<WorkerFile['serviceContacts'][number]>(
      `SELECT c.id::text AS id, c.kind, c."occurredAt", c.channel, c."campaignId", c."jobLeadId", u.username AS "staffUser", c.note
         FROM "ServiceContact" c LEFT JOIN "StaffUser" u ON u.id = c."staffUserId"
        WHERE c."workerId" = $1 ORDER BY c."occurredAt" DESC, c.id DESC LIMIT $2`,
      [id, opts.contacts ?? 20],
    ),
    sql.query<WorkerFile['familyContacts'][number]>(
      `SELECT id, name, relation, phone, verified, "verifiedAt" FROM "FamilyContact" WHERE "workerId" = $1 AND "removedAt" IS NULL ORDER BY id`,
      [id],
    ),
  ]);
  let currentEvent = events.rows.find((e) => e.id === row.currentEventId) ?? null;
  if (!currentEvent && row.currentEventId) {
    const c = await sql.query<WorkerEventView>(
      `SELECT ${EVENT_COLUMNS} FROM "EmploymentEvent" e ${EVENT_JOINS} WHERE e.id = $1`,
      [row.currentEventId],
    );
    currentEvent = c.rows[0] ?? null;
  }
  return {
    id: row.id,
    name: row.name,
    idLast4: row.idLast4,
    gender: row.gender,
    birthYear: row.birthYear,
    phone: maskPhone(row.phone),
    telegramLinked: row.telegramLinked,
    language: row.language,
    needsVoice: row.needsVoice,
    laborCapacity: row.laborCapacity,
    willingToWorkAway: row.willingToWorkAway,
    skills: row.skills,
    isReturnee: row.isReturnee,
    countyConfirmed: row.countyConfirmed,
    currentStatus: row.currentStatus,
    statusConfirmedAt: row.statusConfirmedAt,
    stale: row.stale,
    regions: {
      provinceId: row.provinceId,
      cityId: row.cityId,
      countyId: row.countyId,
      townshipId: row.townshipId,
      villageId: row.villageId,
    },
    village: { code: row.villageCode, name: row.villageName },
    household: {
      id: row.hId,
      code: row.hCode,
      headName: row.headName,
      category: row.category,
      address: row.address,
      laborCount: row.laborCount,
      employedCount: row.employedCount,
      zeroEmployment: row.zeroEmployment,
      zeroEmploymentSince: row.zeroEmploymentSince,
    },
    currentEvent,
    events: events.rows,
    serviceContacts: contacts.rows,
    familyContacts: family.rows.map((f) => ({ ...f, phone: maskPhone(f.phone) })),
  };
}
