/**
 * Every Backend method on seeded random inputs of awkward sizes, for comparing a backend with
 * JsBackend('float32'): each case runs on a backend and returns its observable results by name.
 * Used by the emulated and the GPU tests here and by scripts/gpu-check.mjs (which prints the table).
 */
import type { Backend, Buf, ClassGeom, ConvGeom, LossNormalization, LRNGeom, NeuronOp, PoolGeom, PoolMethod } from '../../../src/backend/backend.js';
import { Random } from '../../../src/core/random.js';
import { NEURON_OP } from '../../../src/backend/kernel-abi.js';
import { pooledSize } from '../../../src/layers/pooling.js';

export type Results = Map<string, Float64Array>;

export interface MethodCase {
  name: string;
  run(b: Backend): Results;
  /** Largest error allowed, relative to |expected| + 1% of the largest |expected| (default 2e-5). */
  rtol?: number;
}

/** Host inputs of one case: uniform in [lo, hi), rounded to float32 so both backends see the same values. */
function values(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  const r = new Random(seed);
  const a = new Float32Array(n);
  r.fillUniform(a, lo, hi);
  return a;
}

function put(b: Backend, v: ArrayLike<number>): Buf {
  const buf = b.alloc(v.length);
  b.upload(buf, v);
  return buf;
}

function get(b: Backend, buf: Buf, n = buf.length): Float64Array {
  return Float64Array.from(b.download(buf, undefined, n));
}

function one(key: string, v: Float64Array): Results {
  return new Map([[key, v]]);
}

function convGeom(num: number, channels: number, size: number, numOutput: number, k: number,
  o: { stride?: number; pad?: number; dilation?: number; group?: number } = {}): ConvGeom {
  const stride = o.stride ?? 1, pad = o.pad ?? 0, dilation = o.dilation ?? 1;
  const out = Math.floor((size + 2 * pad - (dilation * (k - 1) + 1)) / stride) + 1;
  return {
    num, channels, height: size, width: size, numOutput, group: o.group ?? 1, kernelH: k, kernelW: k,
    strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: dilation, dilationW: dilation, outH: out, outW: out,
  };
}

function poolGeom(num: number, channels: number, h: number, w: number, k: number, stride: number, pad: number): PoolGeom {
  return {
    num, channels, height: h, width: w, kernelH: k, kernelW: k, strideH: stride, strideW: stride, padH: pad, padW: pad,
    outH: pooledSize(h, k, stride, pad), outW: pooledSize(w, k, stride, pad),
  };
}

function convCases(label: string, g: ConvGeom, seed: number): MethodCase[] {
  const wCount = g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
  const xCount = g.num * g.channels * g.height * g.width;
  const yCount = g.num * g.numOutput * g.outH * g.outW;
  const run = (b: Backend, what: 'forward' | 'data' | 'filter'): Results => {
    const ws = b.alloc(b.convWorkspaceSize(g));
    const w = put(b, values(seed, wCount));
    if (what === 'forward') {
      const y = put(b, new Float32Array(yCount).fill(NaN));
      b.convForward(g, put(b, values(seed + 1, xCount)), w, y, ws);
      return one('y', get(b, y));
    }
    if (what === 'data') {
      const dx = put(b, new Float32Array(xCount).fill(NaN));
      b.convBackwardData(g, put(b, values(seed + 2, yCount)), w, dx, ws);
      return one('dx', get(b, dx));
    }
    const dw = put(b, values(seed + 3, wCount));
    b.convBackwardFilter(g, put(b, values(seed + 1, xCount)), put(b, values(seed + 2, yCount)), dw, ws);
    return one('dw', get(b, dw));
  };
  return [
    { name: `convForward ${label}`, run: (b) => run(b, 'forward'), rtol: 1e-4 },
    { name: `convBackwardData ${label}`, run: (b) => run(b, 'data'), rtol: 1e-4 },
    { name: `convBackwardFilter ${label}`, run: (b) => run(b, 'filter'), rtol: 1e-4 },
  ];
}

