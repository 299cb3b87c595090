/**
 * What the WebGPU backend's facade (webgpu-backend.ts, the caller's thread) and its executor
 * (executor.ts, the GPU worker) exchange.
 *
 * Commands travel by postMessage in batches. Replies travel through shared memory, so that the
 * caller can block on them with Atomics.wait while the worker runs its own event loop:
 *   control[SEQ]     the number of the last command answered (the caller waits for it to change)
 *   control[STATUS]  0 ok; 1 the reply text is an error message (the device or the worker failed);
 *                    2 it names bad input that a kernel flagged (a label, an index): a DataError
 *   control[LENGTH]  bytes of reply text (UTF-8 JSON or an error message) in `text`
 *   control[DEAD]    1 when the worker failed outside any command (the text says why)
 * Read-backs copy floats into the `data` SharedArrayBuffer that the read command names.
 */

/** Indices into the control Int32Array. */
export const SEQ = 0;
export const STATUS = 1;
export const LENGTH = 2;
export const DEAD = 3;
/** Int32 slots before the reply text. */
export const CONTROL_INTS = 4;
/** Bytes of reply text the control buffer holds. */
export const TEXT_BYTES = 64 * 1024;

/** What the executor reports once its device is ready. */
export interface GpuInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** Largest arena, in float32 elements (the device's storage binding and buffer limits). */
  maxElements: number;
}

/** One kernel launch: `groups` workgroups along x, y (and z: 1 when left out), with up to 64 u32 parameter words. */
export interface DispatchCmd { op: 'k'; kernel: string; params: Uint32Array; groups: [number, number] | [number, number, number] }
/** Host floats written into the arena at element `offset`. */
export interface WriteCmd { op: 'w'; offset: number; data: Float32Array }
/** The arena grows to `elements` (contents kept). */
export interface GrowCmd { op: 'g'; elements: number }
/** Copies n elements at `offset` into `data`, then answers `seq`. */
export interface ReadCmd { op: 'r'; offset: number; n: number; data: SharedArrayBuffer; seq: number }
/** Answers `seq` when all earlier work is done. */
export interface SyncCmd { op: 's'; seq: number }

export type Cmd = DispatchCmd | WriteCmd | GrowCmd | ReadCmd | SyncCmd;

export type ToExecutor =
  | { kind: 'init'; control: SharedArrayBuffer; elements: number; seq: number }
  | { kind: 'batch'; cmds: Cmd[] }
  | { kind: 'close' };

/** The smallest endpoint both worker_threads' MessagePort and a Web Worker provide. */
export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/** Transferable objects in the core's types without the DOM library. */
export type Transferable = ArrayBuffer;
