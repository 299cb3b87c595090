/**
 * Convolution on the GPU: cuDNN when it is loaded, else a column buffer and cuBLAS.
 *
 * Without cuDNN the images are taken in chunks of `nb`; a chunk's column buffer (conv.cu) is
 * [C kh kw, nb P] with P = outH outW, so each group needs ONE GEMM per chunk (Caffe does one per
 * image):
 *   forward          Y'_g [Og, nb P] = W_g [Og, CKg] col_g [CKg, nb P],   y = transpose(Y') to [nb, O, P]
 *   backward data    col_g = W_gᵀ dy'_g,  dx = col2im(col)                 (dy' = dy as [O, nb P])
 *   backward filter  dW_g += dy'_g col_gᵀ
 * The workspace holds the column buffer and, when nb > 1, the transposed top [O, nb P]. Chunks
 * are sized so that the workspace stays under 2^25 elements (128 MiB), or under
 * CORTADO_CUDA_IM2COL_LIMIT elements when set (tests use it to force several chunks).
 *
 * Mixed precision (the backend's `precision` 'float16' or 'bfloat16'): the column-buffer path's
 * GEMMs take 16-bit operands through gemmAt. A cuDNN plan is made for 16-bit tensors, and its
 * workspace holds, after cuDNN's own bytes, three 16-bit regions: the bottom (x or dx), the
 * filter (w or dw) and the top (y or dy). Each call rounds its float32 inputs into them, runs
 * cuDNN, and turns the 16-bit result back into float32 (the filter gradient added to dw).
 * A layer's workspace is its own, so a region still holds its rounded input at the layer's next
 * call unless a result was written over it: each region's content is tracked (`held`), and a call
 * made `unchanged` (a layer's backward calls) takes an input already there instead of rounding it
 * again. A Convolution's iteration rounds x, w, dy, w (forward, then backward filter, then
 * backward data) instead of x, w, x, dy, dy, w: a third less conversion traffic, the same bits.
 */
import type { Buf, ConvGeom } from '../../../backend/backend.js';
import { BackendError } from '../../../core/errors.js';
import { CudaBuf, cudaBuf, halfBytes } from './buffer.js';
import type { CudaBackend, CudaRuntime } from './cuda-backend.js';

// cuDNN's algorithm enums (cudnnConvolutionFwdAlgo_t, BwdDataAlgo_t, BwdFilterAlgo_t), for CORTADO_CUDNN_LOG.
const FWD_ALGOS = ['IMPLICIT_GEMM', 'IMPLICIT_PRECOMP_GEMM', 'GEMM', 'DIRECT', 'FFT', 'FFT_TILING', 'WINOGRAD', 'WINOGRAD_NONFUSED'];
const DATA_ALGOS = ['ALGO_0', 'ALGO_1', 'FFT', 'FFT_TILING', 'WINOGRAD', 'WINOGRAD_NONFUSED'];
const FILTER_ALGOS = ['ALGO_0', 'ALGO_1', 'FFT', 'ALGO_3', 'WINOGRAD', 'WINOGRAD_NONFUSED', 'FFT_TILING'];

interface Plan {
  /**
   * cuDNN plan id and workspace bytes, or null for the column-buffer path; with mixed precision,
   * the byte offsets of the 16-bit bottom, filter and top in the workspace.
   */
  cudnn: { id: number; bytes: number; half: { x: number; w: number; y: number } | null } | null;
  /** Images per chunk on the column-buffer path. */
  nb: number;
  /** Workspace elements. */
  size: number;
}

/** A convolution operand for CudaConv.viaCudnn: its buffer, its element count, and its 16-bit region. */
type HalfOperand = [CudaBuf, number, 'x' | 'w' | 'y'];

/** What a 16-bit region holds: the rounding of `count` elements at device address `source`. */
interface Held {
  source: number;
  count: number;
}

/** A workspace's 16-bit regions of plan `plan` that hold a rounded input, by region. */
type Regions = { plan: number } & Partial<Record<HalfOperand[2], Held>>;

export class CudaConv {
  private readonly plans = new Map<string, Plan>();
  private readonly limit = Number(process.env.CORTADO_CUDA_IM2COL_LIMIT) || 2 ** 25;
  /** By workspace address: what each of its 16-bit regions holds, where it holds a rounded input. */
  private readonly held = new Map<number, Regions>();

  constructor(private readonly rt: CudaRuntime, private readonly b: CudaBackend) {}

  workspaceSize(g: ConvGeom): number {
    return this.plan(g).size;
  }