function poolCases(label: string, g: PoolGeom, method: PoolMethod, seed: number): MethodCase[] {
  const nIn = g.num * g.channels * g.height * g.width;
  const nOut = g.num * g.channels * g.outH * g.outW;
  const fwd = (b: Backend) => {
    const y = b.alloc(nOut), mask = b.alloc(nOut);
    b.poolForward(g, method, put(b, values(seed, nIn)), y, mask);
    return { y, mask };
  };
  return [
    {
      name: `poolForward ${method} ${label}`,
      run: (b) => {
        const { y, mask } = fwd(b);
        const r = one('y', get(b, y));
        if (method === 'max') r.set('mask', get(b, mask));
        return r;
      },
    },
    {
      name: `poolBackward ${method} ${label}`,
      run: (b) => {
        const { mask } = fwd(b);
        const dx = put(b, new Float32Array(nIn).fill(NaN));
        b.poolBackward(g, method, put(b, values(seed + 1, nOut)), mask, dx);
        return one('dx', get(b, dx));
      },
    },
  ];
}

function lrnCases(label: string, g: LRNGeom, seed: number): MethodCase[] {
  const n = g.num * g.channels * g.height * g.width;
  const fwd = (b: Backend) => {
    const x = put(b, values(seed, n, -3, 3)), scale = b.alloc(n), y = b.alloc(n), work = b.alloc(n);
    b.lrnForward(g, x, scale, y, work);
    return { x, scale, y, work };
  };
  return [
    {
      name: `lrnForward ${label}`,
      run: (b) => {
        const { scale, y } = fwd(b);
        return new Map([['scale', get(b, scale)], ['y', get(b, y)]]);
      },
    },
    {
      name: `lrnBackward ${label}`,
      run: (b) => {
        const { x, scale, y, work } = fwd(b);
        const dx = put(b, new Float32Array(n).fill(NaN));
        b.lrnBackward(g, x, y, scale, put(b, values(seed + 1, n)), dx, work);
        return one('dx', get(b, dx));
      },
    },
  ];
}

function labelsFor(seed: number, g: ClassGeom, ignore: number | null): Float32Array {
  const r = new Random(seed);
  const out = new Float32Array(g.outer * g.inner);
  for (let i = 0; i < out.length; i++) out[i] = ignore !== null && i % 3 === 1 ? ignore : r.int(g.classes);
  return out;
}

