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
  const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': glue as unknown as WebAssembly.ModuleImports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

/** Opens a schema engine connected to the database at `connectionString`. */
export async function openSchemaEngine(connectionString: string, schemaText: string): Promise<SchemaEngine> {
  gluePromise ??= loadGlue();
  const glue = await gluePromise;
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }));
  const logs: string[] = [];
  return glue.SchemaEngine.new({ datamodels: [['schema.prisma', schemaText]] }, (line: string) => logs.push(line), adapter);
}
