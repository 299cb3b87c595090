/**
 * TrainerWorker in Node: the job runs on a worker_threads thread (./trainer-worker-entry.ts, which
 * loads the Node layers and resolves backend names with createBackend: 'js', 'native', 'auto'...),
 * and the main thread receives its stats and weights (src/worker/trainer-worker.ts). A thread that
 * fails outside the trainer (out of memory, a crash) rejects `done` with its error.
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, TrainJob } from '../worker/protocol.js';
import { TrainerWorker } from '../worker/trainer-worker.js';

/** Starts `job` on a new worker thread; the thread ends when the run does. */
export function startNodeTrainer(job: TrainJob): TrainerWorker {
  const w = new Worker(new URL('./trainer-worker-entry.js', import.meta.url));
  return new TrainerWorker({
    post: (m: ToWorker, transfer?: ArrayBuffer[]) => w.postMessage(m, transfer ?? []),
    listen: (h: (m: FromWorker) => void) => {
      w.on('message', h);
      w.on('error', (e) => h({ type: 'error', message: `trainer worker thread: ${e instanceof Error ? e.message : String(e)}` }));
      w.on('exit', (code) => h({ type: 'error', message: `trainer worker thread exited with code ${code} before the run ended` }));
    },
  }, job, () => void w.terminate());
}
