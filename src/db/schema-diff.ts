import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { NO_FILTERS } from './migrations.js';
import { withSchemaEngine } from './schema-engine.js';

export const EMPTY_MIGRATION = '-- This is an empty migration.';

/**
 * SQL that takes a database built from `from` (null: an empty database) to `to`.
 * A datamodel-to-datamodel diff reads no tables, but the engine connects at start, so without
 * `databaseUrl` a throw-away embedded database stands in.
 */
export async function diffSchemas(from: string | null, to: string, databaseUrl?: string): Promise<string> {
  let scratch: { dir: string; stop(): Promise<void> } | undefined;
  if (!databaseUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'outreach-diff-'));
    const pgl = await startEmbeddedPostgres(dir, 2);
    scratch = { dir, stop: pgl.stop };
    databaseUrl = pgl.url;
  }
  try {
    return await withSchemaEngine(databaseUrl, to, async (engine) => {
      const file = (content: string) => ({ tag: 'schemaDatamodel' as const, files: [{ path: 'schema.prisma', content }] });
      const result = await engine.diff({
        from: from === null ? { tag: 'empty' } : file(from),
        to: file(to),
        script: true,
        exitCode: null,
        filters: NO_FILTERS,
      } as never);
      return result.stdout ?? '';
    });
  } finally {
    if (scratch) {
      await scratch.stop();
      rmSync(scratch.dir, { recursive: true, force: true });
    }
  }
}
