/**
 * Preloaded into a service process by a benchmark (`node --import bench/count-queries.mjs`):
 * counts every statement sent to PostgreSQL through `pg` (the service's pool and Prisma's
 * adapter alike), by statement, and writes the counts to QUERY_COUNT_FILE as JSON every 500 ms
 * (`{ total, byStatement: { "<first 160 characters>": n } }`). A benchmark reads the file before
 * and after its measured run to get SQL round trips per unit of work.
 */
import { renameSync, writeFileSync } from 'node:fs';
import pg from 'pg';

const file = process.env.QUERY_COUNT_FILE;
if (file) {
  const counts = new Map();
  let total = 0;
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    const text = typeof config === 'string' ? config : config?.text;
    if (typeof text === 'string') {
      total++;
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 160);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return original.call(this, config, ...rest);
  };
  const dump = () => {
    // Written aside and renamed, so a reader never sees a half-written file.
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify({ total, byStatement: Object.fromEntries(counts) }));
      renameSync(`${file}.tmp`, file);
    } catch {}
  };
  setInterval(dump, 500).unref();
  process.once('exit', dump);
}
