/**
 * WebGpuBackend: the Backend on WebGPU, float32 only, with WGSL kernels for every method.
 *
 * The Backend interface is synchronous and WebGPU's read-back (mapAsync) is not, so the backend is
 * split in two (protocol.ts):
 * - this facade, on the caller's thread, keeps the memory bookkeeping (arena.ts: every Buf is an
 *   element range of one storage buffer, a view is an offset) and turns each call into a command,
 *   posted to the GPU worker in batches (every 256 commands, and at the end of the current task);
 * - the executor (executor.ts), in a worker that owns the GPUDevice, encodes the commands as
 *   compute dispatches and submits them.
 * Only `download`, `dot`, `asum` and `synchronize` wait: they post a read command and block in
 * Atomics.wait until the worker has copied the result into a SharedArrayBuffer. Atomics.wait is
 * allowed in Node's main thread and in Web Workers, not in a page's main thread: in a browser,
 * train in a worker (TrainerWorker) of a cross-origin isolated page.
 *
 * Errors a kernel finds (a gather index or a label out of range) and device errors are reported by
 * the next call that waits, as a BackendError naming the method. The caller's thread never
 * touches WebGPU itself, so this file and the executor are browser-safe; Node's wiring (a
 * worker_threads worker running Dawn from the `webgpu` package) is src/node/webgpu.ts.
 */
import type {
  Backend, Buf, ClassGeom, ConvGeom, DType, HingeLabels, HingeNorm, HostArray, LossNormalization, LRNGeom, NeuronOp,
  PoolGeom, PoolMethod,
} from '../backend.js';
import { lrnBackwardComposed, lrnForwardComposed } from '../lrn-composed.js';
import { belowOrAt, softmaxByRows } from '../kernel-abi.js';
import { BackendError, DataError } from '../../core/errors.js';
import { Arena } from './arena.js';
import { CONTROL_INTS, DEAD, LENGTH, SEQ, STATUS, TEXT_BYTES, type Cmd, type GpuInfo, type Port } from './protocol.js';
import { Params } from './params.js';
import { FLAG } from './wgsl-common.js';

/** A range of the arena: `offset` and `length` in elements; views share their parent's memory. */
export class GpuBuf implements Buf {
  freed = false;
  constructor(readonly offset: number, readonly length: number, readonly owner: WebGpuBackend, readonly isView: boolean) {}
}

const NEURON: Record<NeuronOp, number> = { identity: 0, relu: 1, lrelu: 2, sigmoid: 3, tanh: 4, exp: 5, erf: 6, gelu: 7, geluTanh: 8 };
const NORMALIZATION: Record<LossNormalization, number> = { valid: 0, batch: 1, full: 2, none: 3 };
/** Arena element 0 is the error flag, 1 a reduction's result, 2 the label count, 3 the failing position (executor.ts). */
const RESULT = 1;
const COUNT = 2;
/** Commands kept before a batch is posted. */
const BATCH = 256;
const WAIT_MS = 10 * 60 * 1000;

/** Waits until control[SEQ] reaches `seq`; returns the reply text or throws its error. */
export function waitReply(control: SharedArrayBuffer, seq: number, what: string): string {
  const c = new Int32Array(control, 0, CONTROL_INTS);
  const start = Date.now();
  const text = () => new TextDecoder().decode(new Uint8Array(control, CONTROL_INTS * 4, Atomics.load(c, LENGTH)).slice());
  for (;;) {
    const at = Atomics.load(c, SEQ);
    if (at >= seq) break;
    if (Atomics.load(c, DEAD) !== 0) throw new BackendError(`webgpu backend ${what}: the GPU worker failed: ${text()}`);
    if (Date.now() - start > WAIT_MS) throw new BackendError(`webgpu backend ${what}: the GPU worker did not answer in ${WAIT_MS / 1000} s`);
    Atomics.wait(c, SEQ, at, 1000);
  }
  const status = Atomics.load(c, STATUS);
  if (status === 2) throw new DataError(`webgpu backend ${what}: ${text()}`);
  if (status !== 0) throw new BackendError(`webgpu backend ${what}: ${text()}`);
  return text();
}

