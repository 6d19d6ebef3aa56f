/**
 * Writes a new migration: the SQL that takes the schema as of the last migration
 * (prisma/migrations/schema.snapshot.prisma) to prisma/schema.prisma.
 *
 * Usage: npm run db:migration -- NAME
 *
 * The snapshot stands in for `prisma migrate dev`'s shadow database, which the WebAssembly engine
 * cannot introspect through the pg adapter. tests/db/migrations.test.ts proves that the committed
 * migrations build the same database as the schema, and that the snapshot matches the schema.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR, SCHEMA_PATH, SNAPSHOT_PATH } from './migrations.js';
import { diffSchemas, EMPTY_MIGRATION } from './schema-diff.js';

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function main(): Promise<void> {
  const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]+/gi, '_').toLowerCase();
  if (!name) {
    console.error('usage: npm run db:migration -- NAME   (NAME: letters, digits, underscores)');
    process.exit(2);
  }
  const schema = readFileSync(SCHEMA_PATH, 'utf8');
  const before = existsSync(SNAPSHOT_PATH) ? readFileSync(SNAPSHOT_PATH, 'utf8') : null;
  const sql = await diffSchemas(before, schema);
  if (sql.trim() === EMPTY_MIGRATION) {
    console.log('schema.prisma has no changes since the last migration');
    return;
  }
  const dir = join(MIGRATIONS_DIR, `${timestamp()}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql);
  writeFileSync(join(MIGRATIONS_DIR, 'migration_lock.toml'), 'provider = "postgresql"\n');
  writeFileSync(SNAPSHOT_PATH, schema);
  console.log(`wrote ${dir}/migration.sql`);
}

await main();