function classCases(label: string, g: ClassGeom, seed: number): MethodCase[] {
  const n = g.outer * g.classes * g.inner;
  const probs = (b: Backend) => {
    const p = b.alloc(n);
    b.softmaxForward(g, put(b, values(seed, n, -3, 3)), p);
    return p;
  };
  const cases: MethodCase[] = [
    { name: `softmaxForward ${label}`, run: (b) => one('y', get(b, probs(b))) },
    {
      name: `softmaxBackward ${label}`,
      run: (b) => {
        const dx = b.alloc(n);
        b.softmaxBackward(g, probs(b), put(b, values(seed + 1, n)), dx);
        return one('dx', get(b, dx));
      },
    },
    {
      // scores up to 120 apart: some probabilities underflow float32, their logs must not
      name: `logSoftmaxForward and logSoftmaxBackward ${label}`,
      run: (b) => {
        const y = b.alloc(n), dx = b.alloc(n);
        b.logSoftmaxForward(g, put(b, values(seed + 2, n, -60, 60)), y);
        b.logSoftmaxBackward(g, y, put(b, values(seed + 1, n)), dx);
        return new Map([['y', get(b, y)], ['dx', get(b, dx)]]);
      },
    },
  ];
  const modes: LossNormalization[] = ['valid', 'batch', 'full', 'none'];
  for (const ignore of [null, 2]) {
    for (const norm of modes) {
      cases.push({
        name: `softmaxLoss ${norm}${ignore === null ? '' : ' ignore'} ${label}`,
        run: (b) => {
          const p = probs(b), lab = put(b, labelsFor(seed + 2, g, ignore));
          const loss = b.alloc(1), dx = b.alloc(n);
          b.softmaxLossForward(g, p, lab, ignore, norm, loss);
          b.softmaxLossBackward(g, p, lab, ignore, norm, 0.7, dx);
          return new Map([['loss', get(b, loss)], ['dx', get(b, dx)]]);
        },
      });
    }
  }
  // Class weights, and the gradient on probabilities (MultinomialLogisticLoss).
  const weights = Float32Array.from({ length: g.classes }, (_, c) => 0.25 + (c % 4) * 0.5);
  for (const [ignore, norm] of [[null, 'valid'], [2, 'valid'], [2, 'batch'], [null, 'none']] as const) {
    for (const weighted of [false, true]) {
      cases.push({
        name: `${weighted ? 'weighted ' : ''}softmaxLoss and nllBackward ${norm}${ignore === null ? '' : ' ignore'} ${label}`,
        run: (b) => {
          const p = probs(b), lab = put(b, labelsFor(seed + 5, g, ignore));
          const w = weighted ? put(b, weights) : null;
          const loss = b.alloc(1), dx = put(b, values(seed + 6, n)), dp = put(b, values(seed + 7, n));
          b.softmaxLossForward(g, p, lab, ignore, norm, loss, w);
          b.softmaxLossBackward(g, p, lab, ignore, norm, 0.7, dx, w);
          b.nllBackward(g, p, lab, ignore, norm, 0.7, dp, w);
          return new Map([['loss', get(b, loss)], ['dx', get(b, dx)], ['dp', get(b, dp)]]);
        },
      });
    }
  }
  for (const topK of [1, 3]) {
    cases.push({
      name: `accuracy top-${topK} ${label}`,
      run: (b) => {
        const x = values(seed + 3, n);
        for (let i = 0; i < n; i += 7) x[i] = 0.5; // ties, which count against the label
        const out = b.alloc(1);
        b.accuracyForward(g, put(b, x), put(b, labelsFor(seed + 4, g, 2)), topK, 2, out);
        return one('accuracy', get(b, out));
      },
    });
  }
  return cases;
}

