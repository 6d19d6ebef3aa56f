/**
 * Writes validated ledger rows in batches: a handful of multi-row statements per batch, one
 * transaction per batch, never one statement per row. Each statement takes the batch as one JSON
 * parameter read with json_to_recordset (serialising a JSON document is far cheaper for the
 * driver than two dozen escaped array literals), and the same statements run on PostgreSQL and on
 * PGlite.
 *
 * Lookups of existing rows go through LATERAL … LIMIT 1 so that they stay index probes whatever
 * the planner believes about tables that grow during the import; CTEs are never joined to each
 * other (see IMPORT_SESSION_SETTINGS). Ids of new households, workers and events are drawn from
 * their sequences inside the statement, so a worker and its first event are written together.
 *
 * Upsert keys: Region.code, ResettlementSite.code, Household.code, Worker.idHash,
 * FamilyContact(workerId, phone). An empty optional cell never erases what the ledger holds.
 * Rows are only rewritten when a value changes, so re-importing a file is cheap and leaves
 * updatedAt alone. An EmploymentEvent (source IMPORT, channel IMPORT) is appended only when the
 * row's status or details differ from the worker's current event and no event with the same
 * date and content exists; it becomes current by the rule in status-rules.ts.
 */
import type pg from 'pg';
import type { RegionLevel } from '../generated/prisma/enums.js';
import { openZeroEmploymentSpells, refreshHouseholdCounts } from '../ledger/household-counts.js';
import { isEmployed } from '../ledger/status-rules.js';
import { codeInScope } from '../staff/scope.js';
import { REGION_NAME_KEYS } from './columns.js';
import { type CopyValue, type RowColumns, RowStage } from './copy-rows.js';
import { type LedgerRow, MSG, type RowError } from './validate-row.js';

/** Code length of each level: 2 province + 2 city + 2 county + 3 township + 3 village. */
export const REGION_LEVELS: readonly { level: RegionLevel; length: number }[] = [
  { level: 'PROVINCE', length: 2 },
  { level: 'CITY', length: 4 },
  { level: 'COUNTY', length: 6 },
  { level: 'TOWNSHIP', length: 9 },
  { level: 'VILLAGE', length: 12 },
];

/** Region codes of a village and its ancestors, province first. */
export function regionChain(villageCode: string): string[] {
  return REGION_LEVELS.map((l) => villageCode.slice(0, l.length));
}

/** Resettlement sites have no official code in the sheet: the county code and the name make one. */
export function siteCode(villageCode: string, siteName: string): string {
  return `${villageCode.slice(0, 6)}:${siteName}`;
}

export interface BatchWriterOptions {
  importId: number;
  staffUserId?: number;
  /** Import time (ISO), used for updatedAt, reportedAt and zeroEmploymentSince. */
  now: string;
  /** The import day in China (YYYY-MM-DD). */
  today: string;
  /**
   * Region code of the uploader's scope. Households and workers already in the ledger are only
   * touched when they lie inside it; a row matching one elsewhere is a row error and nothing of it
   * is written (moving records between regions is an explicit transfer, src/ledger/transfers.ts).
   * Unset: the whole ledger (an import from the shell without a staff user).
   */
  scopeCode?: string;
  /**
   * Stage the batch's worker rows with COPY (PostgreSQL) rather than as a JSON parameter
   * (PGlite, whose wire server does not take COPY FROM STDIN).
   */
  copy?: boolean;
  /**
   * The caller holds one transaction around every batch (a bulk load, bulk-load.ts): batches are
   * written in it instead of each in a transaction of its own, and a failure is the caller's to
   * roll back.
   */
  outerTransaction?: boolean;
}

/** The row the worker statement reads for each ledger row: the worker and its sheet status. */
const WORKER_ROW: RowColumns = [
  ['h', 'text'],
  ['hh', 'int'],
  ['pr', 'int'],
  ['ci', 'int'],
  ['co', 'int'],
  ['tw', 'int'],
  ['vi', 'int'],
  ['name', 'text'],
  ['last4', 'text'],
  ['gender', 'text'],
  ['birth', 'int'],
  ['phone', 'text'],
  ['labor', '"LaborCapacity"'],
  ['willing', 'bool'],
  ['skills', 'text[]'],
  ['returnee', 'bool'],
  ['voice', 'bool'],
  ['confirmed', 'bool'],
  ['status', '"EmploymentStatus"'],
  ['employer', 'text'],
  ['place', 'text'],
  ['industry', 'text'],
  ['wage', 'int'],
  ['insured', 'bool'],
  ['reason', 'text'],
  ['eff', 'date'],
];

