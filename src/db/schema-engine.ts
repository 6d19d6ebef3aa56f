/**
 * Prisma's schema engine as WebAssembly: migrations without downloading a native binary.
 *
 * The npm package's entry imports a `.wasm` file as an ES module, which Node 20 refuses, so the
 * module is instantiated here by hand with the package's JS glue. The engine build inside the
 * prisma CLI package is preferred (it matches the CLI that generated the client); the glue of
 * @prisma/schema-engine-wasm binds it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';

const require = createRequire(import.meta.url);

type Glue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg') & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let gluePromise: Promise<Glue> | undefined;

function wasmPath(): string {
  const cli = join(dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm');
  try {
    readFileSync(cli, { flag: 'r' }).subarray(0, 0);
    return cli;
  } catch {
    return join(dirname(require.resolve('@prisma/schema-engine-wasm/package.json')), 'schema_engine_bg.wasm');
  }
}

async function loadGlue(): Promise<Glue> {
  const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as Glue;
  const module = await WebAssembly.compile(readFileSync(wasmPath()));
  const instance = await WebAssembly.instantiate(module, {
    './schema_engine_bg.js': glue as unknown as WebAssembly.ModuleImports,
  });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

/**
 * Runs `fn` with a schema engine connected to the database at `connectionString`, then closes
 * its connections. The engine's own `free()` leaves them open (holding the migration advisory
 * lock until they time out), so the pool is ours to end.
 */
export async function withSchemaEngine<T>(
  connectionString: string,
  schemaText: string,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  gluePromise ??= loadGlue();
  const glue = await gluePromise;
  const pool = new pg.Pool({ connectionString, max: 2 });
  pool.on('error', () => {});
  try {
    const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
    const engine = await glue.SchemaEngine.new({ datamodels: [['schema.prisma', schemaText]] }, () => {}, adapter);
    try {
      return await fn(engine);
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}
