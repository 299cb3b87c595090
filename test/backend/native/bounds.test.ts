/**
 * Writes stay inside their buffers. Every kernel family that ends a run or a row with a partial
 * vector (storep, or masked stores) writes its output into a view with guard values on both sides,
 * at sizes around each build's vector width (4, 8 and 16 floats): the guards must come back
 * unchanged and the values inside must match JsBackend('float32'). A kernel that stored a whole
 * vector at a row's end would pass the other tests whenever the next row overwrote the spill.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, Buf, ConvGeom, LRNGeom, PoolGeom } from '../../../src/backend/backend.js';
import { assertClose, buf, convGeom, pair, poolGeom, read, skipReason, values } from './util.js';

/** Guard floats on each side: at least the widest vector (AVX-512's 16). */
const GUARD = 16;
const SENTINEL = -12345.5;

/** Lengths around 4, 8 and 16 and their multiples, plus longer runs with every remainder. */
const LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 31, 32, 33, 47, 63, 65, 100, 1003];

interface Guarded {
  whole: Buf;
  /** The n floats between the guards. */
  out: Buf;
}

/** A view of n floats between guards, holding `init` (or SENTINEL everywhere). */
function guarded(b: Backend, n: number, init?: ArrayLike<number>): Guarded {
  const whole = b.alloc(n + 2 * GUARD);
  b.set(n + 2 * GUARD, SENTINEL, whole);
  if (init) b.upload(whole, init, GUARD);
  return { whole, out: b.view(whole, GUARD, n) };
}

/** The values between the guards, after checking that the guards are untouched. */
function inside(b: Backend, g: Guarded, what: string): Float32Array {
  const all = read(b, g.whole);
  const n = all.length - 2 * GUARD;
  for (let i = 0; i < GUARD; i++) {
    if (all[i] !== SENTINEL) assert.fail(`${what}: wrote ${all[i]} at ${i - GUARD} (before the output)`);
    if (all[GUARD + n + i] !== SENTINEL) assert.fail(`${what}: wrote ${all[GUARD + n + i]} at ${n + i} (past the output of ${n})`);
  }
  return all.subarray(GUARD, GUARD + n);
}

/** Runs `fn` on each backend with guarded outputs and compares what each wrote inside them. */
function compare(what: string, sizes: number[], inits: (ArrayLike<number> | undefined)[],
  fn: (b: Backend, outs: Buf[]) => void, rtol = 1e-5, atol = 1e-6): void {
  const { native, js } = pair();
  const results = [native, js].map((b) => {
    const gs = sizes.map((n, i) => guarded(b, n, inits[i]));
    fn(b, gs.map((g) => g.out));
    return gs.map((g, i) => inside(b, g, `${what}, output ${i}`));
  });
  results[0].forEach((got, i) => assertClose(got, results[1][i], `${what}, output ${i}`, rtol, atol));
}

test('native elementwise kernels write only their n elements', (t) => {
  if (skipReason) return t.skip(skipReason);
  // backend.test.ts runs this file under each instruction set and reads this line back.
  t.diagnostic(`kernels under test: ${(pair().native as { info?: { isa: string } }).info?.isa ?? 'wasm'}`);
  for (const n of LENGTHS) {
    const X = values(n, n), Y = values(n, n + 1), P = values(n, n + 2, 0.1, 2), R = values(n, n + 3, 0, 1);
    compare(`set n=${n}`, [n], [undefined], (b, [y]) => b.set(n, 0.25, y));
    compare(`copy n=${n}`, [n], [undefined], (b, [y]) => b.copy(n, buf(b, X), y));
    compare(`scal n=${n}`, [n], [X], (b, [y]) => b.scal(n, -3, y));
    compare(`axpy n=${n}`, [n], [Y], (b, [y]) => b.axpy(n, 0.5, buf(b, X), y));
    compare(`axpby n=${n}`, [n], [Y], (b, [y]) => b.axpby(n, 0.5, buf(b, X), 2, y));
    compare(`add n=${n}`, [n], [undefined], (b, [y]) => b.add(n, buf(b, X), buf(b, Y), y));
    compare(`mul n=${n}`, [n], [undefined], (b, [y]) => b.mul(n, buf(b, X), buf(b, Y), y));
    compare(`div n=${n}`, [n], [undefined], (b, [y]) => b.div(n, buf(b, X), buf(b, P), y));
    compare(`powx n=${n}`, [n], [undefined], (b, [y]) => b.powx(n, buf(b, P), 0.75, y));
    compare(`exp n=${n}`, [n], [undefined], (b, [y]) => b.exp(n, buf(b, X), y));
    compare(`addScalar n=${n}`, [n], [X], (b, [y]) => b.addScalar(n, 1.5, y));
    compare(`clamp n=${n}`, [n], [undefined], (b, [y]) => b.clamp(n, -0.5, 0.5, buf(b, X), y));
    for (const op of ['relu', 'sigmoid', 'tanh', 'erf', 'gelu', 'geluTanh'] as const) {
      compare(`${op} forward n=${n}`, [n], [undefined], (b, [y]) => b.neuronForward(op, n, buf(b, X), y, 0));
      compare(`${op} backward n=${n}`, [n], [undefined], (b, [dx]) => b.neuronBackward(op, n, buf(b, P), buf(b, Y), dx, 0));
    }
    compare(`dropout forward n=${n}`, [n], [undefined], (b, [y]) => b.dropoutForward(n, buf(b, X), buf(b, R), 0.3, 1 / 0.7, y));
    compare(`sgdUpdate n=${n}`, [n, n], [X, Y], (b, [w, hist]) => b.sgdUpdate(n, w, buf(b, P), hist, 0.01, 0.9, 5e-4, 'L2'));
  }
});

