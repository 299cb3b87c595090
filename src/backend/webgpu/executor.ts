/// <reference types="@webgpu/types" />
/**
 * The GPU side of the WebGPU backend: owns the GPUDevice, the arena buffer and the compiled
 * kernels, and runs the command batches the facade posts, in order.
 *
 * Dispatches are recorded into one compute pass until something needs the queue (a host write, a
 * read-back, growth, or 1024 dispatches); then their parameter words go up in one writeBuffer
 * (256-byte slots selected by a dynamic uniform offset) and the pass is submitted. Read-backs copy
 * the range and the error flag into a mappable buffer (a sync copies only the flag), await
 * mapAsync, copy the floats into the caller's SharedArrayBuffer and wake it (protocol.ts). Runs in a worker: a Node worker_threads
 * thread (src/node/webgpu-worker.ts) or a browser Web Worker; browser-safe.
 */
import { CONTROL_INTS, DEAD, LENGTH, SEQ, STATUS, TEXT_BYTES, type Cmd, type GpuInfo, type ToExecutor } from './protocol.js';
import { blasKernels } from './kernels-blas.js';
import { nnKernels } from './kernels-nn.js';
import { convKernels } from './kernels-conv.js';
import { DEVICE_ERROR_LAYER_HINT, deviceErrorMessage } from '../kernel-abi.js';

const SOURCES: Record<string, string> = { ...blasKernels, ...nnKernels, ...convKernels };
/** Dispatches per submitted pass (each has a 256-byte parameter slot). */
const SLOTS = 1024;
const SLOT_BYTES = 256;

export class Executor {
  private arena: GPUBuffer;
  private readonly params: GPUBuffer;
  private readonly paramWords = new Uint32Array(SLOTS * SLOT_BYTES / 4);
  private readonly layout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private bindGroup: GPUBindGroup;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private slot = 0;
  private staging: GPUBuffer | null = null;
  private readonly control: Int32Array;
  private readonly text: Uint8Array;
  /** The first device error since the last reply. */
  private deviceError: string | null = null;
  private chain: Promise<void> = Promise.resolve();

