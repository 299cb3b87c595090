/** The worker_threads entry of startNodeTrainer (./trainer-worker.ts): serves one training job. */
import { parentPort } from 'node:worker_threads';
import './layers.js';
import { createBackend, type BackendName } from './backends.js';
import { serveTrainer } from '../worker/trainer.js';
import type { FromWorker, ToWorker } from '../worker/protocol.js';

const port = parentPort;
if (!port) throw new Error('trainer-worker-entry.js runs as a worker thread (startNodeTrainer), not as a script');
serveTrainer({
  post: (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []),
  listen: (h: (m: ToWorker) => void) => port.on('message', h),
}, (name) => createBackend(name as BackendName));