test('native gemm and gemv write only C, at every width of a partial register tile', (t) => {
  if (skipReason) return t.skip(skipReason);
  let seed = 7000;
  for (const M of [1, 3, 7, 15]) {
    for (const N of [1, 3, 5, 8, 13, 16, 17, 31, 33, 47]) {
      for (const K of [5, 300]) {
        for (const [ta, tb] of [[false, false], [true, true]]) {
          const A = values(M * K, ++seed), B = values(K * N, ++seed), C = values(M * N, ++seed);
          compare(`gemm ${M}x${N}x${K} ${ta} ${tb}`, [M * N], [C],
            (b, [c]) => b.gemm(ta, tb, M, N, K, 0.5, buf(b, A), buf(b, B), 1, c), 1e-4, 1e-5);
          compare(`gemm ${M}x${N}x${K} ${ta} ${tb}, beta 0`, [M * N], [undefined],
            (b, [c]) => b.gemm(ta, tb, M, N, K, 1, buf(b, A), buf(b, B), 0, c), 1e-4, 1e-5);
        }
      }
    }
    for (const N of [1, 9, 17, 300]) {
      const A = values(M * N, ++seed), x = values(N, ++seed), y = values(M, ++seed);
      compare(`gemv ${M}x${N}`, [M], [y], (b, [out]) => b.gemv(false, M, N, 1, buf(b, A), buf(b, x), 0.5, out), 1e-4, 1e-5);
    }
  }
});

function pool(height: number, width: number, k: number, s: number, pad: number): PoolGeom {
  return poolGeom({ num: 2, channels: 3, height, width, kernelH: k, kernelW: k, strideH: s, strideW: s, padH: pad, padW: pad });
}

test('native pooling writes only its top, mask and bottom gradient', (t) => {
  if (skipReason) return t.skip(skipReason);
  const geoms: PoolGeom[] = [];
  for (const w of [2, 4, 6, 8, 10, 16, 18, 24, 34, 40, 66]) geoms.push(pool(6, w, 2, 2, 0), pool(8, w, 2, 2, 0));
  for (const w of [5, 9, 17, 33]) geoms.push(pool(7, w, 3, 2, 1), pool(5, w, 3, 1, 1), pool(6, w, 3, 2, 0));
  let seed = 8000;
  for (const g of geoms) {
    const name = `${g.kernelH}x${g.kernelW} stride ${g.strideH} pad ${g.padH} on ${g.height}x${g.width}`;
    const nIn = g.num * g.channels * g.height * g.width, nOut = g.num * g.channels * g.outH * g.outW;
    const X = values(nIn, ++seed), DY = values(nOut, ++seed);
    for (const method of ['max', 'mean'] as const) {
      compare(`${method} pool ${name} forward`, [nOut, nOut], [undefined, undefined], (b, [y, mask]) => b.poolForward(g, method, buf(b, X), y, mask));
      compare(`${method} pool ${name} backward`, [nIn], [undefined], (b, [dx]) => {
        const y = b.alloc(nOut), mask = b.alloc(nOut);
        b.poolForward(g, method, buf(b, X), y, mask);
        b.poolBackward(g, method, buf(b, DY), mask, dx);
      });
    }
  }
});

