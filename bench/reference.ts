/**
 * Reference figures of the machine itself, without the service: what the throughput targets were
 * set against. `npm run bench:machine` prints them all; bench:campaign measures raw BullMQ first
 * as the reference of its ratio.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Raw BullMQ: `jobs` no-op jobs added with addBulk, then drained by one worker at concurrency 50 (jobs/s). */
export async function rawBullmq(redisUrl: string, jobs = 200_000): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench-raw-${process.pid}`;
  const queue = new Queue('raw', { connection, prefix, defaultJobOptions: { removeOnComplete: true } });
  for (let i = 0; i < jobs; i += 10_000) {
    await queue.addBulk(Array.from({ length: Math.min(10_000, jobs - i) }, (_, j) => ({ name: 'noop', data: { n: i + j } })));
  }
  let done = 0;
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    const worker = new Worker('raw', async () => {}, { connection: workerConnection, prefix, concurrency: 50 });
    worker.on('completed', () => {
      if (++done === jobs) void worker.close().then(() => resolve());
    });
  });
  const rate = jobs / ((Date.now() - t0) / 1000);
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return Math.round(rate);
}

/** An empty table without indexes for the INSERT and COPY figures (temporary: the connection's own). */
const EMPTY_TABLE = `CREATE TEMP TABLE IF NOT EXISTS bench_reference (id int, name text, n int, at timestamptz); TRUNCATE bench_reference`;

/** Rows/s of multi-row INSERTs of 1,000 rows (four columns, parameters) into a table without indexes. */
export async function multiRowInsert(client: pg.ClientBase, rows = 200_000): Promise<number> {
  await client.query(EMPTY_TABLE);
  const batch = 1000;
  const placeholders = Array.from(
    { length: batch },
    (_, j) => `($${4 * j + 1}, $${4 * j + 2}, $${4 * j + 3}, $${4 * j + 4})`,
  ).join(', ');
  const t0 = Date.now();
  for (let i = 0; i < rows; i += batch) {
    const values: unknown[] = [];
    for (let j = i; j < i + batch; j++) values.push(j, `name ${j}`, j % 100, new Date());
    await client.query(`INSERT INTO bench_reference VALUES ${placeholders}`, values);
  }
  return Math.round(rows / ((Date.now() - t0) / 1000));
}

/** Rows/s of COPY FROM STDIN (text format) into the same table. */
export async function copyRows(client: pg.ClientBase, rows = 1_000_000): Promise<number> {
  await client.query(EMPTY_TABLE);
  async function* lines() {
    for (let i = 0; i < rows; i += 10_000) {
      let chunk = '';
      for (let j = i; j < Math.min(rows, i + 10_000); j++) chunk += `${j}\tname ${j}\t${j % 100}\t2026-11-30 00:00:00+00\n`;
      yield chunk;
    }
  }
  const t0 = Date.now();
  await pipeline(Readable.from(lines()), client.query(copyFrom('COPY bench_reference FROM STDIN')));
  return Math.round(rows / ((Date.now() - t0) / 1000));
}

/**
 * Round trips/s of `SELECT 1` one after another on one connection: the price of a statement
 * before it does anything, which a conversation turn pays for each of its statements.
 */
export async function roundTrips(client: pg.ClientBase, count = 20_000): Promise<number> {
  const t0 = Date.now();
  for (let i = 0; i < count; i++) await client.query('SELECT 1');
  return Math.round(count / ((Date.now() - t0) / 1000));
}
