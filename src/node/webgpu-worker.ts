/**
 * The GPU worker of the WebGPU backend in Node: a worker_threads thread that loads Dawn (the
 * `webgpu` npm package) and runs the browser-safe executor on it (src/backend/webgpu/executor.ts).
 * Messages that arrive while the device is being created wait for it, in order.
 */
import { parentPort } from 'node:worker_threads';
import type { ToExecutor } from '../backend/webgpu/protocol.js';
import { startExecutor, type Executor } from '../backend/webgpu/executor.js';

let ready: Promise<Executor | null> | null = null;

parentPort!.on('message', (msg: ToExecutor) => {
  if (msg.kind === 'init') {
    ready = (async () => {
      const { create, globals } = await import('webgpu');
      Object.assign(globalThis, globals);
      return startExecutor(create([]), msg);
    })();
    return;
  }
  void ready?.then((ex) => {
    ex?.receive(msg);
    if (msg.kind === 'close') parentPort!.close();
  });
});
