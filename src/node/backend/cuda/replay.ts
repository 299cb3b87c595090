/**
 * Replaying a repeated stretch of device work, such as a training iteration, as one CUDA graph
 * that takes each repetition's own numbers. Node-only.
 *
 * A CUDA graph captured once replays its kernels with the arguments they were captured with, so a
 * training iteration, whose learning rate, random keys and batch position change every time,
 * could not be captured with captureGraph. Here the host side of every repetition still runs: the
 * layers and the solver compute their numbers as usual, but the addon calls they make are recorded
 * instead of issued (CallRecorder). At the end the record is compared with the graph's: when the
 * same calls were made with the same shapes, the graph is launched once, after the kernels whose
 * arguments differ get the new ones (cuGraphExecKernelNodeSetParams) and the uploads' new data is
 * written to the page-locked buffers the graph copies from. Otherwise the record is captured into a
 * new graph, which then runs.
 *
 * Nothing is assumed about the work: a call that must run at once (a download, a synchronize, a
 * dot product, a free, a new cuDNN plan) first issues what was recorded, and the rest of that
 * repetition runs as usual, so every repetition computes exactly what running it eagerly would,
 * graph or not. The iterations a solver checks the loss in, for instance, run that way.
 */
import { BackendError } from '../../../core/errors.js';
import type { CudaAddon } from './addon.js';

/** One recorded addon call. */
type Call =
  | { op: 'launch'; fn: number; dims: readonly number[]; nargs: number; slots: Uint32Array }
  | { op: 'upload'; ptr: number; data: Float32Array }
  | { op: 'queued'; name: QueuedName; args: readonly number[] };

/** Calls queued on the device that are recorded as they are (besides launch and upload). */
const QUEUED = ['memset32', 'copy', 'sgemm', 'sgemv', 'convForward', 'convBackwardData', 'convBackwardFilter'] as const;
type QueuedName = typeof QUEUED[number];
/** Calls that neither read nor wait for queued work: issued at once, also while recording. */
const IMMEDIATE = ['init', 'compile', 'loadModule', 'getFunction', 'malloc', 'memInfo'] as const;
/** Calls that depend on the queued work having been issued: what was recorded is issued first. */
const BARRIERS = ['download', 'synchronize', 'sdot', 'sasum', 'free', 'convPlan', 'captureBegin', 'captureEnd',
  'graphLaunch', 'graphDestroy', 'stageUpload', 'graphRun'] as const;
// Every addon function is in exactly one list (with setArgBuffer, launch and upload).
type Listed = typeof QUEUED[number] | typeof IMMEDIATE[number] | typeof BARRIERS[number] | 'setArgBuffer' | 'launch' | 'upload';
const EVERY_FUNCTION_LISTED: Exclude<keyof CudaAddon, Listed> extends never ? true : never = true;
void EVERY_FUNCTION_LISTED;

/**
 * Wraps the addon: outside a recording every call goes straight through; during one, the calls
 * that queue device work are kept (launches with a copy of their argument slots, uploads with a
 * copy of their data), and the first call that needs them issued ends the recording early.
 */
export class CallRecorder {
  /** The wrapped addon: what the backend, its kernels and its convolution call. */
  readonly addon: CudaAddon;
  private calls: Call[] | null = null;
  private flushed = false;
  private slots: Uint32Array | null = null;