/**
 * When an imported status counts as confirmed (SQL): at import time for a status dated today (or
 * undated), else at the start of its date, so an old sheet does not make stale data look fresh.
 */
function confirmedAtSql(eff: string, now: string, today: string): string {
  return `CASE WHEN ${eff} >= ${today}::date THEN ${now}::timestamp(3) ELSE ${eff}::timestamp(3) END`;
}

/** Counts a row's worker into its household's labour and employed figures (as refreshHouseholdCounts would). */
function countMember(counts: { labor: number; employed: number }, row: LedgerRow): void {
  if (row.worker.laborCapacity !== 'NONE') counts.labor++;
  if (row.status && isEmployed(row.status.status)) counts.employed++;
}

export interface BatchResult {
  written: number;
  errors: RowError[];
  eventsAppended: number;
}

interface RegionEntry {
  id: number;
  name: string;
}

export interface BatchWriter {
  /** Sets up the connection for the import (outside any batch transaction). */
  open(): Promise<void>;
  write(rows: LedgerRow[]): Promise<BatchResult>;
  /** Undoes what open set up, once every batch is written. */
  close(): Promise<void>;
}

/**
 * Session settings for the import connection. Every join in these statements is a batch of keys
 * probing an index; statistics lag behind tables that grow during an import, and the planner
 * would otherwise hash or sort whole tables once per batch (seen: Worker scanned per batch, the
 * import slowing down as it went).
 */
export const IMPORT_SESSION_SETTINGS = ['SET enable_hashjoin = off', 'SET enable_mergejoin = off'];
export const RESET_SESSION_SETTINGS = ['RESET enable_hashjoin', 'RESET enable_mergejoin'];