  /**
   * `keep` holds the GPU and adapter objects the device came from: Dawn for Node destroys its
   * instance when the GPU object is garbage collected, even while a device made from it is in use.
   */
  constructor(readonly device: GPUDevice, control: SharedArrayBuffer, elements: number, readonly keep: unknown[] = []) {
    this.control = new Int32Array(control, 0, CONTROL_INTS);
    this.text = new Uint8Array(control, CONTROL_INTS * 4, TEXT_BYTES);
    device.addEventListener('uncapturederror', (e) => {
      this.deviceError ??= (e as GPUUncapturedErrorEvent).error.message;
    });
    this.arena = this.makeArena(elements);
    this.params = device.createBuffer({ size: SLOTS * SLOT_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
        { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: SLOT_BYTES } },
      ],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.layout] });
    this.bindGroup = this.makeBindGroup();
  }

  /** Handles one message from the facade; batches run one after another even across awaits. */
  receive(msg: ToExecutor): void {
    if (msg.kind === 'batch') this.chain = this.chain.then(() => this.run(msg.cmds));
    else if (msg.kind === 'close') this.chain = this.chain.then(() => { this.flush(); this.arena.destroy(); });
  }

  /**
   * Writes a reply and wakes the caller waiting for `seq`. `status`: protocol.ts's STATUS values
   * (0 ok, 1 a device error, 2 bad input that a kernel flagged).
   */
  reply(seq: number, text: string, status: 0 | 1 | 2): void {
    const bytes = new TextEncoder().encode(text).subarray(0, TEXT_BYTES);
    this.text.set(bytes);
    Atomics.store(this.control, LENGTH, bytes.length);
    Atomics.store(this.control, STATUS, status);
    Atomics.store(this.control, SEQ, seq);
    Atomics.notify(this.control, SEQ);
  }

  private async run(cmds: Cmd[]): Promise<void> {
    for (const c of cmds) {
      try {
        switch (c.op) {
          case 'k': this.dispatch(c.kernel, c.params, c.groups); break;
          case 'w':
            this.flush();
            this.device.queue.writeBuffer(this.arena, c.offset * 4, c.data.buffer, c.data.byteOffset, c.data.byteLength);
            break;
          case 'g': this.grow(c.elements); break;
          case 'r': await this.read(c.offset, c.n, c.data, c.seq); break;
          // A sync reads no floats, only the error flag: it reports what a kernel left, as a read does.
          case 's': await this.read(0, 0, null, c.seq); break;
        }
      } catch (e) {
        this.deviceError ??= `${c.op === 'k' ? `kernel ${c.kernel}` : `command ${c.op}`}: ${(e as Error).message}`;
        if (c.op === 'r' || c.op === 's') this.answer(c.seq, '', 0);
      }
    }
  }

  private dispatch(kernel: string, params: Uint32Array, groups: [number, number] | [number, number, number]): void {
    if (this.slot === SLOTS) this.flush();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    this.paramWords.set(params, this.slot * SLOT_BYTES / 4);
    this.pass.setPipeline(this.pipeline(kernel));
    this.pass.setBindGroup(0, this.bindGroup, [this.slot * SLOT_BYTES]);
    this.pass.dispatchWorkgroups(groups[0], groups[1], groups[2] ?? 1);
    this.slot++;
  }

  /** Submits what is recorded: the parameter words first, then the pass. */
  private flush(): void {
    if (!this.encoder) return;
    this.pass?.end();
    if (this.slot > 0) this.device.queue.writeBuffer(this.params, 0, this.paramWords.buffer, 0, this.slot * SLOT_BYTES);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pass = null;
    this.slot = 0;
  }

  private grow(elements: number): void {
    this.flush();
    const next = this.makeArena(elements);
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.arena, 0, next, 0, this.arena.size);
    this.device.queue.submit([enc.finish()]);
    this.arena.destroy();
    this.arena = next;
    this.bindGroup = this.makeBindGroup();
  }

  private async read(offset: number, n: number, data: SharedArrayBuffer | null, seq: number): Promise<void> {
    this.flush();
    // The error flag and the failing position: arena elements 0 and 3 (0 to 3 are copied).
    const bytes = (n + 4) * 4;
    if (!this.staging || this.staging.size < bytes) {
      this.staging?.destroy();
      this.staging = this.device.createBuffer({ size: Math.max(bytes, 1 << 16), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    const enc = this.device.createCommandEncoder();
    if (n > 0) enc.copyBufferToBuffer(this.arena, offset * 4, this.staging, 0, n * 4);
    enc.copyBufferToBuffer(this.arena, 0, this.staging, n * 4, 16);
    enc.clearBuffer(this.arena, 0, 4);
    this.device.queue.submit([enc.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ, 0, bytes);
    const got = new Float32Array(this.staging.getMappedRange(0, bytes));
    if (data) new Float32Array(data, 0, n).set(got.subarray(0, n));
    const flag = got[n]!;
    const at = new Uint32Array(got.buffer, got.byteOffset + (n + 3) * 4, 1)[0]!;
    this.staging.unmap();
    this.answer(seq, '', flag, at);
  }

  /** Replies to a read or sync, reporting a device error or a kernel's error flag if any. */
  private answer(seq: number, text: string, flag: number, at = 0): void {
    const problems: string[] = [];
    const deviceError = this.deviceError;
    if (deviceError) problems.push(`the device reported: ${deviceError}`);
    if (flag !== 0) problems.push(deviceErrorMessage(flag, at));
    this.deviceError = null;
    // Bad input alone is the caller's DataError; anything the device reported is a BackendError.
    if (problems.length > 0) this.reply(seq, problems.join('; ') + (flag !== 0 ? DEVICE_ERROR_LAYER_HINT : ''), deviceError ? 1 : 2);
    else this.reply(seq, text, 0);
  }

  private pipeline(kernel: string): GPUComputePipeline {
    let p = this.pipelines.get(kernel);
    if (!p) {
      const code = SOURCES[kernel];
      if (code === undefined) throw new Error(`no WGSL kernel named ${kernel}`);
      const module = this.device.createShaderModule({ code, label: kernel });
      p = this.device.createComputePipeline({ layout: this.pipelineLayout, compute: { module, entryPoint: 'main' }, label: kernel });
      this.pipelines.set(kernel, p);
    }
    return p;
  }

  private makeArena(elements: number): GPUBuffer {
    return this.device.createBuffer({
      size: elements * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  private makeBindGroup(): GPUBindGroup {
    return this.device.createBindGroup({
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: this.arena } },
        { binding: 1, resource: { buffer: this.params, size: SLOT_BYTES } },
      ],
    });
  }
}

/** The kernel names the executor knows (for tests and the facade's checks). */
export const KERNEL_NAMES: readonly string[] = Object.keys(SOURCES);

/**
 * Starts an executor on `gpu` in the current worker: requests an adapter and a device with the
 * largest storage buffers it offers, then answers the init message's seq with GpuInfo as JSON (or
 * an error). Returns the executor, or null when there is no adapter.
 */
export async function startExecutor(gpu: GPU, init: Extract<ToExecutor, { kind: 'init' }>): Promise<Executor | null> {
  const fail = (message: string) => {
    failInit(init, message);
    return null;
  };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return fail('no WebGPU adapter was found');
    const binding = adapter.limits.maxStorageBufferBindingSize;
    const size = Math.min(binding, adapter.limits.maxBufferSize);
    const device = await adapter.requestDevice({
      requiredLimits: { maxStorageBufferBindingSize: binding, maxBufferSize: adapter.limits.maxBufferSize },
    });
    const maxElements = Math.floor(Math.min(size, 2 ** 32 - 4) / 4 / 64) * 64;
    const ex = new Executor(device, init.control, Math.min(init.elements, maxElements), [gpu, adapter]);
    // TypeScript's DOM library has an older GPUAdapter than @webgpu/types, without `info`.
    const info = (adapter as unknown as { info: { vendor: string; architecture: string; description: string } }).info;
    const reply: GpuInfo = { vendor: info.vendor, architecture: info.architecture, description: info.description, maxElements };
    ex.reply(init.seq, JSON.stringify(reply), 0);
    return ex;
  } catch (e) {
    return fail(`WebGPU device creation failed: ${(e as Error).message}`);
  }
}

/** Answers the init message with an error (the worker could not even load WebGPU). */
export function failInit(init: Extract<ToExecutor, { kind: 'init' }>, message: string): void {
  const control = new Int32Array(init.control, 0, CONTROL_INTS);
  const bytes = new TextEncoder().encode(message).subarray(0, TEXT_BYTES);
  new Uint8Array(init.control, CONTROL_INTS * 4, TEXT_BYTES).set(bytes);
  Atomics.store(control, LENGTH, bytes.length);
  Atomics.store(control, STATUS, 1);
  Atomics.store(control, SEQ, init.seq);
  Atomics.notify(control, SEQ);
}

/** Marks the worker dead with `message`, waking a caller that waits for any reply. */
export function failWorker(control: SharedArrayBuffer, message: string): void {
  const c = new Int32Array(control, 0, CONTROL_INTS);
  const bytes = new TextEncoder().encode(message).subarray(0, TEXT_BYTES);
  new Uint8Array(control, CONTROL_INTS * 4, TEXT_BYTES).set(bytes);
  Atomics.store(c, LENGTH, bytes.length);
  Atomics.store(c, DEAD, 1);
  Atomics.notify(c, SEQ);
}