  private plan(g: ConvGeom): Plan {
    const key = `${g.num},${g.channels},${g.height},${g.width},${g.numOutput},${g.group},${g.kernelH},${g.kernelW},${g.strideH},${g.strideW},${g.padH},${g.padW},${g.dilationH},${g.dilationW},${g.outH},${g.outW}`;
    const known = this.plans.get(key);
    if (known) return known;
    if (g.channels % g.group !== 0 || g.numOutput % g.group !== 0) {
      throw new BackendError(`CUDA backend, convolution: channels ${g.channels} and numOutput ${g.numOutput} must both be multiples of group ${g.group}`);
    }
    let p = this.rt.cudnn ? this.cudnnPlan(g) : null;
    if (!p) {
      const P = g.outH * g.outW;
      const CK = g.channels * g.kernelH * g.kernelW;
      const nb = Math.max(1, Math.min(g.num, Math.floor(this.limit / Math.max(1, (CK + g.numOutput) * P))));
      p = { cudnn: null, nb, size: CK * nb * P + (nb > 1 ? g.numOutput * nb * P : 0) };
    }
    this.plans.set(key, p);
    return p;
  }

  /**
   * A cuDNN plan: the fastest algorithm cuDNN measures for each direction. CORTADO_CUDNN_LOG=1
   * prints each plan's algorithms and times (stderr), as cuDNN names them.
   */
  private cudnnPlan(g: ConvGeom): Plan | null {
    // cuDNN times its algorithms on the device: not something a CUDA graph can hold.
    this.b.refuseInCapture('a new cuDNN convolution plan');
    try {
      const [id, bytes, fwd, data, filter, fwdMs, dataMs, filterMs] = this.rt.addon.convPlan(g.num, g.channels, g.height, g.width,
        g.numOutput, g.kernelH, g.kernelW, g.padH, g.padW, g.strideH, g.strideW, g.dilationH, g.dilationW, g.group, g.outH, g.outW,
        this.b.format);
      if (process.env.CORTADO_CUDNN_LOG === '1') {
        const t = (ms: number) => `${ms.toFixed(3)} ms`;
        console.warn(`cortado (cuda): cuDNN plan for input [${g.num}, ${g.channels}, ${g.height}, ${g.width}], ${g.numOutput} outputs, kernel ${g.kernelH}x${g.kernelW}, ` +
          `stride ${g.strideH}x${g.strideW}, pad ${g.padH}x${g.padW}, group ${g.group}: forward ${FWD_ALGOS[fwd] ?? fwd} (${t(fwdMs)}), ` +
          `backward data ${DATA_ALGOS[data] ?? data} (${t(dataMs)}), backward filter ${FILTER_ALGOS[filter] ?? filter} (${t(filterMs)}), ` +
          `workspace ${bytes} bytes${this.rt.deterministic ? ', deterministic' : ''}${this.b.format ? `, ${this.b.precision}` : ''}`);
      }
      if (!this.b.format) return { cudnn: { id, bytes, half: null }, nb: 0, size: Math.ceil(bytes / 4) };
      const { inImage, outImage, CKg } = this.sizes(g);
      const x = halfBytes(bytes / 2);  // cuDNN's bytes, rounded up to the regions' alignment
      const w = x + halfBytes(g.num * inImage);
      const y = w + halfBytes(g.numOutput * CKg);
      return { cudnn: { id, bytes, half: { x, w, y } }, nb: 0, size: (y + halfBytes(g.num * outImage)) / 4 };
    } catch (e) {
      this.rt.notice(`cuDNN cannot run a convolution of input [${g.num}, ${g.channels}, ${g.height}, ${g.width}], kernel ${g.kernelH}x${g.kernelW}, ${g.numOutput} outputs (${(e as Error).message}); it runs on im2col + cuBLAS instead`);
      return null;
    }
  }

  /**
   * One cuDNN call, `call`(plan, a, b, out, workspace, bytes). Each operand is [buffer, elements,
   * its 16-bit region]. A float32 plan runs on the buffers. A 16-bit plan runs on a and b rounded
   * into their regions and writes its region of out, which becomes float32 in `out`: overwriting it,
   * or for the filter gradient (which a float32 plan accumulates into) added to it.
   */
  private viaCudnn(c: NonNullable<Plan['cudnn']>, call: 'convForward' | 'convBackwardData' | 'convBackwardFilter', wsb: CudaBuf,
    a: HalfOperand, b: HalfOperand, out: HalfOperand, unchanged: boolean): void {
    const h = c.half;
    if (!h) {
      this.rt.addon[call](c.id, a[0].ptr, b[0].ptr, out[0].ptr, wsb.ptr, wsb.length * 4);
      return;
    }
    // Another plan's calls on this workspace (its regions lie elsewhere, and its cuDNN bytes may
    // have covered these) leave nothing to reuse.
    let held = this.held.get(wsb.ptr);
    if (!held || held.plan !== c.id) this.held.set(wsb.ptr, (held = { plan: c.id }));
    const a16 = this.rounded(held, wsb.ptr + h[a[2]], a, unchanged);
    const b16 = this.rounded(held, wsb.ptr + h[b[2]], b, unchanged);
    const out16 = wsb.ptr + h[out[2]];
    delete held[out[2]];
    this.rt.addon[call](c.id, a16, b16, out16, wsb.ptr, c.bytes);
    this.b.fromHalf(out[1], out16, call === 'convBackwardFilter' ? 1 : 0, out[0]);
  }

