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
 * dot product, a free, a new cuDNN plan) ends a segment: what was recorded before it is launched
 * (as a graph, like a whole repetition, or call by call when it is a few calls), the call runs,
 * and recording goes on for the next segment. So every repetition computes exactly what running
 * it eagerly would, graph or not, and a repetition that reads a result back (the loss every
 * checkLossEvery iterations, dynamic loss scaling's check of the gradients every iteration) runs
 * as a few graphs with the reads between them. Each distinct sequence of calls gets a graph of
 * its own, kept for the next repetition that makes it (up to MAX_GRAPHS).
 */
import { BackendError } from '../../../core/errors.js';
import type { CudaAddon } from './addon.js';

/** `a` when it holds `need` elements, else a longer copy of it. */
function grown<T extends Int32Array | Uint32Array | Float64Array | Float32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}

/**
 * The calls of one run, in typed arrays so that recording allocates nothing once they have grown:
 * per call an opcode and where its numbers start; the numbers (a launch's function and shape, an
 * upload's pointer and length, other calls' arguments); launches' argument slots; uploads' data.
 */
class CallList {
  count = 0;
  op = new Int32Array(256);
  at = new Int32Array(256);
  nums = new Float64Array(2048);
  numsLen = 0;
  slots = new Uint32Array(4096);
  slotsLen = 0;
  data = new Float32Array(1024);
  dataLen = 0;
  launches = 0;
  uploads = 0;

  clear(): void {
    this.count = this.numsLen = this.slotsLen = this.dataLen = this.launches = this.uploads = 0;
  }

  /** Starts a call: its opcode, and room for `n` numbers. */
  push(op: number, n: number): number {
    if (this.count === this.op.length) {
      this.op = grown(this.op, this.count + 1);
      this.at = grown(this.at, this.count + 1);
    }
    this.op[this.count] = op;
    this.at[this.count++] = this.numsLen;
    this.nums = grown(this.nums, this.numsLen + n);
    const at = this.numsLen;
    this.numsLen += n;
    return at;
  }
}

// Opcodes: launch, upload, then QUEUED's calls.
const LAUNCH = 0;
const UPLOAD = 1;
/** Calls queued on the device that are recorded as they are (besides launch and upload), with their argument counts. */
const QUEUED = { memset32: 3, copy: 3, sgemm: 13, gemmEx: 14, sgemmStridedBatched: 17, gemmStridedBatchedEx: 18, sgemv: 9, convForward: 6, convBackwardData: 6, convBackwardFilter: 6 } as const;
type QueuedName = keyof typeof QUEUED;
const QUEUED_NAMES = Object.keys(QUEUED) as QueuedName[];
/** Calls that neither read nor wait for queued work: issued at once, also while recording. */
const IMMEDIATE = ['init', 'compile', 'loadModule', 'getFunction', 'malloc', 'memInfo'] as const;
/** Calls that depend on the queued work having been issued: what was recorded is issued first. */
const BARRIERS = ['download', 'synchronize', 'sdot', 'sasum', 'free', 'convPlan', 'captureBegin', 'captureEnd',
  'graphLaunch', 'graphDestroy', 'stageUpload', 'graphRun'] as const;
