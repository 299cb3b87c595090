/**
 * Node's loader for the wasm backend: reads wasm/cortado.wasm from the package root and compiles
 * it synchronously once, so that `createBackend('wasm')` and `new WasmBackend()` need no await.
 * (Browsers use the asynchronous loadWasmModule of src/backend/wasm/module.ts.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultWasmUrl, setWasmModule, wasmModule } from '../backend/wasm/module.js';

let error: string | null = null;

/** Compiles the shipped cortado.wasm once; true when a module is loaded (see wasmLoadError otherwise). */
export function loadWasmSync(): boolean {
  if (wasmModule()) return true;
  if (error) return false;
  const file = fileURLToPath(defaultWasmUrl());
  try {
    if (!existsSync(file)) throw new Error(`${file} is missing; rebuild it with \`node scripts/build-wasm.mjs\``);
    setWasmModule(new WebAssembly.Module(readFileSync(file)));
    return true;
  } catch (e) {
    error = `cannot load ${file}: ${(e as Error).message}`;
    return false;
  }
}

/** Why loadWasmSync failed, or null. */
export function wasmLoadError(): string | null {
  return error;
}
