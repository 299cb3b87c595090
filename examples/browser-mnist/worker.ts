/**
 * The demo's Web Worker: serves one training job from the page (src/worker/trainer.ts) on the
 * backend the job names (./backends.ts). Bundled by build.mjs into out/worker.js.
 *
 * It listens at once (a message posted before a listener exists would be lost) and hands messages
 * on once the wasm build has loaded (cortado-relaxed.wasm where the browser runs relaxed SIMD, else cortado.wasm); if it could not load, a job on 'wasm' fails with the reason.
 */
import { loadWasmModule, wasmFileName, serveTrainer, webWorkerEndpoint, type Endpoint, type FromWorker, type ToWorker, type WebWorkerLike } from '../../src/index.js';
import { demoBackend } from './backends.js';

let loadError: unknown;
const loaded = loadWasmModule(wasmFileName()).then(() => undefined, (e: unknown) => void (loadError = e));
const port = webWorkerEndpoint<ToWorker, FromWorker>(globalThis as unknown as WebWorkerLike);
const gated: Endpoint<ToWorker, FromWorker> = {
  post: port.post,
  listen: (handler) => port.listen((m) => void loaded.then(() => handler(m))),
};
serveTrainer(gated, (name) => {
  if (name === 'wasm' && loadError) throw loadError;
  return demoBackend(name);
});
