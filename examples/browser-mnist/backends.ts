/**
 * The backends the demo trains on, by name: 'wasm' (the WebAssembly SIMD kernels, one thread; the
 * default) and 'js' (the TypeScript reference). The wasm build must be loaded first (loadWasmModule).
 */
import { JsBackend, WasmBackend, type Backend } from '../../src/index.js';

export const DEMO_BACKENDS = ['wasm', 'js'] as const;

export function demoBackend(name: string): Backend {
  if (name === 'wasm') return new WasmBackend('float32');
  if (name === 'js') return new JsBackend('float32');
  throw new Error(`browser-mnist: backend "${name}" is not available in the browser; use ${DEMO_BACKENDS.join(' or ')}`);
}
