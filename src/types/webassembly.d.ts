// @types/node 20 does not declare the WebAssembly global; this is the part the schema engine loader uses.
declare namespace WebAssembly {
  type Exports = Record<string, unknown>;
  type ModuleImports = Record<string, unknown>;
  type Imports = Record<string, ModuleImports>;
  class Module {}
  class Instance {
    readonly exports: Exports;
  }
  function compile(bytes: Uint8Array): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
