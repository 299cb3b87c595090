/** The worker_threads entry of a threaded WasmBackend in Node (see src/backend/wasm/threads.ts). */
import { parentPort } from 'node:worker_threads';
import { runWasmThread, type WasmThreadStart } from '../backend/wasm/threads.js';

if (!parentPort) throw new Error('wasm-worker.js runs as a worker thread of a threaded WasmBackend, not as a script');
parentPort.once('message', (m: WasmThreadStart) => runWasmThread(m));
