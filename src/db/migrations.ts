/**
 * Prisma migrations in prisma/migrations, applied through the WebAssembly schema engine.
 * The engine records them in `_prisma_migrations`, the same table `prisma migrate deploy` uses.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import type pg from 'pg';
import { projectPath } from '../paths.js';
import { withSchemaEngine } from './schema-engine.js';

export const MIGRATIONS_DIR = projectPath('prisma', 'migrations');
export const SCHEMA_PATH = projectPath('prisma', 'schema.prisma');
/** schema.prisma as of the newest migration; the next migration is the diff from it. */
export const SNAPSHOT_PATH = join(MIGRATIONS_DIR, 'schema.snapshot.prisma');

/** Migration directory names in the order they apply. */
export function migrationNames(dir = MIGRATIONS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
}

export function readMigrationList(dir = MIGRATIONS_DIR): MigrationList {
  const lockPath = join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: migrationNames(dir).map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  } as MigrationList;
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** Applies every migration not yet applied; returns the names it applied. */
export async function applyMigrations(connectionString: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  return withSchemaEngine(connectionString, readFileSync(SCHEMA_PATH, 'utf8'), async (engine) => {
    const out = await engine.applyMigrations({ migrationsList: readMigrationList(dir), filters: NO_FILTERS } as never);
    return out.appliedMigrationNames;
  });
}

/** Names of committed migrations the database has not finished applying (for /readyz). */
export async function pendingMigrations(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const wanted = migrationNames(dir);
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('_prisma_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return wanted;
  const done = await pool.query<{ migration_name: string }>(
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const applied = new Set(done.rows.map((r) => r.migration_name));
  return wanted.filter((n) => !applied.has(n));
}