  constructor(readonly inner: CudaAddon) {
    const w = {} as Record<string, unknown>;
    const target = inner as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of IMMEDIATE) w[name] = (...a: unknown[]) => target[name].apply(inner, a);
    for (const name of BARRIERS) {
      w[name] = (...a: unknown[]) => {
        if (this.calls) this.flush();
        return target[name].apply(inner, a);
      };
    }
    for (const name of QUEUED) {
      w[name] = (...a: number[]) => {
        if (this.calls) this.calls.push({ op: 'queued', name, args: a });
        else target[name].apply(inner, a);
      };
    }
    w.setArgBuffer = (buffer: ArrayBuffer) => {
      this.slots = new Uint32Array(buffer);
      inner.setArgBuffer(buffer);
    };
    w.launch = (fn: number, gx: number, gy: number, gz: number, bx: number, by: number, bz: number, shared: number,
      nargs: number) => {
      if (!this.calls) return inner.launch(fn, gx, gy, gz, bx, by, bz, shared, nargs);
      this.calls.push({ op: 'launch', fn, dims: [gx, gy, gz, bx, by, bz, shared], nargs, slots: this.slots!.slice(0, 2 * nargs) });
    };
    w.upload = (ptr: number, src: Float32Array) => {
      if (this.calls) this.calls.push({ op: 'upload', ptr, data: src.slice() });
      else inner.upload(ptr, src);
    };
    this.addon = w as unknown as CudaAddon;
  }

  get recording(): boolean {
    return this.calls !== null;
  }

  /** Starts keeping the queued calls instead of issuing them. */
  begin(): void {
    if (this.calls) throw new BackendError('CUDA backend: a replayed run started inside another');
    this.calls = [];
    this.flushed = false;
  }

  /** Stops recording: the calls kept, or flushed true when a barrier issued them already. */
  end(): { calls: Call[]; flushed: boolean } {
    const calls = this.calls ?? [];
    this.calls = null;
    return { calls, flushed: this.flushed };
  }

  /** Issues what was recorded and stops recording (the rest of the run goes straight through). */
  private flush(): void {
    const calls = this.calls!;
    this.calls = null;
    this.flushed = true;
    this.issue(calls);
  }

  /** Issues recorded calls as they would have been. */
  issue(calls: readonly Call[]): void {
    for (const c of calls) this.issueOne(c, (ptr, data) => this.inner.upload(ptr, data));
  }

  /** Issues one call; an upload goes to `upload` (a captured one is staged). */
  issueOne(c: Call, upload: (ptr: number, data: Float32Array) => void): void {
    const a = this.inner;
    if (c.op === 'launch') {
      this.slots!.set(c.slots);
      const d = c.dims;
      a.launch(c.fn, d[0], d[1], d[2], d[3], d[4], d[5], d[6], c.nargs);
    } else if (c.op === 'upload') {
      upload(c.ptr, c.data);
    } else {
      (a[c.name] as (...args: readonly number[]) => void)(...c.args);
    }
  }
}

/** How a ReplayedRun's runs went. */
export interface ReplayStats {
  /** Runs that launched the graph (after giving it the run's arguments and data). */
  replayed: number;
  /** Runs that captured a new graph (the first full one, and any whose calls changed), then launched it. */
  captured: number;
  /** Runs issued call by call: a call that needed the work issued at once, a run that threw, or graphs turned off. */
  eager: number;
}

/** Most graphs one ReplayedRun captures; past that, its work changes too often to gain from one. */
const MAX_CAPTURES = 8;

/**
 * A stretch of work run again and again (see the file's comment). `run(fn)` has the effect of
 * `fn()`; made by CudaBackend.replayer.
 */
export class ReplayedRun {
  readonly stats: ReplayStats = { replayed: 0, captured: 0, eager: 0 };
  private template: Call[] | null = null;
  private graph: number | null = null;
  /** Why graphs are off for this run (a capture that failed), or null. */
  off: string | null = null;
  private destroyed = false;

  constructor(private readonly rec: CallRecorder, readonly what: string, private readonly notice: (m: string) => void,
    private readonly busy: () => string | null) {}

  run(fn: () => void): void {
    const capturing = this.busy();
    if (capturing !== null) throw new BackendError(`CUDA backend: cannot run ${this.what} while capturing ${capturing}`);
    if (this.off !== null || this.destroyed) {
      fn();
      this.stats.eager++;
      return;
    }
    this.rec.begin();
    try {
      fn();
    } catch (e) {
      // Issue what fn queued before it threw, as running it eagerly would have.
      const { calls, flushed } = this.rec.end();
      this.stats.eager++;
      if (!flushed) this.rec.issue(calls);
      throw e;
    }
    const { calls, flushed } = this.rec.end();
    if (flushed || calls.length === 0) {
      this.stats.eager++;
      return;
    }
    if (this.graph !== null) {
      const changes = this.changes(calls);
      if (changes) {
        if (this.launch(changes.updates, changes.stages, calls)) this.stats.replayed++;
        else this.stats.eager++;
        return;
      }
    }
    if (this.stats.captured >= MAX_CAPTURES) {
      this.turnOff(`its device work changed shape ${MAX_CAPTURES} times`);
      this.rec.issue(calls);
      this.stats.eager++;
      return;
    }
    try {
      this.capture(calls);
    } catch (e) {
      this.turnOff(`capturing it failed: ${(e as Error).message}`);
      this.rec.issue(calls);
      this.stats.eager++;
      return;
    }
    if (this.launch(null, stagesOf(calls), calls)) this.stats.captured++;
    else this.stats.eager++;
  }