// Every addon function is in exactly one list (with setArgBuffer, launch and upload).
type Listed = QueuedName | typeof IMMEDIATE[number] | typeof BARRIERS[number] | 'setArgBuffer' | 'launch' | 'upload';
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
  private rec: CallList | null = null;
  /** Called at a barrier while recording: launches the segment recorded, returns the list to record the next into. */
  private segment: ((done: CallList) => CallList) | null = null;
  private argSlots: Uint32Array | null = null;

  constructor(readonly inner: CudaAddon) {
    const w = {} as { [name: string]: unknown };
    const target = inner as unknown as { [name: string]: (...a: unknown[]) => unknown };
    for (const name of IMMEDIATE) w[name] = (...a: unknown[]) => target[name]!.apply(inner, a);
    for (const name of BARRIERS) {
      w[name] = (...a: unknown[]) => {
        if (this.rec) this.rec = this.segment!(this.rec);
        return target[name]!.apply(inner, a);
      };
    }
    QUEUED_NAMES.forEach((name, i) => {
      const op = 2 + i;
      const n = QUEUED[name];
      const self = this;
      w[name] = function queued(): void {
        // `arguments` rather than a rest parameter: no array is made per call.
        const args = arguments as unknown as ArrayLike<number>;
        const r = self.rec;
        if (!r) {
          target[name]!.apply(inner, args as unknown as unknown[]);
          return;
        }
        const at = r.push(op, n);
        for (let k = 0; k < n; k++) r.nums[at + k] = args[k]!;
      };
    });
    w.setArgBuffer = (buffer: ArrayBuffer) => {
      this.argSlots = new Uint32Array(buffer);
      inner.setArgBuffer(buffer);
    };
    w.launch = (fn: number, gx: number, gy: number, gz: number, bx: number, by: number, bz: number, shared: number,
      nargs: number) => {
      const r = this.rec;
      if (!r) return inner.launch(fn, gx, gy, gz, bx, by, bz, shared, nargs);
      const at = r.push(LAUNCH, 10);
      const nums = r.nums;
      nums[at] = fn; nums[at + 1] = gx; nums[at + 2] = gy; nums[at + 3] = gz; nums[at + 4] = bx;
      nums[at + 5] = by; nums[at + 6] = bz; nums[at + 7] = shared; nums[at + 8] = nargs; nums[at + 9] = r.slotsLen;
      r.slots = grown(r.slots, r.slotsLen + 2 * nargs);
      const src = this.argSlots!;
      for (let k = 0; k < 2 * nargs; k++) r.slots[r.slotsLen + k] = src[k]!;
      r.slotsLen += 2 * nargs;
      r.launches++;
    };
    w.upload = (ptr: number, src: Float32Array) => {
      const r = this.rec;
      if (!r) return inner.upload(ptr, src);
      const at = r.push(UPLOAD, 3);
      r.nums[at] = ptr;
      r.nums[at + 1] = src.length;
      r.nums[at + 2] = r.dataLen;
      r.data = grown(r.data, r.dataLen + src.length);
      r.data.set(src, r.dataLen);
      r.dataLen += src.length;
      r.uploads++;
    };
    this.addon = w as unknown as CudaAddon;
  }

  get recording(): boolean {
    return this.rec !== null;
  }

  /**
   * Starts keeping the queued calls in `into` (cleared) instead of issuing them. At each barrier,
   * `segment` gets the list recorded so far, to issue, and returns the (cleared) list to go on in.
   */
  begin(into: CallList, segment: (done: CallList) => CallList): void {
    if (this.rec) throw new BackendError('CUDA backend: a replayed run started inside another');
    into.clear();
    this.rec = into;
    this.segment = segment;
  }

  /** Stops recording and returns the list of the last segment (not yet issued). */
  end(): CallList {
    const r = this.rec!;
    this.rec = null;
    this.segment = null;
    return r;
  }

  /** Issues recorded calls as they would have been; with `stage`, uploads are captured through it instead. */
  issue(r: CallList, stage?: (index: number, ptr: number, data: Float32Array) => void): void {
    const a = this.inner;
    const target = a as unknown as { [name: string]: (...args: number[]) => void };
    const nums = r.nums;
    let upload = 0;
    for (let c = 0; c < r.count; c++) {
      const op = r.op[c]!;
      const at = r.at[c]!;
      if (op === LAUNCH) {
        const nargs = nums[at + 8]!;
        const from = nums[at + 9]!;
        const dst = this.argSlots!;
        for (let k = 0; k < 2 * nargs; k++) dst[k] = r.slots[from + k]!;
        a.launch(nums[at]!, nums[at + 1]!, nums[at + 2]!, nums[at + 3]!, nums[at + 4]!, nums[at + 5]!, nums[at + 6]!, nums[at + 7]!, nargs);
      } else if (op === UPLOAD) {
        const data = r.data.subarray(nums[at + 2]!, nums[at + 2]! + nums[at + 1]!);
        if (stage) stage(upload++, nums[at]!, data);
        else a.upload(nums[at]!, data);
      } else {
        const name = QUEUED_NAMES[op - 2]!;
        const args: number[] = [];
        for (let k = 0; k < QUEUED[name]; k++) args.push(nums[at + k]!);
        target[name]!.apply(a, args);
      }
    }
  }
}