/** Creates a writer on one connection; it caches region and site ids across batches. */
export function createBatchWriter(client: pg.PoolClient, opts: BatchWriterOptions): BatchWriter {
  const workerRows = new RowStage(client, 'import_worker_rows', WORKER_ROW, opts.copy ?? false);
  /** Sequence names of the serial ids drawn inside the statements, read once per import. */
  let sequences: { household: string; worker: string; event: string } | undefined;
  async function loadSequences(): Promise<void> {
    if (sequences) return;
    const res = await client.query<{ household: string; worker: string; event: string }>(
      `SELECT pg_get_serial_sequence('"Household"', 'id') AS household, pg_get_serial_sequence('"Worker"', 'id') AS worker,
              pg_get_serial_sequence('"EmploymentEvent"', 'id') AS event`,
    );
    sequences = res.rows[0];
  }
  /** nextval() of a sequence as a literal: resolved once, not per row. */
  const nextval = (which: 'household' | 'worker' | 'event') =>
    `nextval('${(sequences as Record<string, string>)[which]?.replaceAll("'", "''")}'::regclass)`;

  /** code → region, or null when the ledger is known not to have it. */
  const regions = new Map<string, RegionEntry | null>();
  const sites = new Map<string, number>();

  async function loadRegions(rows: LedgerRow[]): Promise<void> {
    const wanted = new Set<string>();
    for (const r of rows) for (const c of regionChain(r.villageCode)) if (!regions.has(c)) wanted.add(c);
    if (wanted.size === 0) return;
    const codes = [...wanted];
    const res = await client.query<{ id: number; code: string; name: string }>(
      'SELECT id, code, name FROM "Region" WHERE code = ANY($1::text[])',
      [codes],
    );
    for (const c of codes) regions.set(c, null);
    for (const r of res.rows) regions.set(r.code, { id: r.id, name: r.name });
  }

  /**
   * Checks each row's region against the ledger (and regions earlier rows will create), and
   * returns the regions to create. Rows with a region problem get errors and are dropped.
   */
  function checkRegions(rows: LedgerRow[], errors: RowError[]): { ok: LedgerRow[]; create: Map<string, string> } {
    const create = new Map<string, string>();
    const ok: LedgerRow[] = [];
    for (const row of rows) {
      const codes = regionChain(row.villageCode);
      const known = codes.map((c) => {
        const r = regions.get(c);
        if (r) return r.name;
        return create.get(c);
      });
      const names = row.regionNames;
      const rowErrors: RowError[] = [];
      if (known[4] !== undefined) {
        if (known.some((n) => n === undefined)) {
          rowErrors.push({ line: row.line, key: 'villageCode', message: MSG.regionIncomplete });
        }
        names.forEach((n, i) => {
          const k = known[i];
          if (n !== undefined && k !== undefined && n !== k) {
            rowErrors.push({
              line: row.line,
              key: REGION_NAME_KEYS[i] as (typeof REGION_NAME_KEYS)[number],
              message: MSG.regionNameMismatch(k),
            });
          }
        });
      } else if (names.every((n) => n === undefined)) {
        rowErrors.push({ line: row.line, key: 'villageCode', message: MSG.regionMissing });
      } else {
        names.forEach((n, i) => {
          const key = REGION_NAME_KEYS[i] as (typeof REGION_NAME_KEYS)[number];
          const k = known[i];
          if (n === undefined) rowErrors.push({ line: row.line, key, message: MSG.regionNameRequired });
          else if (k !== undefined && n !== k) rowErrors.push({ line: row.line, key, message: MSG.regionNameMismatch(k) });
        });
      }
      if (rowErrors.length > 0) {
        errors.push(...rowErrors);
        continue;
      }
      codes.forEach((c, i) => {
        if (known[i] === undefined) create.set(c, names[i] as string);
      });
      ok.push(row);
    }
    return { ok, create };
  }

  /**
   * Drops the rows that match a household (by code) or a worker (by ID-number hash) lying outside
   * the uploader's scope, with a row error each. Runs inside the batch's transaction and locks the
   * matched rows, so a transfer cannot move them between this check and the write.
   */
  async function checkOwnership(rows: LedgerRow[], errors: RowError[]): Promise<LedgerRow[]> {
    const scope = opts.scopeCode;
    if (scope === undefined || rows.length === 0) return rows;
    const res = await client.query<{ line: number; household: string | null; worker: string | null }>(
      `WITH i AS (SELECT * FROM json_to_recordset($1::json) AS t(line int, hc text, h text))
       SELECT i.line, hv.code AS household, wv.code AS worker
         FROM i
         LEFT JOIN LATERAL (SELECT r.code FROM "Household" h JOIN "Region" r ON r.id = h."villageId"
                             WHERE h.code = i.hc LIMIT 1 FOR UPDATE OF h) hv ON true
         LEFT JOIN LATERAL (SELECT r.code FROM "Worker" w JOIN "Region" r ON r.id = w."villageId"
                             WHERE w."idHash" = i.h LIMIT 1 FOR UPDATE OF w) wv ON true`,
      [JSON.stringify(rows.map((r) => ({ line: r.line, hc: r.household.code, h: r.worker.idHash })))],
    );
    const elsewhere = new Map<number, RowError[]>();
    const outside = (code: string | null) => code !== null && !codeInScope({ regionCode: scope }, code);
    for (const r of res.rows) {
      const rowErrors: RowError[] = [];
      if (outside(r.household)) rowErrors.push({ line: r.line, key: 'householdCode', message: MSG.householdElsewhere });
      if (outside(r.worker)) rowErrors.push({ line: r.line, key: 'idNumber', message: MSG.workerElsewhere });
      if (rowErrors.length > 0) elsewhere.set(r.line, rowErrors);
    }
    if (elsewhere.size === 0) return rows;
    for (const e of elsewhere.values()) errors.push(...e);
    return rows.filter((r) => !elsewhere.has(r.line));
  }

  async function createRegions(create: Map<string, string>): Promise<void> {
    for (let li = 0; li < REGION_LEVELS.length; li++) {
      const { level, length } = REGION_LEVELS[li] as { level: RegionLevel; length: number };
      const codes: string[] = [];
      const names: string[] = [];
      for (const [code, name] of create) {
        if (code.length === length) {
          codes.push(code);
          names.push(name);
        }
      }
      if (codes.length === 0) continue;
      const parentLength = li === 0 ? 0 : (REGION_LEVELS[li - 1] as { length: number }).length;
      await client.query(
        `INSERT INTO "Region" (code, name, level, "parentId")
         SELECT u.code, u.name, $3::"RegionLevel", p.id
           FROM unnest($1::text[], $2::text[]) AS u(code, name)
           LEFT JOIN "Region" p ON $4::int > 0 AND p.code = left(u.code, $4::int)
         ON CONFLICT (code) DO NOTHING`,
        [codes, names, level, parentLength],
      );
      // Read back rather than rely on RETURNING: a concurrent import may have created some.
      const res = await client.query<{ id: number; code: string; name: string }>(
        'SELECT id, code, name FROM "Region" WHERE code = ANY($1::text[])',
        [codes],
      );
      for (const r of res.rows) regions.set(r.code, { id: r.id, name: r.name });
    }
  }

  function regionId(code: string): number {
    const r = regions.get(code);
    if (!r) throw new Error(`region ${code} missing after it was created`);
    return r.id;
  }

  async function resolveSites(rows: LedgerRow[]): Promise<void> {
    const wanted = new Map<string, { name: string; countyId: number }>();
    for (const r of rows) {
      const name = r.household.siteName;
      if (!name) continue;
      const code = siteCode(r.villageCode, name);
      if (!sites.has(code) && !wanted.has(code)) {
        wanted.set(code, { name, countyId: regionId(r.villageCode.slice(0, 6)) });
      }
    }
    if (wanted.size === 0) return;
    const codes = [...wanted.keys()];
    const entries = [...wanted.values()];
    await client.query(
      `INSERT INTO "ResettlementSite" (code, name, "regionId")
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
       ON CONFLICT (code) DO NOTHING`,
      [codes, entries.map((e) => e.name), entries.map((e) => e.countyId)],
    );
    const res = await client.query<{ id: number; code: string }>(
      'SELECT id, code FROM "ResettlementSite" WHERE code = ANY($1::text[])',
      [codes],
    );
    for (const r of res.rows) sites.set(r.code, r.id);
  }

  /**
   * Upserts the batch's households; returns code → id, the ids whose village changed and the new
   * households. A new household is written with the counts of its rows in this batch (labour,
   * employed, the zero-employment flag), so the count refresh that follows need not write it a
   * second time; where the batch does not tell the whole story (a worker already in the ledger
   * moving in, members in later batches) the refresh of that batch corrects it.
   */
  async function writeHouseholds(
    rows: LedgerRow[],
  ): Promise<{ ids: Map<string, number>; moved: number[]; fresh: Map<number, boolean> }> {
    const records = new Map<string, { labor: number; employed: number; [field: string]: unknown }>();
    for (const r of rows) {
      const h = r.household;
      const seen = records.get(h.code);
      if (seen) {
        countMember(seen, r);
        continue;
      }
      const [pr, ci, co, tw, vi] = regionChain(r.villageCode).map(regionId);
      records.set(h.code, {
        labor: 0,
        employed: 0,
        code: h.code,
        head: h.headName,
        category: h.category,
        pr,
        ci,
        co,
        tw,
        vi,
        site: h.siteName ? sites.get(siteCode(r.villageCode, h.siteName)) : undefined,
        address: h.address,
      });
      countMember(records.get(h.code) as { labor: number; employed: number }, r);
    }
    const res = await client.query<{ id: number; code: string; moved: boolean; fresh: boolean }>(
      `WITH i AS (
         SELECT * FROM json_to_recordset($1::json) AS t(code text, head text, category "HouseholdCategory", pr int,
                                                        ci int, co int, tw int, vi int, site int, address text,
                                                        labor int, employed int)
       ), x AS MATERIALIZED (
         SELECT i.*, h.id AS hid, h."villageId" <> i.vi AS moved,
                COALESCE(i.head, h."headName") AS n_head,
                COALESCE(i.site, h."siteId") AS n_site,
                COALESCE(i.address, h.address) AS n_address,
                (h."headName", h.category, h."provinceId", h."cityId", h."countyId", h."townshipId", h."villageId",
                 h."siteId", h.address)
                  IS DISTINCT FROM (COALESCE(i.head, h."headName"), i.category, i.pr, i.ci, i.co, i.tw, i.vi,
                                    COALESCE(i.site, h."siteId"), COALESCE(i.address, h.address)) AS changed
           FROM i
           LEFT JOIN LATERAL (SELECT * FROM "Household" h WHERE h.code = i.code LIMIT 1) h ON true
       ), upd AS (
         UPDATE "Household" h
            SET "headName" = x.n_head, category = x.category, "provinceId" = x.pr, "cityId" = x.ci,
                "countyId" = x.co, "townshipId" = x.tw, "villageId" = x.vi, "siteId" = x.n_site,
                address = x.n_address, "updatedAt" = $2::timestamp(3)
           FROM x
          WHERE h.id = x.hid AND x.changed
       ), fresh AS MATERIALIZED (
         SELECT x.*, ${nextval('household')}::int AS new_id FROM x WHERE x.hid IS NULL
       ), ins AS (
         INSERT INTO "Household" (id, code, "headName", category, "provinceId", "cityId", "countyId", "townshipId",
                                  "villageId", "siteId", address, "laborCount", "employedCount", "zeroEmployment",
                                  "zeroEmploymentSince", "updatedAt")
         SELECT new_id, code, head, category, pr, ci, co, tw, vi, site, address, labor, employed,
                labor > 0 AND employed = 0, CASE WHEN labor > 0 AND employed = 0 THEN $2::timestamp(3) END,
                $2::timestamp(3)
           FROM fresh
       )
       SELECT hid AS id, code, moved, false AS fresh FROM x WHERE hid IS NOT NULL
       UNION ALL
       SELECT new_id, code, false, true FROM fresh`,
      [JSON.stringify([...records.values()]), opts.now],
    );
    const ids = new Map<string, number>();
    const moved: number[] = [];
    // New households, written with the counts of their rows: id → whether they are zero-employment households.
    const fresh = new Map<number, boolean>();
    for (const r of res.rows) {
      ids.set(r.code, r.id);
      if (r.moved) moved.push(r.id);
      const counts = records.get(r.code);
      if (r.fresh && counts) fresh.set(r.id, counts.labor > 0 && counts.employed === 0);
    }
    return { ids, moved, fresh };
  }

  /**
   * Upserts workers. A new worker with a status gets its first event in the same statement, as
   * its current event; rows of workers already in the ledger come back with `existed`, and their
   * status is handled by writeEvents.
   */
  async function writeWorkers(
    rows: LedgerRow[],
    households: Map<string, number>,
  ): Promise<{ ids: Map<string, number>; existing: Set<number>; leftHouseholds: number[]; eventsAppended: number }> {
    // Fields in WORKER_ROW's order; absent values are NULL.
    const records = rows.map((r): CopyValue[] => {
      const w = r.worker;
      const s = r.status;
      const [pr, ci, co, tw, vi] = regionChain(r.villageCode).map(regionId);
      return [
        w.idHash,
        households.get(r.household.code),
        pr,
        ci,
        co,
        tw,
        vi,
        w.name,
        w.idLast4,
        w.gender,
        w.birthYear,
        w.phone,
        w.laborCapacity,
        w.willingToWorkAway,
        w.skills,
        w.isReturnee,
        w.needsVoice,
        w.countyConfirmed,
        s?.status,
        s?.employer,
        s?.place,
        s?.industry,
        s?.monthlyWage,
        s?.insured,
        s?.reason,
        s?.effectiveDate,
      ];
    });
    const batch = await workerRows.load(records, 4);
    const res = await client.query<{
      id: number;
      idHash: string;
      existed: boolean;
      oldHouseholdId: number | null;
      event: boolean;
    }>(
      `WITH i AS (
         SELECT * FROM ${batch.source}
       ), x AS MATERIALIZED (
         SELECT i.*, w.id AS wid, w."householdId" AS old_hh,
                COALESCE(i.phone, w.phone) AS n_phone,
                COALESCE(i.willing, w."willingToWorkAway") AS n_willing,
                COALESCE(i.skills, w.skills) AS n_skills,
                COALESCE(i.returnee, w."isReturnee") AS n_returnee,
                COALESCE(i.voice, w."needsVoice") AS n_voice,
                COALESCE(i.confirmed, w."countyConfirmed") AS n_confirmed,
                (w."householdId", w."provinceId", w."cityId", w."countyId", w."townshipId", w."villageId", w.name,
                 w."idLast4", w.gender, w."birthYear", w.phone, w."laborCapacity", w."willingToWorkAway", w.skills,
                 w."isReturnee", w."needsVoice", w."countyConfirmed")
                  IS DISTINCT FROM (i.hh, i.pr, i.ci, i.co, i.tw, i.vi, i.name, i.last4, i.gender, i.birth,
                 COALESCE(i.phone, w.phone), i.labor, COALESCE(i.willing, w."willingToWorkAway"),
                 COALESCE(i.skills, w.skills), COALESCE(i.returnee, w."isReturnee"), COALESCE(i.voice, w."needsVoice"),
                 COALESCE(i.confirmed, w."countyConfirmed")) AS changed
           FROM i
           LEFT JOIN LATERAL (SELECT * FROM "Worker" w WHERE w."idHash" = i.h LIMIT 1) w ON true
       ), upd AS (
         UPDATE "Worker" w
            SET "householdId" = x.hh, "provinceId" = x.pr, "cityId" = x.ci, "countyId" = x.co, "townshipId" = x.tw,
                "villageId" = x.vi, name = x.name, "idLast4" = x.last4, gender = x.gender, "birthYear" = x.birth,
                phone = x.n_phone, "laborCapacity" = x.labor, "willingToWorkAway" = x.n_willing, skills = x.n_skills,
                "isReturnee" = x.n_returnee, "needsVoice" = x.n_voice, "countyConfirmed" = x.n_confirmed,
                "updatedAt" = $1::timestamp(3)
           FROM x
          WHERE w.id = x.wid AND x.changed
       ), fresh AS MATERIALIZED (
         SELECT x.*, ${nextval('worker')}::int AS new_id,
                CASE WHEN x.status IS NOT NULL THEN ${nextval('event')} END AS eid
           FROM x WHERE x.wid IS NULL
       ), ins AS (
         INSERT INTO "Worker" (id, "idHash", "householdId", "provinceId", "cityId", "countyId", "townshipId",
                               "villageId", name, "idLast4", gender, "birthYear", phone, "laborCapacity",
                               "willingToWorkAway", skills, "isReturnee", "needsVoice", "countyConfirmed",
                               "currentEventId", "currentStatus", "statusConfirmedAt", "updatedAt")
         SELECT new_id, h, hh, pr, ci, co, tw, vi, name, last4, gender, birth, phone, labor, willing,
                COALESCE(skills, '{}'), COALESCE(returnee, false), COALESCE(voice, false), COALESCE(confirmed, false),
                eid, COALESCE(status, 'UNKNOWN'), CASE WHEN eid IS NOT NULL THEN ${confirmedAtSql('eff', '$1', '$2')} END,
                $1::timestamp(3)
           FROM fresh
       ), ev AS (
         INSERT INTO "EmploymentEvent" (id, "workerId", status, employer, place, industry, "monthlyWage", insured, reason,
                                        "effectiveDate", "reportedAt", source, channel, "importId", "reportedById")
         SELECT eid, new_id, status, employer, place, industry, wage, insured, reason, eff, $1::timestamp(3),
                'IMPORT', 'IMPORT', $3::int, $4::int
           FROM fresh WHERE eid IS NOT NULL
       )
       SELECT wid AS id, h AS "idHash", true AS existed, CASE WHEN old_hh <> hh THEN old_hh END AS "oldHouseholdId",
              false AS event
         FROM x WHERE wid IS NOT NULL
       UNION ALL
       SELECT new_id, h, false, NULL, eid IS NOT NULL FROM fresh`,
      [opts.now, opts.today, opts.importId, opts.staffUserId ?? null, ...batch.params],
    );
    const ids = new Map<string, number>();
    const existing = new Set<number>();
    const leftHouseholds: number[] = [];
    let eventsAppended = 0;
    for (const r of res.rows) {
      ids.set(r.idHash, r.id);
      if (r.existed) existing.add(r.id);
      if (r.oldHouseholdId !== null) leftHouseholds.push(r.oldHouseholdId);
      if (r.event) eventsAppended++;
    }
    return { ids, existing, leftHouseholds, eventsAppended };
  }

  /** Workers of households that moved village keep the region chain of their household. */
  async function followMovedHouseholds(moved: number[]): Promise<void> {
    if (moved.length === 0) return;
    await client.query(
      `UPDATE "Worker" w
          SET "provinceId" = h."provinceId", "cityId" = h."cityId", "countyId" = h."countyId",
              "townshipId" = h."townshipId", "villageId" = h."villageId", "updatedAt" = $2::timestamp(3)
         FROM "Household" h
        WHERE h.id = ANY($1::int[]) AND w."householdId" = h.id AND w."villageId" <> h."villageId"`,
      [moved, opts.now],
    );
  }

  /**
   * Upserts family contacts on (workerId, phone). A changed name or relation on a known number
   * clears its staff verification: a verified contact must be re-checked before it confirms again.
   */
  async function writeContacts(rows: LedgerRow[], workers: Map<string, number>): Promise<void> {
    const records: object[] = [];
    for (const r of rows) {
      if (!r.contact) continue;
      records.push({ w: workers.get(r.worker.idHash), n: r.contact.name, r: r.contact.relation, p: r.contact.phone });
    }
    if (records.length === 0) return;
    await client.query(
      `INSERT INTO "FamilyContact" ("workerId", name, relation, phone, "updatedAt")
       SELECT w, n, r, p, $2::timestamp(3)
         FROM json_to_recordset($1::json) AS t(w int, n text, r "FamilyRelation", p text)
       ON CONFLICT ("workerId", phone) DO UPDATE
          SET name = EXCLUDED.name, relation = EXCLUDED.relation, verified = false, "verifiedAt" = NULL,
              "verifiedById" = NULL, "updatedAt" = EXCLUDED."updatedAt"
        WHERE ("FamilyContact".name, "FamilyContact".relation) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.relation)`,
      [JSON.stringify(records), opts.now],
    );
  }

  /**
   * For workers already in the ledger: appends an import event where the row's status or details
   * differ from the current event and no event with the same date and content exists, and makes
   * it current when it supersedes the current one (latest effective date, then latest report,
   * then highest id). When the row repeats the current event, only statusConfirmedAt moves
   * forward to the row's status date.
   */
  async function writeEvents(rows: LedgerRow[], workers: Map<string, number>, existing: Set<number>): Promise<number> {
    const records: object[] = [];
    for (const r of rows) {
      const s = r.status;
      const id = workers.get(r.worker.idHash) as number;
      if (!s || !existing.has(id)) continue;
      records.push({
        wid: id,
        status: s.status,
        employer: s.employer,
        place: s.place,
        industry: s.industry,
        wage: s.monthlyWage,
        insured: s.insured,
        reason: s.reason,
        eff: s.effectiveDate,
      });
    }
    if (records.length === 0) return 0;
    const res = await client.query<{ inserted: number }>(
      `WITH i AS (
         SELECT * FROM json_to_recordset($1::json) AS t(wid int, status "EmploymentStatus", employer text, place text,
                                                        industry text, wage int, insured bool, reason text, eff date)
       ), x AS MATERIALIZED (
         SELECT i.*, w."currentEventId" AS cur_id, w."statusConfirmedAt" AS confirmed,
                c."effectiveDate" AS cur_eff, c."reportedAt" AS cur_reported,
                ${confirmedAtSql('i.eff', '$2', '$3')} AS confirm_at,
                (c.status, c.employer, c.place, c.industry, c."monthlyWage", c.insured, c.reason)
                  IS NOT DISTINCT FROM (i.status, i.employer, i.place, i.industry, i.wage, i.insured, i.reason) AS same
           FROM i
           JOIN LATERAL (SELECT "currentEventId", "statusConfirmedAt" FROM "Worker" WHERE id = i.wid LIMIT 1) w ON true
           LEFT JOIN LATERAL (SELECT * FROM "EmploymentEvent" e WHERE e.id = w."currentEventId" LIMIT 1) c ON true
       ), todo AS MATERIALIZED (
         SELECT x.*, ${nextval('event')} AS eid
           FROM x
          WHERE NOT x.same
            AND NOT EXISTS (
                  SELECT 1 FROM "EmploymentEvent" e
                   WHERE e."workerId" = x.wid AND e."effectiveDate" = x.eff
                     AND (e.status, e.employer, e.place, e.industry, e."monthlyWage", e.insured, e.reason)
                         IS NOT DISTINCT FROM (x.status, x.employer, x.place, x.industry, x.wage, x.insured, x.reason)
                  OFFSET 0) -- OFFSET 0 keeps this a per-row index probe instead of an anti-join over all events
       ), ins AS (
         INSERT INTO "EmploymentEvent" (id, "workerId", status, employer, place, industry, "monthlyWage", insured, reason,
                                        "effectiveDate", "reportedAt", source, channel, "importId", "reportedById")
         SELECT eid, wid, status, employer, place, industry, wage, insured, reason, eff, $2::timestamp(3), 'IMPORT',
                'IMPORT', $4::int, $5::int
           FROM todo
       ), became_current AS (
         UPDATE "Worker" w
            SET "currentEventId" = t.eid, "currentStatus" = t.status,
                "statusConfirmedAt" = GREATEST(w."statusConfirmedAt", t.confirm_at), "updatedAt" = $2::timestamp(3)
           FROM todo t
          WHERE w.id = t.wid
            AND (t.cur_id IS NULL OR (t.eff, $2::timestamp(3), t.eid) > (t.cur_eff, t.cur_reported, t.cur_id))
       ), reconfirmed AS (
         UPDATE "Worker" w
            SET "statusConfirmedAt" = x.confirm_at, "updatedAt" = $2::timestamp(3)
           FROM x
          WHERE w.id = x.wid AND x.same AND (x.confirmed IS NULL OR x.confirmed < x.confirm_at)
       )
       SELECT count(*)::int AS inserted FROM todo`,
      [JSON.stringify(records), opts.now, opts.today, opts.importId, opts.staffUserId ?? null],
    );
    return res.rows[0]?.inserted ?? 0;
  }

  return {
    async open(): Promise<void> {
      for (const sql of IMPORT_SESSION_SETTINGS) await client.query(sql);
      await workerRows.prepare();
    },
    async close(): Promise<void> {
      await workerRows.dispose();
      for (const sql of RESET_SESSION_SETTINGS) await client.query(sql);
    },
    async write(batch: LedgerRow[]): Promise<BatchResult> {
      const errors: RowError[] = [];
      const own = !opts.outerTransaction;
      if (own) await client.query('BEGIN');
      try {
        await loadSequences();
        await loadRegions(batch);
        const { ok, create } = checkRegions(batch, errors);
        const rows = await checkOwnership(ok, errors);
        if (rows.length === 0) {
          if (own) await client.query('COMMIT');
          return { written: 0, errors, eventsAppended: 0 };
        }
        await createRegions(create);
        await resolveSites(rows);
        const households = await writeHouseholds(rows);
        await followMovedHouseholds(households.moved);
        const workers = await writeWorkers(rows, households.ids);
        await writeContacts(rows, workers.ids);
        const eventsAppended = workers.eventsAppended + (await writeEvents(rows, workers.ids, workers.existing));
        // A new household whose members are all new to the ledger was written with its final
        // counts: the refresh would find nothing to change in it, and only its zero-employment
        // spell (if any) is still to open. The others are recounted from the ledger.
        const touched = new Set<number>(workers.leftHouseholds);
        for (const r of rows) {
          const household = households.ids.get(r.household.code) as number;
          const joined = workers.existing.has(workers.ids.get(r.worker.idHash) as number);
          if (joined || !households.fresh.has(household)) touched.add(household);
        }
        const now = new Date(opts.now);
        await refreshHouseholdCounts(client, [...touched], now);
        const zero = [...households.fresh].filter(([id, isZero]) => isZero && !touched.has(id)).map(([id]) => id);
        await openZeroEmploymentSpells(client, zero, now);
        if (own) await client.query('COMMIT');
        else await workerRows.clear();
        return { written: rows.length, errors, eventsAppended };
      } catch (err) {
        if (own) await client.query('ROLLBACK').catch(() => {});
        // Ids cached during the rolled-back transaction may not exist.
        regions.clear();
        sites.clear();
        throw err;
      }
    },
  };
}
