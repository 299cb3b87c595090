/// <reference types="@webgpu/types" />
/**
 * The GPU worker of the WebGPU backend in a browser: a dedicated Web Worker script that runs the
 * executor on `navigator.gpu` (see browser.ts). Messages that arrive while the device is being
 * created wait for it, in order.
 */
import type { ToExecutor } from './protocol.js';
import { failWorker, startExecutor, type Executor } from './executor.js';

interface WorkerScope {
  navigator: { gpu?: GPU };
  onmessage: ((e: { data: ToExecutor }) => void) | null;
  onerror: ((e: { message: string }) => void) | null;
  onunhandledrejection: ((e: { reason: unknown }) => void) | null;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let ready: Promise<Executor | null> | null = null;
let control: SharedArrayBuffer | null = null;

// An error outside any command would otherwise leave the caller blocked until its time limit.
const die = (message: string) => {
  if (control) failWorker(control, message);
};
scope.onerror = (e) => die(e.message);
scope.onunhandledrejection = (e) => die(e.reason instanceof Error ? e.reason.message : String(e.reason));

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.kind === 'init') {
    control = msg.control;
    // Without navigator.gpu (WebGPU disabled, or not a secure context) the reply says no adapter.
    const gpu = scope.navigator.gpu ?? ({ requestAdapter: async () => null } as unknown as GPU);
    ready = startExecutor(gpu, msg);
    return;
  }
  void ready?.then((ex) => {
    ex?.receive(msg);
    if (msg.kind === 'close') scope.close();
  });
};