export function methodCases(): MethodCase[] {
  const n = 1037;
  const cases: MethodCase[] = [
    {
      name: 'memory: view, upload at offset, download into Float64Array',
      run: (b) => {
        const buf = put(b, values(1, n));
        const v = b.view(buf, 5, 100);
        b.upload(v, [1, 2, 3], 10);
        const out = new Float64Array(120).fill(-7);
        b.download(v, out, 50);
        return new Map([['whole', get(b, buf)], ['partial', out]]);
      },
    },
    { name: 'set', run: (b) => { const y = put(b, values(2, n)); b.set(n - 3, 2.5, b.view(y, 3, n - 3)); return one('y', get(b, y)); } },
    { name: 'copy', run: (b) => { const y = put(b, values(3, n)); b.copy(n - 1, put(b, values(4, n)), y); return one('y', get(b, y)); } },
    {
      name: 'copy overlapping',
      run: (b) => { const y = put(b, values(5, n)); b.copy(500, b.view(y, 0, 500), b.view(y, 100, 500)); return one('y', get(b, y)); },
    },
    { name: 'scal', run: (b) => { const x = put(b, values(6, n)); b.scal(n, -1.5, x); return one('x', get(b, x)); } },
    { name: 'axpy', run: (b) => { const y = put(b, values(7, n)); b.axpy(n, 0.3, put(b, values(8, n)), y); return one('y', get(b, y)); } },
    {
      name: 'axpby beta 0 over NaN',
      run: (b) => { const y = put(b, new Float32Array(n).fill(NaN)); b.axpby(n, 2, put(b, values(9, n)), 0, y); return one('y', get(b, y)); },
    },
    { name: 'axpby', run: (b) => { const y = put(b, values(10, n)); b.axpby(n, 2, put(b, values(11, n)), 0.5, y); return one('y', get(b, y)); } },
    { name: 'dot', run: (b) => one('dot', Float64Array.of(b.dot(n, put(b, values(12, n)), put(b, values(13, n))))), rtol: 1e-4 },
    { name: 'asum', run: (b) => one('asum', Float64Array.of(b.asum(n, put(b, values(14, n))))) },
    {
      name: 'dotInto: overwrite over NaN, accumulate, and n = 0',
      run: (b) => {
        const out = put(b, [NaN, 0.5, 0.25]);
        const x = put(b, values(15, 70_001)), y = put(b, values(16, 70_001));
        b.dotInto(70_001, x, y, 0.5, 0, out);
        b.dotInto(n, x, y, -2, 1, b.view(out, 1, 1));
        b.dotInto(0, x, y, 3, 2, b.view(out, 2, 1));
        return one('out', get(b, out));
      },
      rtol: 1e-4,
    },
  ];
  const dims: [number, number, number][] = [[17, 33, 65], [1, 130, 3], [64, 10, 500]];
  for (const [M, N, K] of dims) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        for (const beta of [0, 0.5]) {
          cases.push({
            name: `gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K} beta ${beta}`,
            rtol: 1e-4,
            run: (b) => {
              const C = put(b, beta === 0 ? new Float32Array(M * N).fill(NaN) : values(22, M * N));
              b.gemm(tA, tB, M, N, K, 1.5, put(b, values(20, M * K)), put(b, values(21, K * N)), beta, C);
              return one('C', get(b, C));
            },
          });
        }
      }
    }
  }
  // Batched products: attention's small heads (WebGPU's direct kernel, one cuBLAS strided call),
  // products big enough for tiles (a loop on WebGPU), outer products (K = 1) and an empty sum.
  const batched: [number, number, number, number][] = [[12, 17, 17, 16], [3, 33, 40, 48], [4, 9, 5, 1], [2, 3, 4, 0]];
  for (const [batch, M, N, K] of batched) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        for (const beta of [0, 0.5]) {
          cases.push({
            name: `gemmBatched ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${batch}x${M}x${N}x${K} beta ${beta}`,
            rtol: 1e-4,
            run: (b) => {
              const C = put(b, beta === 0 ? new Float32Array(batch * M * N).fill(NaN) : values(22, batch * M * N));
              b.gemmBatched(batch, tA, tB, M, N, K, 1.5, put(b, values(20, batch * M * K)), put(b, values(21, batch * K * N)), beta, C);
              return one('C', get(b, C));
            },
          });
        }
      }
    }
  }
  // Layer normalization: rows narrower than a block, a transformer's width, rows wider than a
  // block (several values per thread), with and without scale and bias; backward in place of dy.
  for (const [rows, D] of [[37, 5], [100, 64], [3, 700]]) {
    for (const affine of [false, true]) {
      cases.push({
        name: `layerNorm ${rows}x${D}${affine ? ' affine' : ''}`,
        rtol: 1e-4,
        run: (b) => {
          const m = rows * D;
          const xhat = b.alloc(m), rstd = b.alloc(rows), y = put(b, new Float32Array(m).fill(NaN));
          const scale = affine ? put(b, values(41, D, 0.5, 1.5)) : null;
          b.layerNormForward(rows, D, 1e-5, put(b, values(40, m, -2, 2)), scale, affine ? put(b, values(42, D)) : null, xhat, rstd, y);
          const dx = put(b, values(43, m));
          b.layerNormBackward(rows, D, xhat, rstd, dx, scale, dx);
          return new Map([['y', get(b, y)], ['xhat', get(b, xhat)], ['rstd', get(b, rstd)], ['dx', get(b, dx)]]);
        },
      });
    }
  }
  cases.push({
    name: 'gemm K = 0',
    run: (b) => { const C = put(b, values(23, 12)); b.gemm(false, false, 3, 4, 0, 1, b.alloc(0), b.alloc(0), 0.5, C); return one('C', get(b, C)); },
  });
  for (const tA of [false, true]) {
    for (const beta of [0, 0.3]) {
      cases.push({
        name: `gemv ${tA ? 'T' : 'N'} beta ${beta}`,
        rtol: 1e-4,
        run: (b) => {
          const M = 37, N = 65;
          const y = put(b, beta === 0 ? new Float32Array(tA ? N : M).fill(NaN) : values(26, tA ? N : M));
          b.gemv(tA, M, N, 0.7, put(b, values(24, M * N)), put(b, values(25, tA ? M : N)), beta, y);
          return one('y', get(b, y));
        },
      });
    }
  }
  const binary = { add: 0, sub: 0, mul: 0, div: 0 } as const;
  for (const op of Object.keys(binary) as (keyof typeof binary)[]) {
    cases.push({
      name: op,
      run: (b) => {
        const a = put(b, values(30, n));
        const c = put(b, op === 'div' ? values(31, n, 0.5, 2) : values(31, n));
        b[op](n, a, c, a); // in place on the first input
        return one('y', get(b, a));
      },
    });
  }
  cases.push(
    { name: 'powx', run: (b) => { const y = b.alloc(n); b.powx(n, put(b, values(32, n, 0.1, 3)), 1.7, y); return one('y', get(b, y)); } },
    { name: 'exp', run: (b) => { const y = b.alloc(n); b.exp(n, put(b, values(33, n, -5, 5)), y); return one('y', get(b, y)); } },
    { name: 'log', run: (b) => { const y = b.alloc(n); b.log(n, put(b, values(34, n, 0.01, 10)), y); return one('y', get(b, y)); } },
    { name: 'abs', run: (b) => { const y = b.alloc(n); b.abs(n, put(b, values(35, n)), y); return one('y', get(b, y)); } },
    {
      name: 'sign',
      run: (b) => { const x = values(36, n); x[3] = 0; x[9] = NaN; const y = b.alloc(n); b.sign(n, put(b, x), y); return one('y', get(b, y)); },
    },
    { name: 'addScalar', run: (b) => { const y = put(b, values(37, n)); b.addScalar(n, 0.25, y); return one('y', get(b, y)); } },
  );
  // Bounds hit exactly, lo = hi, one-sided and open bounds, NaN inputs; sizes 1, 2 and n on a view.
  for (const [lo, hi] of [[-0.5, 0.5], [-Infinity, 0], [0, Infinity], [-Infinity, Infinity], [0.25, 0.25]]) {
    const x = (seed: number, m: number) => {
      const v = values(seed, m, -3, 3);
      for (let i = 0; i < m; i += 5) v[i] = [lo!, hi!, 0, NaN, 0.25][(i / 5) % 5]!;
      return v.map((e) => (Number.isFinite(e) || Number.isNaN(e) ? e : 1));
    };
    for (const m of [1, 2, n]) {
      cases.push(
        {
          name: `clamp [${lo}, ${hi}] n=${m}`,
          run: (b) => { const y = put(b, values(38, m + 2)); b.clamp(m, lo!, hi!, put(b, x(39, m)), b.view(y, 1, m)); return one('y', get(b, y)); },
        },
        {
          name: `where [${lo}, ${hi}] n=${m}`,
          run: (b) => {
            const xb = put(b, x(40, m)), a = put(b, values(41, m)), y = put(b, values(42, m + 2));
            b.where(m, lo!, hi!, xb, a, put(b, values(43, m)), b.view(y, 1, m));
            b.where(m, lo!, hi!, xb, xb, a, a);
            return new Map([['y', get(b, y)], ['a', get(b, a)]]);
          },
        },
      );
    }
  }

  cases.push(...convCases('LeNet conv1 shape', convGeom(3, 1, 12, 4, 5), 40));
  cases.push(...convCases('stride 2 pad 1', convGeom(2, 3, 9, 5, 3, { stride: 2, pad: 1 }), 41));
  cases.push(...convCases('dilation 2', convGeom(2, 2, 10, 3, 3, { dilation: 2, pad: 2 }), 42));
  cases.push(...convCases('group 2', convGeom(3, 4, 7, 6, 3, { group: 2, pad: 1 }), 43));
  cases.push(...convCases('one image, 1x1', convGeom(1, 5, 6, 7, 1), 44));

  for (const [outer, channels, inner] of [[3, 5, 7], [8, 3, 1000]]) {
    const count = outer * channels * inner;
    cases.push(
      { name: `biasForward ${outer}x${channels}x${inner}`, run: (b) => { const y = put(b, values(50, count)); b.biasForward(outer, channels, inner, put(b, values(51, channels)), y); return one('y', get(b, y)); } },
      { name: `biasBackward ${outer}x${channels}x${inner}`, rtol: 1e-4, run: (b) => { const db = put(b, values(52, channels)); b.biasBackward(outer, channels, inner, put(b, values(53, count)), db); return one('dbias', get(b, db)); } },
    );
  }

  for (const method of ['max', 'mean'] as PoolMethod[]) {
    cases.push(...poolCases('LeNet 2x2/2', poolGeom(2, 3, 8, 8, 2, 2, 0), method, 60));
    cases.push(...poolCases('3x3/2 pad 1, ceil', poolGeom(2, 2, 7, 6, 3, 2, 1), method, 61));
    cases.push(...poolCases('3x3/1', poolGeom(1, 2, 5, 5, 3, 1, 0), method, 62));
    // The CUDA kernels' grid (a row of blocks across a plane's pixels, rows of planes): more planes
    // than the emulated device's rows, so a block row takes several; a plane wider than a block;
    // a plane wider than the whole row (the emulator's 16 blocks); windows past the image.
    cases.push(...poolCases('3x3/1 pad 1, 90 planes', poolGeom(10, 9, 7, 7, 3, 1, 1), method, 63));
    cases.push(...poolCases('3x3/2 pad 1, 37x31', poolGeom(1, 2, 37, 31, 3, 2, 1), method, 64));
    cases.push(...poolCases('3x3/2, 70x70', poolGeom(1, 1, 70, 70, 3, 2, 0), method, 67));
    cases.push(...poolCases('1x1/3, windows past the image', poolGeom(2, 2, 5, 5, 1, 3, 0), method, 68));
  }

  const lrn = (num: number, channels: number, height: number, width: number, localSize: number, within: boolean): LRNGeom =>
    ({ num, channels, height, width, localSize, within, alpha: 1.5, beta: 0.75, k: 1 });
  cases.push(...lrnCases('across 5 channels', lrn(2, 7, 3, 5, 5, false), 65));
  cases.push(...lrnCases('within, 3x3', lrn(2, 3, 6, 9, 3, true), 66));
  // The CUDA kernels' launch (a thread takes a chunk of a pixel's channels in turn, 16 at most,
  // fewer for small layers: on the emulated device 16 from 65,536 elements, 1 below 8,192):
  // chunks of 16 and a last of 8, with more columns (images times chunks) than the grid has rows;
  // chunks of 5 and a last of 3; one channel a thread, more columns than rows.
  cases.push(...lrnCases('across 5 of 40 channels, 20x21', lrn(4, 40, 20, 21, 5, false), 69));
  cases.push(...lrnCases('across 5 of 23 channels, 20x23', lrn(2, 23, 20, 23, 5, false), 72));
  cases.push(...lrnCases('across 3 channels, 70 images', lrn(70, 20, 2, 2, 3, false), 71));

  const ops = Object.keys(NEURON_OP) as NeuronOp[];
  for (const op of ops) {
    cases.push(
      { name: `neuronForward ${op}`, run: (b) => { const x = put(b, values(70, n, -3, 3)); b.neuronForward(op, n, x, x, 0.1); return one('y', get(b, x)); } },
      {
        name: `neuronBackward ${op}`,
        run: (b) => {
          const y = b.alloc(n);
          b.neuronForward(op, n, put(b, values(71, n, -3, 3)), y, 0.1);
          const d = put(b, values(72, n));
          b.neuronBackward(op, n, y, d, d, 0.1);
          return one('dx', get(b, d));
        },
      },
    );
  }

  cases.push(...classCases('10 classes', { outer: 64, classes: 10, inner: 1 }, 80));
  cases.push(...classCases('5 classes x 6 positions', { outer: 3, classes: 5, inner: 6 }, 81));
  // Rows long enough for the CUDA backend's block per row: ImageNet's 1000 classes (at batch 1 and
  // 3), 64 (the smallest such row) over more rows than the emulated grid has blocks, and 300 (a
  // block's 256 threads and a part).
  cases.push(...classCases('1000 classes, one row', { outer: 1, classes: 1000, inner: 1 }, 82));
  cases.push(...classCases('1000 classes', { outer: 3, classes: 1000, inner: 1 }, 83));
  cases.push(...classCases('64 classes x 70 rows', { outer: 70, classes: 64, inner: 1 }, 84));
  cases.push(...classCases('300 classes', { outer: 2, classes: 300, inner: 1 }, 85));

  cases.push(
    {
      name: 'gather rows, scaled, from a source kept on the backend',
      run: (b) => {
        const src = b.fromHost(values(96, 7 * 13));
        const index = put(b, Float32Array.from([6, 0, 3, 3, 1]));
        const dst = b.alloc(5 * 13);
        b.gather(5, 13, src, index, 0.5, dst);
        return new Map([['dst', get(b, dst)]]);
      },
    },
    {
      name: 'scatterAdd rows, scaled, repeated indices adding up',
      run: (b) => {
        const dst = put(b, values(97, 7 * 13));
        const index = put(b, Float32Array.from([6, 0, 3, 3, 1, 3]));
        b.scatterAdd(6, 13, put(b, values(98, 6 * 13)), index, 0.5, dst);
        return new Map([['dst', get(b, dst)]]);
      },
    },
    {
      name: 'dropout forward and backward',
      run: (b) => {
        const rand = put(b, values(90, n, 0, 1));
        const y = b.alloc(n), dx = b.alloc(n);
        b.dropoutForward(n, put(b, values(91, n)), rand, 0.3, 1 / 0.7, y);
        b.dropoutBackward(n, put(b, values(92, n)), rand, 0.3, 1 / 0.7, dx);
        return new Map([['y', get(b, y)], ['dx', get(b, dx)]]);
      },
    },
  );
  for (const [label, g] of [['10 classes', { outer: 37, classes: 10, inner: 1 }], ['1 class', { outer: 5, classes: 1, inner: 1 }]] as const) {
    for (const labels of ['index', 'sign'] as const) {
      for (const norm of ['L1', 'L2'] as const) {
        cases.push({
          name: `hingeLoss ${labels} ${norm} ${label}`,
          run: (b) => {
            const count = g.outer * g.classes;
            const x = values(120, count, -2, 2);
            x[3] = 1; // exactly on the margin for a -1 label or a non-labelled class
            const lab = labels === 'sign'
              ? Float32Array.from(values(121, count), (v) => (v < 0 ? -1 : 1))
              : labelsFor(122, g, null);
            const loss = b.alloc(1), dx = put(b, values(123, count));
            b.hingeLossForward(g, put(b, x), put(b, lab), labels, norm, loss);
            b.hingeLossBackward(g, put(b, x), put(b, lab), labels, norm, 0.6, dx);
            return new Map([['loss', get(b, loss)], ['dx', get(b, dx)]]);
          },
        });
      }
    }
  }
  // 0.1 is not a float32: the prediction fround(0.1) lies above it.
  for (const [count, th] of [[n, 0], [n, 0.5], [n, 0.1], [0, 0]] as const) {
    cases.push({
      name: `binaryAccuracy of ${count} at threshold ${th}`,
      run: (b) => {
        const pred = values(124, n, -1, 2), label = values(125, n, -1, 2);
        pred[5] = th; // on the threshold: above it only when th is not a float32
        const out = put(b, [NaN]);
        b.binaryAccuracy(count, put(b, pred), put(b, label), th, out);
        return one('accuracy', get(b, out));
      },
    });
  }
  for (const [size, key] of [[n, 0], [n, 0xdeadbeef], [1, 7]] as const) {
    cases.push({
      name: `randomUniform and randomNormal, ${size} values, key ${key}`,
      run: (b) => {
        const u = put(b, new Float32Array(size + 2).fill(-1)), z = put(b, new Float32Array(size + 2).fill(-1));
        b.randomUniform(size, key, b.view(u, 1, size));
        b.randomNormal(size, key, b.view(z, 1, size));
        return new Map([['uniform', get(b, u)], ['normal', get(b, z)]]);
      },
      rtol: 1e-5,
    });
  }
  for (const reg of ['L2', 'L1'] as const) {
    cases.push({
      name: `sgdUpdate ${reg}`,
      run: (b) => {
        const w = put(b, values(93, n)), diff = put(b, values(94, n)), hist = put(b, values(95, n));
        b.sgdUpdate(n, w, diff, hist, 0.01, 0.9, 0.0005, reg);
        b.sgdUpdate(n, w, diff, hist, 0.01, 0.9, 0.0005, reg);
        return new Map([['w', get(b, w)], ['hist', get(b, hist)], ['diff', get(b, diff)]]);
      },
    });
  }
  for (const [label, g, k] of [['top-1 of 9 classes', { outer: 37, classes: 9, inner: 1 }, 1], ['top-3 of 5 classes x 7 positions', { outer: 4, classes: 5, inner: 7 }, 3]] as const) {
    cases.push({
      name: `topK ${label}`,
      run: (b) => {
        const count = g.outer * g.classes * g.inner;
        const x = values(99, count);
        for (let i = 0; i < count; i += 5) x[i] = 0.25; // ties, which go to the lower class
        const indices = b.alloc(g.outer * k * g.inner), vals = b.alloc(g.outer * k * g.inner);
        b.topK(g, k, put(b, x), indices, vals);
        return new Map([['indices', get(b, indices)], ['values', get(b, vals)]]);
      },
    });
  }
  for (const accumulate of [false, true]) {
    cases.push({
      name: `copy2d ${accumulate ? 'accumulating' : 'overwriting'}, rows of 13 from stride 29 into stride 17 at an offset`,
      run: (b) => {
        const dst = put(b, values(101, 11 * 17 + 5));
        b.copy2d(11, 13, b.view(put(b, values(100, 11 * 29)), 3, 10 * 29 + 13), 29, b.view(dst, 5, 11 * 17), 17, accumulate);
        return one('dst', get(b, dst));
      },
    });
  }
  return cases;
}

