import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { appendEmploymentEvent, type Provenance } from '../../src/ledger/employment.js';
import { createTestDb, DB_KINDS } from '../helpers/db.js';
import { seedWorker } from '../helpers/ledger.js';

const BY_SMS: Provenance = { source: 'WORKER', channel: 'SMS' };

describe.each(DB_KINDS)('employment events on %s', (kind) => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb(kind);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  const state = async (workerId: number, householdId: number) =>
    (
      await db.pool.query(
        `SELECT w."currentEventId"::text AS current, w."currentStatus" AS status, w."isReturnee" AS returnee,
                to_char(w."statusConfirmedAt", 'YYYY-MM-DD HH24:MI') AS confirmed,
                h."employedCount" AS employed, h."zeroEmployment" AS zero
           FROM "Worker" w JOIN "Household" h ON h.id = w."householdId" WHERE w.id = $1 AND h.id = $2`,
        [workerId, householdId],
      )
    ).rows[0];

  it('makes the latest event by effective date current, keeps an older one in history, and recounts the household', async () => {
    const { worker, household } = await seedWorker(db);
    const first = await appendEmploymentEvent(
      db.pool,
      { workerId: worker.id, status: 'UNEMPLOYED', effectiveDate: '2025-11-10' },
      BY_SMS,
      new Date('2025-11-10T02:00:00Z'),
    );
    expect(await state(worker.id, household.id)).toMatchObject({
      current: String(first),
      status: 'UNEMPLOYED',
      returnee: false,
      confirmed: '2025-11-10 02:00',
      employed: 0,
      zero: true,
    });

    // A report about an earlier day is recorded but does not replace the current status.
    const older = await appendEmploymentEvent(
      db.pool,
      { workerId: worker.id, status: 'EMPLOYED_LOCAL', effectiveDate: '2025-10-01', employer: '茶厂' },
      BY_SMS,
      new Date('2025-11-11T02:00:00Z'),
    );
    expect(older).toBeGreaterThan(first);
    expect(await state(worker.id, household.id)).toMatchObject({ current: String(first), status: 'UNEMPLOYED', zero: true });

    // A later one does, and the household is employed again.
    const later = await appendEmploymentEvent(
      db.pool,
      { workerId: worker.id, status: 'EMPLOYED_LOCAL', effectiveDate: '2025-11-20', employer: '茶厂' },
      BY_SMS,
      new Date('2025-11-20T02:00:00Z'),
    );
    expect(await state(worker.id, household.id)).toMatchObject({
      current: String(later),
      status: 'EMPLOYED_LOCAL',
      confirmed: '2025-11-20 02:00',
      employed: 1,
      zero: false,
    });

    // Coming home marks a returnee; the same day reported later wins over the earlier report.
    const home = await appendEmploymentEvent(
      db.pool,
      { workerId: worker.id, status: 'RETURNED_HOME', effectiveDate: '2025-11-20' },
      BY_SMS,
      new Date('2025-11-21T02:00:00Z'),
    );
    expect(await state(worker.id, household.id)).toMatchObject({
      current: String(home),
      status: 'RETURNED_HOME',
      returnee: true,
      employed: 0,
    });
    const events = await db.pool.query(`SELECT count(*)::int AS n FROM "EmploymentEvent" WHERE "workerId" = $1`, [worker.id]);
    expect(events.rows[0].n).toBe(4);
  });
});
