/**
 * Public-welfare posts (§12): at most 6 months, up to 12 with an approved extension, one person
 * one post even under concurrent assignments, an employment event, and the monthly roster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { DomainError } from '../../src/errors.js';
import { assignPost, endPost, extendPost, postRoster } from '../../src/programs/posts.js';
import { createTestDb } from '../helpers/db.js';
import { seedWorker } from '../helpers/ledger.js';

let db: Db;
let staffId: number;

beforeAll(async () => {
  db = await createTestDb('postgres');
  const { county } = await seedWorker(db);
  staffId = (
    await db.prisma.staffUser.create({ data: { username: 'county', name: '县人社局', role: 'OPERATOR', regionId: county.id } })
  ).id;
});
afterAll(async () => {
  await db?.close();
});

const refused = async (p: Promise<unknown>, code: string) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
  return err as DomainError;
};

describe('public-welfare posts', () => {
  it('6 months at most without an extension, up to 12 with one, never more', async () => {
    const { worker } = await seedWorker(db);
    const base = { workerId: worker.id, postName: '保洁员', unit: '田庄村委会', monthlySubsidy: 600, staffUserId: staffId };
    const e1 = await refused(assignPost(db.pool, { ...base, startDate: '2026-01-15', endDate: '2026-07-15' }), 'beyond_6_months');
    expect(e1.message).toContain('2026-07-14');
    await refused(
      assignPost(db.pool, { ...base, startDate: '2026-01-15', endDate: '2027-01-15', extensionApprovedById: staffId }),
      'beyond_12_months',
    );
    await refused(assignPost(db.pool, { ...base, startDate: '2026-03-01', endDate: '2026-02-01' }), 'invalid_dates');
    expect(await db.prisma.publicWelfarePost.count({ where: { workerId: worker.id } })).toBe(0);

    const post = await assignPost(db.pool, {
      ...base,
      startDate: '2026-01-15',
      endDate: '2027-01-14',
      extensionApprovedById: staffId,
    });
    expect(post).toMatchObject({ startDate: '2026-01-15', endDate: '2027-01-14', extensionApprovedById: staffId });
    expect(post.extensionApprovedAt).not.toBeNull();

    const { worker: other } = await seedWorker(db);
    const six = await assignPost(db.pool, { ...base, workerId: other.id, startDate: '2026-01-15', endDate: '2026-07-14' });
    expect(six.extensionApprovedById).toBeNull();
  });

  it('assigning records a PUBLIC_WELFARE_POST event; extending needs an approver and stays within 12 months; ending', async () => {
    const { worker, household } = await seedWorker(db);
    const post = await assignPost(db.pool, {
      workerId: worker.id,
      postName: '护林员',
      unit: '名州镇林业站',
      startDate: '2026-02-01',
      endDate: '2026-07-31',
      monthlySubsidy: 800,
      staffUserId: staffId,
    });
    const w = await db.prisma.worker.findUniqueOrThrow({ where: { id: worker.id }, include: { currentEvent: true } });
    expect(w.currentStatus).toBe('PUBLIC_WELFARE_POST');
    expect(w.currentEvent).toMatchObject({ employer: '名州镇林业站', monthlyWage: 800, source: 'STAFF', reportedById: staffId });
    expect((await db.prisma.household.findUniqueOrThrow({ where: { id: household.id } })).employedCount).toBe(1);

    await refused(extendPost(db.pool, { postId: post.id, endDate: '2027-02-01', approvedById: staffId }), 'beyond_12_months');
    const extended = await extendPost(db.pool, { postId: post.id, endDate: '2027-01-31', approvedById: staffId });
    expect(extended).toMatchObject({ endDate: '2027-01-31', extensionApprovedById: staffId });

    const ended = await endPost(db.pool, { postId: post.id, lastDay: '2026-10-15', staffUserId: staffId });
    expect(ended.endDate).toBe('2026-10-15');
    expect(ended.endedAt).not.toBeNull();
    const after = await db.prisma.worker.findUniqueOrThrow({ where: { id: worker.id }, include: { currentEvent: true } });
    expect(after.currentStatus).toBe('UNEMPLOYED');
    expect(after.currentEvent?.effectiveDate.toISOString().slice(0, 10)).toBe('2026-10-16');
    await refused(endPost(db.pool, { postId: post.id }), 'ended');
    await refused(extendPost(db.pool, { postId: post.id, endDate: '2026-12-31', approvedById: staffId }), 'ended');
  });

  it('one person, one post: an overlapping post is refused, and of two concurrent assignments one succeeds', async () => {
    const { worker } = await seedWorker(db);
    const base = { workerId: worker.id, postName: '保洁员', startDate: '2026-03-01', endDate: '2026-05-31' };
    const results = await Promise.allSettled([
      assignPost(db.pool, base),
      assignPost(db.pool, { ...base, postName: '护路员', startDate: '2026-04-01', endDate: '2026-06-30' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as DomainError).code).toBe('overlap');
    expect(await db.prisma.publicWelfarePost.count({ where: { workerId: worker.id } })).toBe(1);
    // A post after the first one ends is fine.
    await assignPost(db.pool, { ...base, startDate: '2026-07-01', endDate: '2026-08-31' });
    expect(await db.prisma.publicWelfarePost.count({ where: { workerId: worker.id } })).toBe(2);
  });

  it('the monthly roster: who held a post, the days and the subsidy for them, in a region', async () => {
    const { worker: a, village, county } = await seedWorker(db, { name: '甲' });
    const { worker: b } = await seedWorker(db, { name: '乙' });
    await assignPost(db.pool, {
      workerId: a.id,
      postName: '保洁员',
      startDate: '2025-04-01',
      endDate: '2025-09-30',
      monthlySubsidy: 600,
    });
    await assignPost(db.pool, {
      workerId: b.id,
      postName: '护林员',
      startDate: '2025-04-16',
      endDate: '2025-10-15',
      monthlySubsidy: 900,
    });
    const roster = await postRoster(db.pool, { regionId: village.id, month: '2025-04' });
    const mine = roster.filter((r) => r.workerId === a.id || r.workerId === b.id).sort((x, y) => x.workerId - y.workerId);
    expect(mine.map((r) => [r.name, r.days, r.daysInMonth, r.subsidy])).toEqual([
      ['甲', 30, 30, 600],
      ['乙', 15, 30, 450],
    ]);
    const march = await postRoster(db.pool, { regionId: county.id, month: '2025-03' });
    expect(march.filter((r) => r.workerId === a.id || r.workerId === b.id)).toEqual([]);
    const october = await postRoster(db.pool, { regionId: county.id, month: '2025-10' });
    expect(october.filter((r) => r.workerId === a.id || r.workerId === b.id).map((r) => [r.name, r.days])).toEqual([['乙', 15]]);
    // Another region sees none of them.
    const elsewhere = await db.prisma.region.create({ data: { code: '610827000000', name: '米脂县', level: 'COUNTY' } });
    expect(await postRoster(db.pool, { regionId: elsewhere.id, month: '2025-04' })).toEqual([]);
  });
});
