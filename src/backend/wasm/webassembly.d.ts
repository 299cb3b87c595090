// The part of the WebAssembly JS API the wasm backend uses. TypeScript declares it only in its DOM
// and WebWorker libs, which this project (compiled with Node's types and ES2022) does not load.
declare namespace WebAssembly {
  interface Module {}
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  /** An exported global (cortado-threads.wasm exports __stack_pointer, __tls_size, __tls_align). */
  interface Global {
    value: number;
  }
  interface ModuleImportDescriptor {
    module: string;
    name: string;
    kind: string;
  }
  var Module: {
    new (bytes: ArrayBuffer | Uint8Array): Module;
    imports(module: Module): ModuleImportDescriptor[];
    exports(module: Module): { name: string; kind: string }[];
  };
  var Instance: { new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance };
  var Memory: { new (descriptor: MemoryDescriptor): Memory };
  function compile(bytes: ArrayBuffer | Uint8Array): Promise<Module>;
  function validate(bytes: ArrayBuffer | Uint8Array): boolean;
}