  /** Frees the graph; later runs issue their calls one by one. */
  destroy(): void {
    this.dropGraph();
    this.destroyed = true;
  }

  private turnOff(why: string): void {
    this.dropGraph();
    this.off = why;
    this.notice(`${this.what} runs call by call, without a CUDA graph: ${why}`);
  }

  private dropGraph(): void {
    if (this.graph !== null) this.rec.inner.graphDestroy(this.graph);
    this.graph = null;
    this.template = null;
  }

  private capture(calls: Call[]): void {
    this.dropGraph();
    const a = this.rec.inner;
    const stages = stagesOf(calls);
    a.captureBegin(stages.map((s) => s.byteLength));
    let stage = 0;
    try {
      for (const c of calls) this.rec.issueOne(c, (ptr, data) => a.stageUpload(stage++, ptr, data));
    } catch (e) {
      a.captureEnd(false);
      throw e;
    }
    this.graph = a.captureEnd(true)!;
    this.template = calls;
  }

  /** Launches the graph with the run's changes (true); if that fails, turns graphs off and issues `calls` one by one. */
  private launch(updates: Uint8Array | null, stages: Float32Array[], calls: readonly Call[]): boolean {
    try {
      this.rec.inner.graphRun(this.graph!, updates, stages);
      return true;
    } catch (e) {
      this.turnOff(`launching its graph failed: ${(e as Error).message}`);
      this.rec.issue(calls);
      return false;
    }
  }

  /**
   * How `calls` differ from the graph's: the kernels' new argument slots and every upload's data,
   * or null when the calls are not the graph's (another call, kernel, launch shape, upload target
   * or size, or any other argument). The template takes the new slots, which the graph is given next.
   */
  private changes(calls: Call[]): { updates: Uint8Array | null; stages: Float32Array[] } | null {
    const t = this.template!;
    if (t.length !== calls.length) return null;
    const changed: number[] = [];
    let kernel = 0;
    for (let i = 0; i < calls.length; i++) {
      const a = t[i];
      const b = calls[i];
      if (a.op === 'launch') {
        if (b.op !== 'launch' || a.fn !== b.fn || a.nargs !== b.nargs || !sameNumbers(a.dims, b.dims)) return null;
        if (!sameNumbers(a.slots, b.slots)) changed.push(i, kernel);
        kernel++;
      } else if (a.op === 'upload') {
        if (b.op !== 'upload' || a.ptr !== b.ptr || a.data.length !== b.data.length) return null;
      } else if (b.op !== 'queued' || a.name !== b.name || !sameNumbers(a.args, b.args)) {
        return null;
      }
    }
    let updates: Uint8Array | null = null;
    if (changed.length > 0) {
      let bytes = 0;
      for (let j = 0; j < changed.length; j += 2) bytes += 8 + 8 * (calls[changed[j]] as { nargs: number }).nargs;
      updates = new Uint8Array(bytes);
      const i32 = new Int32Array(updates.buffer);
      const u32 = new Uint32Array(updates.buffer);
      let at = 0;
      for (let j = 0; j < changed.length; j += 2) {
        const c = calls[changed[j]] as Extract<Call, { op: 'launch' }>;
        i32[at] = changed[j + 1];
        i32[at + 1] = c.nargs;
        u32.set(c.slots, at + 2);
        at += 2 + 2 * c.nargs;
        t[changed[j]] = c;
      }
    }
    return { updates, stages: stagesOf(calls) };
  }
}

function stagesOf(calls: readonly Call[]): Float32Array[] {
  const out: Float32Array[] = [];
  for (const c of calls) if (c.op === 'upload') out.push(c.data);
  return out;
}

function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