  /**
   * The 16-bit region at `at` holding operand `op` rounded: as it is when the call is `unchanged`
   * and the region holds the same elements of the same buffer, else rounded into it now.
   */
  private rounded(held: Regions, at: number, op: HalfOperand, unchanged: boolean): number {
    const [buf, count, region] = op;
    const was = held[region];
    if (unchanged && was && was.source === buf.ptr && was.count === count) return at;
    held[region] = { source: buf.ptr, count };
    return this.b.toHalf(count, buf, at);
  }

  /**
   * Forgets what the 16-bit regions hold where the `length` floats at device address `ptr`, being
   * freed, are the workspace or a rounded input: memory allocated there later holds other values.
   */
  forget(ptr: number, length: number): void {
    const end = ptr + length * 4;
    for (const [ws, held] of this.held) {
      if (ws >= ptr && ws < end) {
        this.held.delete(ws);
        continue;
      }
      for (const region of ['x', 'w', 'y'] as const) {
        const s = held[region];
        if (s && s.source < end && s.source + s.count * 4 > ptr) delete held[region];
      }
    }
  }

  private workspace(p: Plan, ws: Buf, where: string): CudaBuf {
    const w = cudaBuf(ws, 0, where);
    if (w.length < p.size) {
      throw new BackendError(`CUDA backend, ${where}: the workspace holds ${w.length} elements, this convolution needs ${p.size} (allocate convWorkspaceSize(geometry) elements)`);
    }
    return w;
  }

  /** A view of `count` elements at element `offset` of a buffer, without bounds checks (checked by the caller). */
  private at(b: CudaBuf, offset: number, count: number): CudaBuf {
    return new CudaBuf(count, b.ptr + offset * 4, b.root ?? b);
  }

  private geomArgs(g: ConvGeom, nb: number): number[] {
    return [g.channels, g.height, g.width, g.kernelH, g.kernelW, g.padH, g.padW, g.strideH, g.strideW, g.dilationH, g.dilationW, g.outH, g.outW, nb];
  }

  private sizes(g: ConvGeom) {
    const P = g.outH * g.outW;
    const Cg = g.channels / g.group;
    const Og = g.numOutput / g.group;
    const CKg = Cg * g.kernelH * g.kernelW;
    return { P, Og, CKg, inImage: g.channels * g.height * g.width, outImage: g.numOutput * P };
  }

  forward(g: ConvGeom, x: Buf, w: Buf, y: Buf, ws: Buf, unchanged: boolean): void {
    const p = this.plan(g);
    const { P, Og, CKg, inImage, outImage } = this.sizes(g);
    const xb = cudaBuf(x, g.num * inImage, 'convForward x');
    const wb = cudaBuf(w, g.numOutput * CKg, 'convForward w');
    const yb = cudaBuf(y, g.num * outImage, 'convForward y');
    const wsb = this.workspace(p, ws, 'convForward');
    if (p.cudnn) {
      this.viaCudnn(p.cudnn, 'convForward', wsb, [xb, g.num * inImage, 'x'], [wb, g.numOutput * CKg, 'w'], [yb, g.num * outImage, 'y'], unchanged);
      return;
    }
    for (let n0 = 0; n0 < g.num; n0 += p.nb) {
      const nb = Math.min(p.nb, g.num - n0);
      const col = this.columns(g, xb, wsb, n0, nb);
      const target = nb === 1 ? yb.ptr + n0 * outImage * 4 : wsb.ptr + col.length * 4;
      for (let gi = 0; gi < g.group; gi++) {
        this.b.gemmAt(false, false, Og, nb * P, CKg, 1, wb.ptr + gi * Og * CKg * 4, col.ptr + gi * CKg * nb * P * 4, 0,
          target + gi * Og * nb * P * 4);
      }
      if (nb > 1) {
        this.b.run('transpose01_f32', nb * outImage, [g.numOutput, nb, P, this.at(wsb, col.length, nb * outImage),
          this.at(yb, n0 * outImage, nb * outImage)]);
      }
    }
  }