/** A control buffer for `WebGpuBackend` and its executor. */
export function makeControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_INTS * 4 + TEXT_BYTES);
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly dtype: DType = 'float32';
  private readonly arena: Arena;
  private cmds: Cmd[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled = false;
  private seq: number;
  private data = new SharedArrayBuffer(4 * 1024);

  /**
   * A backend over an executor already started on `port` with `control` (its init reply, `info`,
   * has been read; `seq` was the init's number) and an arena of `elements` floats.
   */
  constructor(private readonly port: Port, private readonly control: SharedArrayBuffer, readonly info: GpuInfo,
    elements: number, seq: number, dtype: DType = 'float32') {
    if (dtype !== 'float32') {
      throw new BackendError(`webgpu backend: dtype ${dtype} is not supported, WebGPU computes in float32 only (use the js backend for float64, e.g. for gradient checks)`);
    }
    this.seq = seq;
    this.arena = new Arena(Math.min(elements, info.maxElements), info.maxElements);
    this.alloc(64); // elements 0..63: the error flag and scratch results
  }

  /** Releases the GPU worker's resources; the backend cannot be used afterwards. */
  close(): void {
    this.post();
    this.port.postMessage({ kind: 'close' });
  }

  // ---- memory ----
  alloc(n: number): Buf {
    if (!Number.isInteger(n) || n < 0) throw new BackendError(`webgpu backend alloc: expected a count >= 0, got ${n}`);
    const at = this.arena.alloc(n, (elements) => this.enqueue({ op: 'g', elements }));
    if (n > 0) this.launch('set', n, new Params().u(n).f(0).u(at));
    return new GpuBuf(at, n, this, false);
  }

  free(buf: Buf): void {
    const b = this.buf(buf, 0, 'free');
    if (b.isView || b.freed) return;
    b.freed = true;
    this.arena.release(b.offset, b.length);
  }

  view(buf: Buf, offset: number, n: number): Buf {
    const b = this.buf(buf, 0, 'view');
    if (!(offset >= 0 && n >= 0 && offset + n <= b.length)) {
      throw new BackendError(`webgpu backend view: range [${offset}, ${offset + n}) is outside a buffer of ${b.length} elements`);
    }
    return new GpuBuf(b.offset + offset, n, this, true);
  }

  upload(dst: Buf, src: ArrayLike<number>, dstOffset = 0): void {
    const d = this.buf(dst, 0, 'upload');
    if (dstOffset < 0 || dstOffset + src.length > d.length) {
      throw new BackendError(`webgpu backend upload: ${src.length} values at offset ${dstOffset} do not fit a buffer of ${d.length} elements`);
    }
    if (src.length === 0) return;
    const data = Float32Array.from(src);
    this.transfer.push(data.buffer);
    this.enqueue({ op: 'w', offset: d.offset + dstOffset, data });
  }

  download(src: Buf, out?: HostArray, n = src.length): HostArray {
    const s = this.buf(src, 0, 'download');
    if (n > s.length) throw new BackendError(`webgpu backend download: asked for ${n} elements of a buffer of ${s.length}`);
    if (out && out.length < n) throw new BackendError(`webgpu backend download: output holds ${out.length} elements, needs ${n}`);
    const got = this.read(s.offset, n, 'download');
    if (!out) return got.slice();
    out.set(got);
    return out;
  }

  fromHost(values: ArrayLike<number>): Buf {
    const b = this.alloc(values.length);
    this.upload(b, values);
    return b;
  }

  synchronize(): void {
    const seq = ++this.seq;
    this.enqueue({ op: 's', seq });
    this.post();
    waitReply(this.control, seq, 'synchronize');
  }

  // ---- BLAS level 1 ----
  set(n: number, alpha: number, y: Buf): void {
    this.launch('set', n, new Params().u(n).f(alpha).u(this.off(y, n, 'set y')));
  }

  copy(n: number, x: Buf, y: Buf): void {
    const xs = this.off(x, n, 'copy x'), ys = this.off(y, n, 'copy y');
    if (xs === ys || n <= 0) return;
    if (Math.abs(xs - ys) >= n) {
      this.launch('copy', n, new Params().u(n).u(xs).u(ys));
      return;
    }
    // Overlapping ranges: invocations run in no set order, so go through a temporary.
    const t = this.alloc(n) as GpuBuf;
    this.launch('copy', n, new Params().u(n).u(xs).u(t.offset));
    this.launch('copy', n, new Params().u(n).u(t.offset).u(ys));
    this.free(t);
  }

  scal(n: number, alpha: number, x: Buf): void {
    this.launch('scal', n, new Params().u(n).f(alpha).u(this.off(x, n, 'scal x')));
  }

  axpy(n: number, alpha: number, x: Buf, y: Buf): void {
    this.launch('axpy', n, new Params().u(n).f(alpha).u(this.off(x, n, 'axpy x')).u(this.off(y, n, 'axpy y')));
  }

  axpby(n: number, alpha: number, x: Buf, beta: number, y: Buf): void {
    this.launch('axpby', n, new Params().u(n).f(alpha).u(this.off(x, n, 'axpby x')).f(beta).u(this.off(y, n, 'axpby y')));
  }

  dot(n: number, x: Buf, y: Buf): number {
    this.launchOnce('reduce', new Params().u(n).u(this.off(x, n, 'dot x')).u(this.off(y, n, 'dot y')).u(RESULT).u(0));
    return this.read(RESULT, 1, 'dot')[0];
  }

  dotInto(n: number, x: Buf, y: Buf, alpha: number, beta: number, out: Buf): void {
    const o = this.off(out, 1, 'dotInto out');
    this.launchOnce('reduce', new Params().u(n).u(this.off(x, n, 'dotInto x')).u(this.off(y, n, 'dotInto y')).u(RESULT).u(0));
    this.launch('axpby', 1, new Params().u(1).f(alpha).u(RESULT).f(beta).u(o));
  }

  asum(n: number, x: Buf): number {
    const xs = this.off(x, n, 'asum x');
    this.launchOnce('reduce', new Params().u(n).u(xs).u(xs).u(RESULT).u(1));
    return this.read(RESULT, 1, 'asum')[0];
  }

  // ---- BLAS level 2 and 3 ----
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    const a = this.off(A, M * K, 'gemm A'), b = this.off(B, K * N, 'gemm B'), c = this.off(C, M * N, 'gemm C');
    this.products('gemm', 1, transA, transB, M, N, K, alpha, a, b, beta, c);
  }

  gemmBatched(batch: number, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    const a = this.off(A, batch * M * K, 'gemmBatched A'), b = this.off(B, batch * K * N, 'gemmBatched B');
    const c = this.off(C, batch * M * N, 'gemmBatched C');
    this.products('gemmBatched', batch, transA, transB, M, N, K, alpha, a, b, beta, c);
  }

  /** gemm's and gemmBatched's launches: `batch` products stored one after another from the offsets a, b and c. */
  private products(op: string, batch: number, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    a: number, b: number, beta: number, c: number): void {
    if (batch === 0 || M === 0 || N === 0) return;
    if (K <= 32 || M < 8 || N < 8) {
      // Tiles would be mostly padding; barriers are costly on some devices (SwiftShader).
      this.launch('gemmDirect', batch * M * N, new Params().u(batch * M * N).u(N).u(K).f(alpha).f(beta).u(a).u(b).u(c).u(transA ? 1 : 0).u(transB ? 1 : 0).u(M));
      return;
    }
    const gx = Math.ceil(N / 16), gy = Math.ceil(M / 16);
    if (gx > 65535 || gy > 65535) throw new BackendError(`webgpu backend ${op}: ${M}×${N} is larger than the 1048560×1048560 the kernel's grid reaches`);
    // workgroup z is the product; at most 65535 of them a dispatch
    for (let i0 = 0; i0 < batch; i0 += 65535) {
      this.enqueue({ op: 'k', kernel: 'gemm', groups: [gx, gy, Math.min(65535, batch - i0)],
        params: new Params().u(M).u(N).u(K).f(alpha).f(beta).u(a + i0 * M * K).u(b + i0 * K * N).u(c + i0 * M * N).u(transA ? 1 : 0).u(transB ? 1 : 0).words() });
    }
  }

  gemv(transA: boolean, M: number, N: number, alpha: number, A: Buf, x: Buf, beta: number, y: Buf): void {
    const rows = transA ? N : M;
    const a = this.off(A, M * N, 'gemv A'), xs = this.off(x, transA ? M : N, 'gemv x'), ys = this.off(y, rows, 'gemv y');
    this.launch('gemv', rows, new Params().u(rows).u(transA ? 1 : 0).u(M).u(N).f(alpha).u(a).u(xs).f(beta).u(ys));
  }

  // ---- elementwise ----
  add(n: number, a: Buf, b: Buf, y: Buf): void { this.binary(n, a, b, y, 0, 'add'); }
  sub(n: number, a: Buf, b: Buf, y: Buf): void { this.binary(n, a, b, y, 1, 'sub'); }
  mul(n: number, a: Buf, b: Buf, y: Buf): void { this.binary(n, a, b, y, 2, 'mul'); }
  div(n: number, a: Buf, b: Buf, y: Buf): void { this.binary(n, a, b, y, 3, 'div'); }
  powx(n: number, a: Buf, p: number, y: Buf): void { this.unary(n, a, y, 0, p, 'powx'); }
  exp(n: number, a: Buf, y: Buf): void { this.unary(n, a, y, 1, 0, 'exp'); }
  log(n: number, a: Buf, y: Buf): void { this.unary(n, a, y, 2, 0, 'log'); }
  abs(n: number, a: Buf, y: Buf): void { this.unary(n, a, y, 3, 0, 'abs'); }
  sign(n: number, a: Buf, y: Buf): void { this.unary(n, a, y, 4, 0, 'sign'); }

  addScalar(n: number, alpha: number, y: Buf): void {
    this.launch('addScalar', n, new Params().u(n).f(alpha).u(this.off(y, n, 'addScalar y')));
  }

  clamp(n: number, lo: number, hi: number, x: Buf, y: Buf): void {
    this.launch('clamp', n, new Params().u(n).f(lo).f(hi).u(this.off(x, n, 'clamp x')).u(this.off(y, n, 'clamp y')));
  }

  where(n: number, lo: number, hi: number, x: Buf, a: Buf, b: Buf, y: Buf): void {
    this.launch('where', n, new Params().u(n).f(lo).f(hi).u(this.off(x, n, 'where x')).u(this.off(a, n, 'where a'))
      .u(this.off(b, n, 'where b')).u(this.off(y, n, 'where y')));
  }

  // ---- fused kernels ----
  gather(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    const s = this.buf(src, 0, 'gather src');
    const n = rows * rowSize;
    this.launch('gather', n, new Params().u(n).u(rowSize).u(s.offset).u(this.off(index, rows, 'gather index')).f(scale)
      .u(this.off(dst, n, 'gather dst')).u(Math.floor(s.length / Math.max(1, rowSize))));
  }

  scatterAdd(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    const d = this.buf(dst, 0, 'scatterAdd dst');
    if (rows === 0) return;
    this.launch('scatterAdd', rowSize, new Params().u(rowSize).u(rows).u(this.off(src, rows * rowSize, 'scatterAdd src'))
      .u(this.off(index, rows, 'scatterAdd index')).f(scale).u(d.offset).u(Math.floor(d.length / Math.max(1, rowSize))));
  }

  /** The kernels are direct and need no workspace. */
  convWorkspaceSize(_g: ConvGeom): number {
    return 0;
  }

  convForward(g: ConvGeom, x: Buf, w: Buf, y: Buf, _workspace: Buf): void {
    const n = g.num * g.numOutput * g.outH * g.outW;
    this.launch('convForward', n, this.conv(g, n).u(this.off(x, g.num * g.channels * g.height * g.width, 'convForward x'))
      .u(this.off(w, this.weights(g), 'convForward w')).u(this.off(y, n, 'convForward y')));
  }

  convBackwardData(g: ConvGeom, dy: Buf, w: Buf, dx: Buf, _workspace: Buf): void {
    const n = g.num * g.channels * g.height * g.width;
    this.launch('convBackwardData', n, this.conv(g, n).u(this.off(dy, g.num * g.numOutput * g.outH * g.outW, 'convBackwardData dy'))
      .u(this.off(w, this.weights(g), 'convBackwardData w')).u(this.off(dx, n, 'convBackwardData dx')));
  }

  convBackwardFilter(g: ConvGeom, x: Buf, dy: Buf, dw: Buf, _workspace: Buf): void {
    const n = this.weights(g);
    this.launch('convBackwardFilter', n, this.conv(g, n).u(this.off(x, g.num * g.channels * g.height * g.width, 'convBackwardFilter x'))
      .u(this.off(dy, g.num * g.numOutput * g.outH * g.outW, 'convBackwardFilter dy')).u(this.off(dw, n, 'convBackwardFilter dw')));
  }

  biasForward(outer: number, channels: number, inner: number, bias: Buf, y: Buf): void {
    const n = outer * channels * inner;
    this.launch('biasForward', n, new Params().u(n).u(channels).u(inner).u(this.off(bias, channels, 'biasForward bias')).u(this.off(y, n, 'biasForward y')));
  }

  biasBackward(outer: number, channels: number, inner: number, dy: Buf, dbias: Buf): void {
    this.launch('biasBackward', channels, new Params().u(channels).u(outer).u(inner)
      .u(this.off(dy, outer * channels * inner, 'biasBackward dy')).u(this.off(dbias, channels, 'biasBackward dbias')));
  }

  poolForward(g: PoolGeom, method: PoolMethod, x: Buf, y: Buf, mask: Buf): void {
    const planes = g.num * g.channels, n = planes * g.outH * g.outW;
    const xs = this.off(x, planes * g.height * g.width, 'poolForward x'), ys = this.off(y, n, 'poolForward y');
    const ms = method === 'max' ? this.off(mask, n, 'poolForward mask') : 0;
    this.launch('poolForward', n, this.pool(g, method, n).u(xs).u(ys).u(ms));
  }

  poolBackward(g: PoolGeom, method: PoolMethod, dy: Buf, mask: Buf, dx: Buf): void {
    const planes = g.num * g.channels, n = planes * g.height * g.width;
    const dys = this.off(dy, planes * g.outH * g.outW, 'poolBackward dy');
    const ms = method === 'max' ? this.off(mask, planes * g.outH * g.outW, 'poolBackward mask') : 0;
    this.launch('poolBackward', n, this.pool(g, method, n).u(dys).u(ms).u(this.off(dx, n, 'poolBackward dx')));
  }

  // Across channels one fused kernel each way; within a channel composed of mean pooling and elementwise kernels.
  lrnForward(g: LRNGeom, x: Buf, scale: Buf, y: Buf, work: Buf): void {
    if (g.within) return lrnForwardComposed(this, g, x, scale, y, work);
    const n = g.num * g.channels * g.height * g.width;
    this.launch('lrnAcrossForward', n, new Params().u(n).u(g.channels).u(g.height * g.width).u((g.localSize - 1) / 2)
      .f(g.alpha / g.localSize).f(g.beta).f(g.k).u(this.off(x, n, 'lrnForward x')).u(this.off(scale, n, 'lrnForward scale')).u(this.off(y, n, 'lrnForward y')));
  }

  lrnBackward(g: LRNGeom, x: Buf, y: Buf, scale: Buf, dy: Buf, dx: Buf, work: Buf): void {
    if (g.within) return lrnBackwardComposed(this, g, x, y, scale, dy, dx, work);
    const n = g.num * g.channels * g.height * g.width;
    this.launch('lrnAcrossBackward', n, new Params().u(n).u(g.channels).u(g.height * g.width).u((g.localSize - 1) / 2)
      .f((2 * g.alpha * g.beta) / g.localSize).f(g.beta).u(this.off(x, n, 'lrnBackward x')).u(this.off(y, n, 'lrnBackward y'))
      .u(this.off(scale, n, 'lrnBackward scale')).u(this.off(dy, n, 'lrnBackward dy')).u(this.off(dx, n, 'lrnBackward dx')));
  }

  neuronForward(op: NeuronOp, n: number, x: Buf, y: Buf, alpha: number): void {
    this.launch('neuronForward', n, new Params().u(n).u(this.off(x, n, 'neuronForward x')).u(this.off(y, n, 'neuronForward y')).u(NEURON[op]).f(alpha));
  }

  neuronBackward(op: NeuronOp, n: number, y: Buf, dy: Buf, dx: Buf, alpha: number): void {
    this.launch('neuronBackward', n, new Params().u(n).u(this.off(y, n, 'neuronBackward y')).u(this.off(dy, n, 'neuronBackward dy'))
      .u(this.off(dx, n, 'neuronBackward dx')).u(NEURON[op]).f(alpha));
  }

  layerNormForward(rows: number, D: number, eps: number, x: Buf, scale: Buf | null, bias: Buf | null,
    xhat: Buf, rstd: Buf, y: Buf): void {
    if (!scale !== !bias) throw new BackendError('webgpu backend layerNormForward: scale and bias are given together or not at all');
    const n = rows * D;
    const [xo, ho, ro, yo] = [this.off(x, n, 'layerNormForward x'), this.off(xhat, n, 'layerNormForward xhat'),
      this.off(rstd, rows, 'layerNormForward rstd'), this.off(y, n, 'layerNormForward y')];
    const so = scale ? this.off(scale, D, 'layerNormForward scale') : 0, bo = bias ? this.off(bias, D, 'layerNormForward bias') : 0;
    if (D === 0) return;
    this.launchRows('layerNormForward', rows, new Params().u(rows).u(D).f(eps).u(xo).u(so).u(bo).u(ho).u(ro).u(yo).u(scale ? 1 : 0));
  }

  layerNormBackward(rows: number, D: number, xhat: Buf, rstd: Buf, dy: Buf, scale: Buf | null, dx: Buf): void {
    const n = rows * D;
    const [ho, ro, go, dxo] = [this.off(xhat, n, 'layerNormBackward xhat'), this.off(rstd, rows, 'layerNormBackward rstd'),
      this.off(dy, n, 'layerNormBackward dy'), this.off(dx, n, 'layerNormBackward dx')];
    const so = scale ? this.off(scale, D, 'layerNormBackward scale') : 0;
    if (D === 0) return;
    this.launchRows('layerNormBackward', rows, new Params().u(rows).u(D).u(ho).u(ro).u(go).u(so).u(dxo).u(scale ? 1 : 0));
  }

  softmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    const pos = g.outer * g.inner, n = pos * g.classes;
    const [xo, yo] = [this.off(x, n, 'softmaxForward x'), this.off(y, n, 'softmaxForward y')];
    if (softmaxByRows(g)) this.launchRows('softmaxRowsForward', g.outer, new Params().u(g.outer).u(g.classes).u(xo).u(yo));
    else this.launch('softmaxForward', pos, new Params().u(pos).u(g.classes).u(g.inner).u(xo).u(yo));
  }

  softmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    const pos = g.outer * g.inner, n = pos * g.classes;
    const [yo, dyo, dxo] = [this.off(y, n, 'softmaxBackward y'), this.off(dy, n, 'softmaxBackward dy'), this.off(dx, n, 'softmaxBackward dx')];
    if (softmaxByRows(g)) this.launchRows('softmaxRowsBackward', g.outer, new Params().u(g.outer).u(g.classes).u(yo).u(dyo).u(dxo));
    else this.launch('softmaxBackward', pos, new Params().u(pos).u(g.classes).u(g.inner).u(yo).u(dyo).u(dxo));
  }

  logSoftmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    const pos = g.outer * g.inner, n = pos * g.classes;
    const [xo, yo] = [this.off(x, n, 'logSoftmaxForward x'), this.off(y, n, 'logSoftmaxForward y')];
    if (softmaxByRows(g)) this.launchRows('logSoftmaxRowsForward', g.outer, new Params().u(g.outer).u(g.classes).u(xo).u(yo));
    else this.launch('logSoftmaxForward', pos, new Params().u(pos).u(g.classes).u(g.inner).u(xo).u(yo));
  }

  logSoftmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    const pos = g.outer * g.inner, n = pos * g.classes;
    const [yo, dyo, dxo] = [this.off(y, n, 'logSoftmaxBackward y'), this.off(dy, n, 'logSoftmaxBackward dy'), this.off(dx, n, 'logSoftmaxBackward dx')];
    if (softmaxByRows(g)) this.launchRows('logSoftmaxRowsBackward', g.outer, new Params().u(g.outer).u(g.classes).u(yo).u(dyo).u(dxo));
    else this.launch('logSoftmaxBackward', pos, new Params().u(pos).u(g.classes).u(g.inner).u(yo).u(dyo).u(dxo));
  }

  softmaxLossForward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, loss: Buf, weights: Buf | null = null): void {
    const pos = g.outer * g.inner;
    this.launchOnce('softmaxLossForward', new Params().u(pos).u(g.classes).u(g.inner).u(this.off(prob, pos * g.classes, 'softmaxLossForward prob'))
      .u(this.off(label, pos, 'softmaxLossForward label')).u(ignoreLabel === null ? 0 : 1).f(ignoreLabel ?? 0)
      .u(NORMALIZATION[normalization]).u(g.outer).u(this.off(loss, 1, 'softmaxLossForward loss'))
      .u(weights === null ? 0 : 1).u(weights === null ? 0 : this.off(weights, g.classes, 'softmaxLossForward weights')));
  }

  softmaxLossBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null = null): void {
    this.labelGradient('softmaxLossBackward', g, prob, label, ignoreLabel, normalization, lossWeight, dx, weights);
  }

  nllBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null = null): void {
    this.labelGradient('nllBackward', g, prob, label, ignoreLabel, normalization, lossWeight, dx, weights);
  }

  hingeLossForward(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, loss: Buf): void {
    this.launchOnce('hingeLossForward', this.hinge('hingeLossForward', g, x, label, labels, norm)
      .u(g.outer).u(this.off(loss, 1, 'hingeLossForward loss')));
  }

  hingeLossBackward(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, lossWeight: number, dx: Buf): void {
    const n = g.outer * g.classes;
    this.launch('hingeLossBackward', n, this.hinge('hingeLossBackward', g, x, label, labels, norm)
      .f(lossWeight / Math.max(1, g.outer)).u(this.off(dx, n, 'hingeLossBackward dx')));
  }

  binaryAccuracy(n: number, pred: Buf, label: Buf, threshold: number, out: Buf): void {
    this.launchOnce('binaryAccuracy', new Params().u(n).u(this.off(pred, n, 'binaryAccuracy pred')).u(this.off(label, n, 'binaryAccuracy label'))
      .f(belowOrAt(threshold)).u(this.off(out, 1, 'binaryAccuracy out')));
  }

  accuracyForward(g: ClassGeom, x: Buf, label: Buf, topK: number, ignoreLabel: number | null, out: Buf): void {
    const pos = g.outer * g.inner;
    this.launchOnce('accuracyForward', new Params().u(pos).u(g.classes).u(g.inner).u(topK).u(this.off(x, pos * g.classes, 'accuracyForward x'))
      .u(this.off(label, pos, 'accuracyForward label')).u(ignoreLabel === null ? 0 : 1).f(ignoreLabel ?? 0).u(this.off(out, 1, 'accuracyForward out')));
  }

  topK(g: ClassGeom, topK: number, x: Buf, indices: Buf, values: Buf): void {
    const pos = g.outer * g.inner, n = g.outer * topK * g.inner;
    if (topK > g.classes) throw new BackendError(`webgpu backend topK: top ${topK} of ${g.classes} classes`);
    this.launch('topK', pos, new Params().u(pos).u(g.classes).u(g.inner).u(topK).u(this.off(x, pos * g.classes, 'topK x'))
      .u(this.off(indices, n, 'topK indices')).u(this.off(values, n, 'topK values')));
  }

  copy2d(rows: number, cols: number, src: Buf, srcStride: number, dst: Buf, dstStride: number, accumulate: boolean): void {
    if (rows === 0 || cols === 0) return;
    const s = this.off(src, (rows - 1) * srcStride + cols, 'copy2d src'), d = this.off(dst, (rows - 1) * dstStride + cols, 'copy2d dst');
    const n = rows * cols;
    this.launch('copy2d', n, new Params().u(n).u(cols).u(s).u(srcStride).u(d).u(dstStride).u(accumulate ? 1 : 0));
  }

  randomUniform(n: number, key: number, y: Buf): void {
    this.launch('randomUniform', n, new Params().u(n).u(key >>> 0).u(this.off(y, n, 'randomUniform y')));
  }

  randomNormal(n: number, key: number, y: Buf): void {
    this.launch('randomNormal', n, new Params().u(n).u(key >>> 0).u(this.off(y, n, 'randomNormal y')));
  }

  dropoutForward(n: number, x: Buf, rand: Buf, ratio: number, scale: number, y: Buf): void {
    this.launch('dropout', n, new Params().u(n).u(this.off(x, n, 'dropoutForward x')).u(this.off(rand, n, 'dropoutForward rand')).f(ratio).f(scale).u(this.off(y, n, 'dropoutForward y')));
  }

  dropoutBackward(n: number, dy: Buf, rand: Buf, ratio: number, scale: number, dx: Buf): void {
    this.launch('dropout', n, new Params().u(n).u(this.off(dy, n, 'dropoutBackward dy')).u(this.off(rand, n, 'dropoutBackward rand')).f(ratio).f(scale).u(this.off(dx, n, 'dropoutBackward dx')));
  }

  sgdUpdate(n: number, w: Buf, diff: Buf, hist: Buf, lr: number, momentum: number,
    decay: number, regularization: 'L2' | 'L1'): void {
    this.launch('sgdUpdate', n, new Params().u(n).u(this.off(w, n, 'sgdUpdate w')).u(this.off(diff, n, 'sgdUpdate diff'))
      .u(this.off(hist, n, 'sgdUpdate hist')).f(lr).f(momentum).f(decay).u(regularization === 'L1' ? 1 : 0));
  }

  // ---- helpers ----
  private binary(n: number, a: Buf, b: Buf, y: Buf, op: number, name: string): void {
    this.launch('binary', n, new Params().u(n).u(this.off(a, n, `${name} a`)).u(this.off(b, n, `${name} b`)).u(this.off(y, n, `${name} y`)).u(op));
  }

  private unary(n: number, a: Buf, y: Buf, op: number, p: number, name: string): void {
    this.launch('unary', n, new Params().u(n).u(this.off(a, n, `${name} a`)).u(this.off(y, n, `${name} y`)).u(op).f(p));
  }

  /** softmaxLossBackward or nllBackward (the classLossBackward kernel): the label count first when the normalizer is the number of labelled positions. */
  private labelGradient(method: 'softmaxLossBackward' | 'nllBackward', g: ClassGeom, prob: Buf, label: Buf,
    ignoreLabel: number | null, normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null): void {
    const pos = g.outer * g.inner, n = pos * g.classes;
    const lb = this.off(label, pos, `${method} label`);
    const has = ignoreLabel === null ? 0 : 1, ignore = ignoreLabel ?? 0;
    let norm = 0;
    switch (normalization) {
      case 'valid':
        this.launchOnce('labelCount', new Params().u(pos).u(g.classes).u(g.inner).u(lb).u(has).f(ignore).u(COUNT).u(FLAG[method]));
        break;
      case 'batch': norm = Math.max(1, g.outer); break;
      case 'full': norm = Math.max(1, pos); break;
      case 'none': norm = 1; break;
    }
    this.launch('classLossBackward', n, new Params().u(n).u(g.classes).u(g.inner).u(this.off(prob, n, `${method} prob`))
      .u(lb).u(has).f(ignore).f(norm).f(lossWeight).u(COUNT).u(this.off(dx, n, `${method} dx`))
      .u(weights === null ? 0 : 1).u(weights === null ? 0 : this.off(weights, g.classes, `${method} weights`))
      .u(method === 'nllBackward' ? 1 : 0));
  }

  /** The first six words of the hinge kernels, with x, label (per item or per score) and the mode checked. */
  private hinge(op: string, g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm): Params {
    const n = g.outer * g.classes;
    return new Params().u(n).u(g.classes).u(this.off(x, n, `${op} x`))
      .u(this.off(label, labels === 'sign' ? n : g.outer, `${op} label`)).u(labels === 'sign' ? 1 : 0).u(norm === 'L2' ? 1 : 0);
  }

  private conv(g: ConvGeom, n: number): Params {
    return new Params().u(n).u(g.num).u(g.channels).u(g.height).u(g.width).u(g.numOutput).u(g.group).u(g.kernelH).u(g.kernelW)
      .u(g.strideH).u(g.strideW).u(g.padH).u(g.padW).u(g.dilationH).u(g.dilationW).u(g.outH).u(g.outW);
  }

  private weights(g: ConvGeom): number {
    return g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
  }

  private pool(g: PoolGeom, method: PoolMethod, n: number): Params {
    if (g.padH >= g.kernelH || g.padW >= g.kernelW) {
      throw new BackendError(`webgpu backend pooling: padding ${g.padH}×${g.padW} must be smaller than the kernel ${g.kernelH}×${g.kernelW}`);
    }
    return new Params().u(n).u(g.height).u(g.width).u(g.outH).u(g.outW).u(g.kernelH).u(g.kernelW)
      .u(g.strideH).u(g.strideW).u(g.padH).u(g.padW).u(method === 'max' ? 1 : 0);
  }

  /** The GpuBuf behind `b`, checked to be this backend's and to hold at least n elements. */
  private buf(b: Buf, n: number, what: string): GpuBuf {
    if (!(b instanceof GpuBuf) || b.owner !== this) throw new BackendError(`webgpu backend ${what}: the buffer was not made by this backend`);
    if (b.length < n) throw new BackendError(`webgpu backend ${what}: the buffer has ${b.length} elements, needs ${n}`);
    return b;
  }

  private off(b: Buf, n: number, what: string): number {
    return this.buf(b, n, what).offset;
  }

  /** One invocation per element i < n, in 256-wide workgroups laid out in 2-d. */
  private launch(kernel: string, n: number, p: Params): void {
    if (n <= 0) return;
    const groups = Math.ceil(n / 256);
    const gx = Math.min(groups, 65535), gy = Math.ceil(groups / gx);
    this.enqueue({ op: 'k', kernel, params: p.words(), groups: [gx, gy] });
  }

  /** A kernel with one workgroup per row (rowwise in wgsl-common.ts). */
  private launchRows(kernel: string, rows: number, p: Params): void {
    if (rows <= 0) return;
    const gx = Math.min(rows, 65535), gy = Math.ceil(rows / gx);
    this.enqueue({ op: 'k', kernel, params: p.words(), groups: [gx, gy] });
  }

  /** A single-workgroup kernel (the reductions). */
  private launchOnce(kernel: string, p: Params): void {
    this.enqueue({ op: 'k', kernel, params: p.words(), groups: [1, 1] });
  }

  private enqueue(c: Cmd): void {
    this.cmds.push(c);
    if (this.cmds.length >= BATCH) this.post();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => { this.scheduled = false; this.post(); });
    }
  }

  private post(): void {
    if (this.cmds.length === 0) return;
    this.port.postMessage({ kind: 'batch', cmds: this.cmds }, this.transfer);
    this.cmds = [];
    this.transfer = [];
  }

  /** n floats at arena element `offset`, valid until the next read. */
  private read(offset: number, n: number, what: string): Float32Array {
    if (this.data.byteLength < n * 4) this.data = new SharedArrayBuffer(2 ** Math.ceil(Math.log2(n * 4)));
    const seq = ++this.seq;
    this.enqueue({ op: 'r', offset, n, data: this.data, seq });
    this.post();
    waitReply(this.control, seq, what);
    return new Float32Array(this.data, 0, n);
  }
}
