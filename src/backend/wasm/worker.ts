/**
 * The Web Worker entry of a threaded WasmBackend (started by threads.ts as
 * `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`): runs the first
 * message it gets, a WasmThreadStart, until the backend is disposed.
 */
import { runWasmThread, type WasmThreadStart } from './threads.js';

const scope = globalThis as unknown as { onmessage: ((e: { data: WasmThreadStart }) => void) | null };
scope.onmessage = (e) => {
  scope.onmessage = null;
  runWasmThread(e.data);
};
