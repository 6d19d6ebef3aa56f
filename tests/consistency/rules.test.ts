/**
 * The consistency rules on a constructed ledger (real PostgreSQL, and embedded PGlite that the
 * service runs on by default): exactly one finding per broken record and none for the clean
 * ones; a re-run resolves what was fixed and keeps one task per village; a run over one county
 * leaves the other's findings alone; the share of consistent records per region.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSISTENCY_TASK_KIND, consistentShare, runConsistencyCheck } from '../../src/consistency/index.js';
import type { Db } from '../../src/db/database.js';
import { appendEmploymentEvent, refreshCurrentStatus } from '../../src/ledger/employment.js';
import { refreshHouseholdCounts } from '../../src/ledger/household-counts.js';
import { createTestDb, DB_KINDS } from '../helpers/db.js';
import {
  buildLedger,
  COUNTY_A,
  COUNTY_B,
  type ConstructedLedger,
  PROVINCE,
  VILLAGE_A1,
  VILLAGE_A2,
  VILLAGE_B1,
} from './ledger.js';

const TITLE = '台账一致性检查发现矛盾记录，请核实更正';

describe.each(DB_KINDS)('consistency rules on %s', (kind) => {
  let db: Db;
  let L: ConstructedLedger;
  const run = (code: string, now: Date) =>
    runConsistencyCheck(db, { regionId: L.regions[code]!, trigger: 'nightly', taskTitle: TITLE, now });
  const open = async () =>
    (
      await db.pool.query<{ rule: string; entity: string; entityId: number; village: number }>(
        `SELECT rule, entity, "entityId", "villageId" AS village FROM "ConsistencyFinding" WHERE "resolvedAt" IS NULL
          ORDER BY rule, "entityId"`,
      )
    ).rows;
  const tasks = async () =>
    (
      await db.pool.query<{ id: number; regionId: number; status: string; details: { findings: number } }>(
        `SELECT id, "regionId", status, details FROM "StaffTask" WHERE kind = $1 ORDER BY "regionId", id`,
        [CONSISTENCY_TASK_KIND],
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDb(kind);
    L = await buildLedger(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('finds exactly the records that break a rule, each with the rule it breaks', async () => {
    const s = await run(COUNTY_A, new Date('2026-11-28T18:00:00Z'));
    const b = L.broken;
    const A1 = L.chains[VILLAGE_A1]!.villageId;
    const A2 = L.chains[VILLAGE_A2]!.villageId;
    expect(await open()).toEqual([
      { rule: 'employed_without_employer', entity: 'Worker', entityId: b.employed_without_employer, village: A1 },
      { rule: 'family_contact_is_worker', entity: 'FamilyContact', entityId: b.family_contact_is_worker, village: A2 },
      { rule: 'household_counts', entity: 'Household', entityId: b.household_counts, village: A2 },
      { rule: 'returnee_working_away', entity: 'Worker', entityId: b.returnee_working_away, village: A2 },
      { rule: 'status_older_than_answer', entity: 'Worker', entityId: b.status_older_than_answer, village: A2 },
      { rule: 'unwilling_without_evidence', entity: 'Worker', entityId: b.unwilling_without_evidence, village: A1 },
    ]);
    expect(s).toMatchObject({ checked: 23, found: 6, opened: 6, resolved: 0, tasksOpened: 2 });
    expect(s.byRule).toEqual({
      employed_without_employer: 1,
      unwilling_without_evidence: 1,
      household_counts: 1,
      returnee_working_away: 1,
      status_older_than_answer: 1,
      family_contact_is_worker: 1,
    });
    // What each finding says is wrong.
    const details = Object.fromEntries(
      (
        await db.pool.query<{ rule: string; details: Record<string, unknown> }>(`SELECT rule, details FROM "ConsistencyFinding"`)
      ).rows.map((r) => [r.rule, r.details]),
    );
    expect(details.employed_without_employer).toMatchObject({ status: 'EMPLOYED_OUT_OF_PROVINCE', employer: true, place: false });
    expect(details.unwilling_without_evidence).toMatchObject({
      confirmation: false,
      reason: true,
      serviceContacts: 0,
      needed: 3,
    });
    expect(details.household_counts).toMatchObject({ laborCount: 3, workersLabor: 1, employedCount: 0, workersEmployed: 0 });
    expect(details.status_older_than_answer).toMatchObject({ status: 'UNEMPLOYED', notCurrentEvent: true });
    expect(details.family_contact_is_worker).toMatchObject({ relation: 'SIBLING', otherWorkerIds: [L.clean.workers[0]] });
    // No phone numbers in what staff and exports see of a finding.
    expect(JSON.stringify(details)).not.toMatch(/\+86/);

    // One task per village with findings, in that village.
    expect((await tasks()).map((t) => [t.regionId, t.status, t.details.findings])).toEqual([
      [A1, 'OPEN', 2],
      [A2, 'OPEN', 4],
    ]);
    expect(await consistentShare(db, L.regions[COUNTY_A]!)).toMatchObject({ checked: 23, consistent: 17, share: 17 / 23 });
    expect(await consistentShare(db, L.chains[VILLAGE_A1]!.villageId)).toMatchObject({ checked: 15, consistent: 13 });
    // County B was not checked yet.
    expect(await consistentShare(db, L.regions[COUNTY_B]!)).toEqual({
      regionId: L.regions[COUNTY_B],
      checked: 0,
      consistent: 0,
      share: null,
      checkedAt: null,
    });
  });

  it('a run again finds the same, duplicates neither findings nor tasks', async () => {
    const before = await open();
    const s = await run(COUNTY_A, new Date('2026-11-29T18:00:00Z'));
    expect(s).toMatchObject({ found: 6, opened: 0, resolved: 0, tasksOpened: 0 });
    expect(await open()).toEqual(before);
    expect(await tasks()).toHaveLength(2);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM "ConsistencyFinding"`)).rows[0].n).toBe(6);
  });

  it('a run over the other county leaves the first one alone; the province sums both', async () => {
    const s = await run(COUNTY_B, new Date('2026-11-29T19:00:00Z'));
    expect(s).toMatchObject({ checked: 2, found: 1, opened: 1, resolved: 0, tasksOpened: 1 });
    expect((await open()).filter((f) => f.village === L.chains[VILLAGE_B1]!.villageId)).toEqual([
      {
        rule: 'employed_without_employer',
        entity: 'Worker',
        entityId: L.broken.otherCounty,
        village: L.chains[VILLAGE_B1]!.villageId,
      },
    ]);
    expect(await open()).toHaveLength(7);
    expect(await consistentShare(db, L.regions[PROVINCE]!)).toMatchObject({ checked: 25, consistent: 18 });
    expect(await consistentShare(db, L.regions[COUNTY_A]!)).toMatchObject({ checked: 23, consistent: 17 });
  });

  it('fixing records resolves their findings at the next run; a village left without any has its task closed', async () => {
    const b = L.broken;
    const h = L.households;
    const now = new Date('2026-11-30T02:00:00Z');
    // Village A2: every record fixed through the ledger's own paths.
    await refreshHouseholdCounts(db.pool, [b.household_counts], now);
    await appendEmploymentEvent(
      db.pool,
      { workerId: b.returnee_working_away, status: 'RETURNED_HOME', effectiveDate: '2026-11-29' },
      { source: 'WORKER', channel: 'SMS' },
      now,
    );
    await refreshCurrentStatus(db.pool, b.status_older_than_answer, now);
    await db.prisma.familyContact.update({ where: { id: b.family_contact_is_worker }, data: { removedAt: now } });
    // Village A1: one of two fixed.
    await appendEmploymentEvent(
      db.pool,
      {
        workerId: b.employed_without_employer,
        status: 'EMPLOYED_OUT_OF_PROVINCE',
        effectiveDate: '2026-11-01',
        employer: '东莞电子有限公司',
        place: '广东省东莞市',
      },
      { source: 'STAFF', channel: 'CONSOLE' },
      now,
    );
    expect(h.noPlace).toBeGreaterThan(0);

    const s = await run(COUNTY_A, new Date('2026-11-30T18:00:00Z'));
    expect(s).toMatchObject({ found: 1, opened: 0, resolved: 5, tasksOpened: 0, tasksClosed: 1 });
    const A1 = L.chains[VILLAGE_A1]!.villageId;
    const A2 = L.chains[VILLAGE_A2]!.villageId;
    expect((await open()).filter((f) => f.village !== L.chains[VILLAGE_B1]!.villageId)).toEqual([
      { rule: 'unwilling_without_evidence', entity: 'Worker', entityId: b.unwilling_without_evidence, village: A1 },
    ]);
    const resolved = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "ConsistencyFinding" WHERE "resolvedRunId" = $1 AND "resolvedAt" IS NOT NULL`,
      [s.runId],
    );
    expect(resolved.rows[0]!.n).toBe(5);
    const t = await tasks();
    expect(t.find((x) => x.regionId === A1)).toMatchObject({ status: 'OPEN', details: { findings: 1 } });
    expect(t.find((x) => x.regionId === A2)).toMatchObject({
      status: 'DONE',
      details: { findings: 0, closedBecause: 'consistent' },
    });
    expect(await consistentShare(db, L.regions[COUNTY_A]!)).toMatchObject({ checked: 23, consistent: 22 });

    // The same record breaking the rule again later is a new finding (the old one stays resolved), and A2 gets a new task.
    await db.pool.query(`UPDATE "Household" SET "employedCount" = 2 WHERE id = $1`, [b.household_counts]);
    const again = await run(COUNTY_A, new Date('2026-12-01T18:00:00Z'));
    expect(again).toMatchObject({ found: 2, opened: 1, tasksOpened: 1 });
    const hc = await db.pool.query(`SELECT "resolvedAt" FROM "ConsistencyFinding" WHERE rule = 'household_counts' ORDER BY id`);
    expect(hc.rows.map((r) => r.resolvedAt === null)).toEqual([false, true]);
    expect((await tasks()).filter((x) => x.regionId === A2).map((x) => x.status)).toEqual(['DONE', 'OPEN']);
  });

  it('a village and a township run see only their own subtree', async () => {
    const s = await run(VILLAGE_A1, new Date('2026-12-02T18:00:00Z'));
    expect(s).toMatchObject({ checked: 15, found: 1, resolved: 0 });
    expect((await open()).length).toBe(3);
  });
});