  /** im2col of images [n0, n0 + nb) of x into the start of the workspace, as [C kh kw, nb P]. */
  private columns(g: ConvGeom, x: CudaBuf, wsb: CudaBuf, n0: number, nb: number): CudaBuf {
    const { P, CKg, inImage } = this.sizes(g);
    const col = this.at(wsb, 0, g.group * CKg * nb * P);
    this.b.run('im2col_f32', g.channels * nb * P, [...this.geomArgs(g, nb), this.at(x, n0 * inImage, nb * inImage), col]);
    return col;
  }

  /** dy of images [n0, n0 + nb) as [O, nb P]: the top itself for one image, else transposed into the workspace. */
  private topColumns(g: ConvGeom, dy: CudaBuf, wsb: CudaBuf, colLength: number, n0: number, nb: number): number {
    const outImage = g.numOutput * g.outH * g.outW;
    if (nb === 1) return dy.ptr + n0 * outImage * 4;
    const t = this.at(wsb, colLength, nb * outImage);
    this.b.run('transpose01_f32', nb * outImage, [nb, g.numOutput, g.outH * g.outW, this.at(dy, n0 * outImage, nb * outImage), t]);
    return t.ptr;
  }

  backwardData(g: ConvGeom, dy: Buf, w: Buf, dx: Buf, ws: Buf, unchanged: boolean): void {
    const p = this.plan(g);
    const { P, Og, CKg, inImage, outImage } = this.sizes(g);
    const dyb = cudaBuf(dy, g.num * outImage, 'convBackwardData dy');
    const wb = cudaBuf(w, g.numOutput * CKg, 'convBackwardData w');
    const dxb = cudaBuf(dx, g.num * inImage, 'convBackwardData dx');
    const wsb = this.workspace(p, ws, 'convBackwardData');
    if (p.cudnn) {
      this.viaCudnn(p.cudnn, 'convBackwardData', wsb, [dyb, g.num * outImage, 'y'], [wb, g.numOutput * CKg, 'w'], [dxb, g.num * inImage, 'x'], unchanged);
      return;
    }
    for (let n0 = 0; n0 < g.num; n0 += p.nb) {
      const nb = Math.min(p.nb, g.num - n0);
      const col = this.at(wsb, 0, g.group * CKg * nb * P);
      const top = this.topColumns(g, dyb, wsb, col.length, n0, nb);
      for (let gi = 0; gi < g.group; gi++) {
        this.b.gemmAt(true, false, CKg, nb * P, Og, 1, wb.ptr + gi * Og * CKg * 4, top + gi * Og * nb * P * 4, 0,
          col.ptr + gi * CKg * nb * P * 4);
      }
      this.b.run('col2im_f32', nb * inImage, [...this.geomArgs(g, nb), col, this.at(dxb, n0 * inImage, nb * inImage)]);
    }
  }

  backwardFilter(g: ConvGeom, x: Buf, dy: Buf, dw: Buf, ws: Buf, unchanged: boolean): void {
    const p = this.plan(g);
    const { P, Og, CKg, inImage, outImage } = this.sizes(g);
    const xb = cudaBuf(x, g.num * inImage, 'convBackwardFilter x');
    const dyb = cudaBuf(dy, g.num * outImage, 'convBackwardFilter dy');
    const dwb = cudaBuf(dw, g.numOutput * CKg, 'convBackwardFilter dw');
    const wsb = this.workspace(p, ws, 'convBackwardFilter');
    if (p.cudnn) {
      // A 16-bit plan writes the filter gradient (no accumulation): viaCudnn adds it to dw in float32.
      this.viaCudnn(p.cudnn, 'convBackwardFilter', wsb, [xb, g.num * inImage, 'x'], [dyb, g.num * outImage, 'y'], [dwb, g.numOutput * CKg, 'w'], unchanged);
      return;
    }
    for (let n0 = 0; n0 < g.num; n0 += p.nb) {
      const nb = Math.min(p.nb, g.num - n0);
      const col = this.columns(g, xb, wsb, n0, nb);
      const top = this.topColumns(g, dyb, wsb, col.length, n0, nb);
      for (let gi = 0; gi < g.group; gi++) {
        this.b.gemmAt(false, true, Og, CKg, nb * P, 1, top + gi * Og * nb * P * 4, col.ptr + gi * CKg * nb * P * 4, 1,
          dwb.ptr + gi * Og * CKg * 4);
      }
    }
  }
}
