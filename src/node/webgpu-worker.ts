/**
 * The GPU worker of the WebGPU backend in Node: a worker_threads thread that loads Dawn (the
 * `webgpu` npm package) and runs the browser-safe executor on it (src/backend/webgpu/executor.ts).
 * Messages that arrive while the device is being created wait for it, in order.
 */
import { parentPort } from 'node:worker_threads';
import type { ToExecutor } from '../backend/webgpu/protocol.js';
import { failInit, failWorker, startExecutor, type Executor } from '../backend/webgpu/executor.js';

let ready: Promise<Executor | null> | null = null;
let control: SharedArrayBuffer | null = null;

// An error outside any command would otherwise leave the caller blocked until its time limit.
const die = (e: unknown) => {
  if (control) failWorker(control, e instanceof Error ? e.message : String(e));
  process.exit(1);
};
process.on('uncaughtException', die);
process.on('unhandledRejection', die);

parentPort!.on('message', (msg: ToExecutor) => {
  if (msg.kind === 'init') {
    control = msg.control;
    ready = (async () => {
      let dawn: typeof import('webgpu');
      try {
        dawn = await import('webgpu');
      } catch (e) {
        failInit(msg, `the webgpu npm package (Dawn for Node) cannot load: ${(e as Error).message}; install it with npm install webgpu`);
        return null;
      }
      Object.assign(globalThis, dawn.globals);
      return startExecutor(dawn.create([]), msg);
    })();
    return;
  }
  void ready?.then((ex) => {
    ex?.receive(msg);
    if (msg.kind === 'close') parentPort!.close();
  });
});
