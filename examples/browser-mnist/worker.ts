/**
 * The demo's Web Worker: serves one training job from the page (src/worker/trainer.ts) on the
 * TypeScript backend. Bundled by build.mjs into out/worker.js.
 */
import { serveTrainer, webWorkerEndpoint, type WebWorkerLike } from '../../src/index.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';

serveTrainer(webWorkerEndpoint(globalThis as unknown as WebWorkerLike), (name) => {
  if (name !== 'js') throw new Error(`browser-mnist worker: backend "${name}" is not available in the browser; use "js"`);
  return new JsBackend('float32');
});