test('native softmax, bias and LRN write only their outputs', (t) => {
  if (skipReason) return t.skip(skipReason);
  let seed = 9000;
  for (const classes of [1, 3, 8, 9, 17, 33]) {
    for (const inner of [1, 5, 19]) {
      const g = { outer: 2, classes, inner }, n = 2 * classes * inner;
      const X = values(n, ++seed, -4, 4), DY = values(n, ++seed);
      compare(`softmax ${classes} classes, inner ${inner}`, [n], [undefined], (b, [y]) => b.softmaxForward(g, buf(b, X), y));
      compare(`softmax backward ${classes} classes, inner ${inner}`, [n], [undefined], (b, [dx]) => {
        const y = b.alloc(n);
        b.softmaxForward(g, buf(b, X), y);
        b.softmaxBackward(g, y, buf(b, DY), dx);
      });
      compare(`biasForward ${classes} channels, inner ${inner}`, [n], [X], (b, [y]) => b.biasForward(2, classes, inner, buf(b, DY.subarray(0, classes)), y));
      compare(`biasBackward ${classes} channels, inner ${inner}`, [classes], [DY.subarray(0, classes)], (b, [db]) => b.biasBackward(2, classes, inner, buf(b, X), db));
    }
  }
  for (const width of [3, 8, 9, 17, 37]) {
    for (const within of [true, false]) {
      const g: LRNGeom = { num: 2, channels: 6, height: 3, width, localSize: within ? 3 : 5, within, alpha: 1.5, beta: 0.75, k: 1 };
      const n = 2 * 6 * 3 * width, X = values(n, ++seed, -3, 3), DY = values(n, ++seed);
      compare(`LRN ${within ? 'within' : 'across'} width ${width}`, [n, n, n], [undefined, undefined, undefined], (b, [scale, y, dx]) => {
        const x = buf(b, X), work = b.alloc(n);
        b.lrnForward(g, x, scale, y, work);
        b.lrnBackward(g, x, y, scale, buf(b, DY), dx, work);
      }, 1e-4, 1e-5);
    }
  }
});

test('native convolution writes only its top, bottom gradient and filter gradient', (t) => {
  if (skipReason) return t.skip(skipReason);
  const geoms: ConvGeom[] = [];
  for (const width of [5, 9, 12, 17, 28]) {
    geoms.push(convGeom({ num: 2, channels: 1, height: 8, width, numOutput: 5, kernelH: 5, kernelW: 5 }));  // LeNet conv1-like (direct filter path)
    geoms.push(convGeom({ num: 2, channels: 3, height: 7, width, numOutput: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1 }));
    geoms.push(convGeom({ num: 2, channels: 4, height: 9, width, numOutput: 7, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }));
    geoms.push(convGeom({ num: 1, channels: 32, height: 12, width: width + 4, numOutput: 24, kernelH: 3, kernelW: 3, padH: 1, padW: 1 }));  // Winograd-sized
    geoms.push(convGeom({ num: 1, channels: 32, height: 12, width: width + 4, numOutput: 20, kernelH: 5, kernelW: 5, padH: 2, padW: 2 }));
  }
  let seed = 10000;
  for (const g of geoms) {
    const name = `conv ${g.channels}->${g.numOutput} ${g.kernelH}x${g.kernelW} stride ${g.strideH} pad ${g.padH} on ${g.height}x${g.width}`;
    const nx = g.num * g.channels * g.height * g.width, ny = g.num * g.numOutput * g.outH * g.outW;
    const nw = g.numOutput * g.channels * g.kernelH * g.kernelW;
    const X = values(nx, ++seed), Wt = values(nw, ++seed), DY = values(ny, ++seed), DW = values(nw, ++seed);
    const ws = (b: Backend) => b.alloc(Math.max(1, b.convWorkspaceSize(g)));
    // Winograd's sums (the 32-channel layers) differ from the reference's by up to 1e-4 of the
    // largest output (winograd.test.ts): here the guards are the check, the values a coarse one.
    const [rtol, atol] = [1e-3, 5e-3];
    compare(`${name} forward`, [ny], [undefined], (b, [y]) => b.convForward(g, buf(b, X), buf(b, Wt), y, ws(b)), rtol, atol);
    compare(`${name} backward data`, [nx], [undefined], (b, [dx]) => b.convBackwardData(g, buf(b, DY), buf(b, Wt), dx, ws(b)), rtol, atol);
    compare(`${name} backward filter`, [nw], [DW], (b, [dw]) => b.convBackwardFilter(g, buf(b, X), buf(b, DY), dw, ws(b)), rtol, atol);
  }
});