export interface Comparison {
  name: string;
  /** Largest |actual - expected| / (|expected| + 1% of max |expected|) over every result. */
  maxRelError: number;
  ok: boolean;
  detail?: string;
}

/** Runs each case on `backend` and on `reference`; one row per case. */
export function compareMethods(backend: Backend, reference: Backend, cases = methodCases()): Comparison[] {
  const rows: Comparison[] = [];
  for (const c of cases) {
    const rtol = c.rtol ?? 2e-5;
    let actual: Results, expected: Results;
    try {
      expected = c.run(reference);
      actual = c.run(backend);
    } catch (e) {
      rows.push({ name: c.name, maxRelError: NaN, ok: false, detail: `threw: ${(e as Error).message}` });
      continue;
    }
    let worst = 0;
    let detail: string | undefined;
    for (const [key, e] of expected) {
      const a = actual.get(key);
      if (!a || a.length !== e.length) {
        detail ??= `${key}: ${a ? a.length : 'no'} values, expected ${e.length}`;
        worst = Infinity;
        continue;
      }
      let scale = 0;
      for (const v of e) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < e.length; i++) {
        if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
        const err = Math.abs(a[i] - e[i]) / (Math.abs(e[i]) + 0.01 * scale + 1e-30);
        if (!(err <= worst)) {
          worst = Number.isNaN(err) ? Infinity : err;
          if (!(err <= rtol)) detail = `${key}[${i}]: ${a[i]}, expected ${e[i]}`;
        }
      }
    }
    rows.push({ name: c.name, maxRelError: worst, ok: worst <= rtol, detail: worst <= rtol ? undefined : detail });
  }
  return rows;
}