/** How a ReplayedRun's runs went. */
export interface ReplayStats {
  /** Runs that launched graphs (after giving them the run's arguments and data), none of them new. */
  replayed: number;
  /** Runs that captured a new graph (the first of each sequence of calls), then launched it. */
  captured: number;
  /** Runs issued call by call: segments too short for a graph, a run that threw, or graphs turned off. */
  eager: number;
}

/** Most graphs one ReplayedRun keeps; past that, its work changes too often to gain from them. */
const MAX_GRAPHS = 16;
/** A segment ended by a barrier with fewer calls than this is issued call by call (no graph). */
const MIN_SEGMENT = 4;

interface KeptGraph {
  id: number;
  /** The calls it was last launched with: the argument slots it holds now. */
  template: CallList;
}

/**
 * A stretch of work run again and again (see the file's comment). `run(fn)` has the effect of
 * `fn()`; made by CudaBackend.replayer.
 */
export class ReplayedRun {
  readonly stats: ReplayStats = { replayed: 0, captured: 0, eager: 0 };
  private graphs: KeptGraph[] = [];
  /** Lists free for recording (a launched graph's new template frees its old one). */
  private spare: CallList[] = [];
  /** The argument updates of a replay (see addon.ts's graphRun), with int32 and uint32 views. */
  private updates: Uint8Array = new Uint8Array(1024);
  private updatesI32 = new Int32Array(this.updates.buffer);
  private updatesU32 = new Uint32Array(this.updates.buffer);
  /** Why graphs are off for this run (a capture that failed), or null. */
  private off: string | null = null;
  private destroyed = false;
  /** The run under way: segments ended so far, graphs launched, and whether one was captured. */
  private segments = 0;
  private launched = 0;
  private capturedNow = false;
  private readonly nextSegment = (done: CallList): CallList => {
    this.finish(done, false);
    this.segments++;
    return this.take();
  };

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
    this.segments = this.launched = 0;
    this.capturedNow = false;
    this.rec.begin(this.take(), this.nextSegment);
    try {
      fn();
    } catch (e) {
      // Issue what fn queued before it threw, as running it eagerly would have.
      const last = this.rec.end();
      this.rec.issue(last);
      this.spare.push(last);
      this.stats.eager++;
      throw e;
    }
    this.finish(this.rec.end(), this.segments === 0);
    if (this.launched === 0) this.stats.eager++;
    else if (this.capturedNow) this.stats.captured++;
    else this.stats.replayed++;
  }

  /** Frees the graphs; later runs issue their calls one by one. */
  destroy(): void {
    this.dropGraphs();
    this.destroyed = true;
  }

  private take(): CallList {
    const list = this.spare.pop() ?? new CallList();
    list.clear();
    return list;
  }

  /**
   * Issues a segment: by the graph of the same calls when there is one, else by a new graph, or
   * call by call (graphs off, a short segment ended by a barrier, or too many shapes). `whole`:
   * the segment is the whole run.
   */
  private finish(calls: CallList, whole: boolean): void {
    if (calls.count === 0 || this.off !== null || (!whole && calls.count < MIN_SEGMENT)) {
      if (calls.count > 0) this.rec.issue(calls);
      this.spare.push(calls);
      return;
    }
    for (const g of this.graphs) {
      const bytes = this.changes(g.template, calls);
      if (bytes < 0) continue;
      if (this.launch(g, bytes > 0 ? this.updates.subarray(0, bytes) : null, calls)) {
        // The graph now holds this run's slots: its record becomes the template.
        this.spare.push(g.template);
        g.template = calls;
        this.launched++;
      } else {
        this.spare.push(calls);
      }
      return;
    }
    if (this.graphs.length >= MAX_GRAPHS) {
      this.turnOff(`its device work came in more than ${MAX_GRAPHS} shapes`);
      this.rec.issue(calls);
      this.spare.push(calls);
      return;
    }
    let g: KeptGraph;
    try {
      g = { id: this.capture(calls), template: calls };
    } catch (e) {
      this.turnOff(`capturing it failed: ${(e as Error).message}`);
      this.rec.issue(calls);
      this.spare.push(calls);
      return;
    }
    this.graphs.push(g);
    if (this.launch(g, null, calls)) {
      this.launched++;
      this.capturedNow = true;
    }
  }

  private turnOff(why: string): void {
    this.dropGraphs();
    this.off = why;
    this.notice(`${this.what} runs call by call, without a CUDA graph: ${why}`);
  }

  private dropGraphs(): void {
    for (const g of this.graphs) this.rec.inner.graphDestroy(g.id);
    this.graphs = [];
  }

  /** A new graph of `calls` (captured, not launched). */
  private capture(calls: CallList): number {
    const a = this.rec.inner;
    const sizes: number[] = [];
    for (let c = 0; c < calls.count; c++) if (calls.op[c] === UPLOAD) sizes.push(4 * calls.nums[calls.at[c]! + 1]!);
    a.captureBegin(sizes);
    try {
      this.rec.issue(calls, (index, ptr, data) => a.stageUpload(index, ptr, data));
    } catch (e) {
      a.captureEnd(false);
      throw e;
    }
    return a.captureEnd(true)!;
  }

  /** Launches graph `g` with the run's changes (true); if that fails, turns graphs off and issues `calls` one by one. */
  private launch(g: KeptGraph, updates: Uint8Array | null, calls: CallList): boolean {
    try {
      this.rec.inner.graphRun(g.id, updates, calls.uploads > 0 ? calls.data.subarray(0, calls.dataLen) : null);
      return true;
    } catch (e) {
      this.turnOff(`launching its graph failed: ${(e as Error).message}`);
      this.rec.issue(calls);
      return false;
    }
  }

  /**
   * Writes into `updates` the new argument slots of the kernels whose slots in `r` differ from
   * the graph's (`t`), and returns its length in bytes; or -1 when the calls are not the graph's
   * (another call, kernel, launch shape, upload target or size, or any other argument).
   */
  private changes(t: CallList, r: CallList): number {
    if (t.count !== r.count || t.numsLen !== r.numsLen || t.slotsLen !== r.slotsLen || t.dataLen !== r.dataLen) return -1;
    for (let c = 0; c < r.count; c++) if (t.op[c] !== r.op[c]) return -1;
    const tn = t.nums;
    const rn = r.nums;
    let bytes = 0;
    let kernel = 0;
    for (let c = 0; c < r.count; c++) {
      const at = r.at[c]!;
      if (r.op[c] === LAUNCH) {
        // Function, shape, slot count; the slots' start follows from those of the earlier calls.
        for (let k = 0; k < 9; k++) if (tn[at + k] !== rn[at + k]) return -1;
        const nargs = rn[at + 8]!;
        const from = rn[at + 9]!;
        let same = true;
        for (let k = 0; k < 2 * nargs; k++) {
          if (t.slots[from + k] !== r.slots[from + k]) {
            same = false;
            break;
          }
        }
        if (!same) {
          if (bytes + 8 + 8 * nargs > this.updates.length) {
            const more = new Uint8Array(Math.max(2 * this.updates.length, bytes + 8 + 8 * nargs));
            more.set(this.updates.subarray(0, bytes));
            this.updates = more;
            this.updatesI32 = new Int32Array(more.buffer);
            this.updatesU32 = new Uint32Array(more.buffer);
          }
          const w = bytes / 4;
          this.updatesI32[w] = kernel;
          this.updatesI32[w + 1] = nargs;
          for (let k = 0; k < 2 * nargs; k++) this.updatesU32[w + 2 + k] = r.slots[from + k]!;
          bytes += 8 + 8 * nargs;
        }
        kernel++;
      } else {
        // An upload's pointer and length (its data may change), or a queued call's arguments.
        const n = r.op[c] === UPLOAD ? 2 : QUEUED[QUEUED_NAMES[r.op[c]! - 2]!];
        for (let k = 0; k < n; k++) if (tn[at + k] !== rn[at + k]) return -1;
      }
    }
    return bytes;
  }
}
