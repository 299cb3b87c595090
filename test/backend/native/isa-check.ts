/**
 * Run by backend.test.ts in a child process with CORTADO_NATIVE_ISA (and CORTADO_NUM_THREADS) set:
 * compares a cross-section of native kernels with JsBackend('float32') under the chosen instruction
 * set, throws on the first disagreement, and prints {"isa", "threads", "checks"} as JSON.
 */
import type { ConvGeom } from '../../../src/backend/backend.js';
import { assertClose, buf, pair, read, skipReason, values } from './util.js';

// The test runner may load this file as a test of its own: without the variable it does nothing.
if (process.env.CORTADO_NATIVE_ISA && !skipReason) main();

function main(): void {
  const { native, js } = pair();
  type B = typeof native | typeof js;
  let checks = 0;

  function check(what: string, run: (b: B) => Float32Array, rtol = 1e-4, atol = 1e-5): void {
    assertClose(run(native), run(js), `${native.info.isa} ${what}`, rtol, atol);
    checks++;
  }

  for (const [M, N, K] of [[1, 1, 1], [7, 19, 5], [29, 65, 300], [64, 500, 800]]) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const A = values(M * K, M), Bm = values(K * N, N), C = values(M * N, K);
      check(`gemm ${M}x${N}x${K} ${ta} ${tb}`, (b) => {
        const c = buf(b, C);
        b.gemm(ta, tb, M, N, K, 0.5, buf(b, A), buf(b, Bm), 1, c);
        return read(b, c);
      });
    }
  }

  const convs: [string, ConvGeom][] = [
    ['conv strided', { num: 3, channels: 4, height: 9, width: 8, numOutput: 15, group: 1, kernelH: 3, kernelW: 3,
      strideH: 1, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1, outH: 9, outW: 4 }],
    ['conv planned', { num: 3, channels: 4, height: 9, width: 19, numOutput: 15, group: 1, kernelH: 3, kernelW: 2,
      strideH: 2, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 2, outH: 5, outW: 19 }],
  ];
  for (const [name, g] of convs) {
    const nx = g.num * g.channels * g.height * g.width, nw = g.numOutput * g.channels * g.kernelH * g.kernelW;
    const ny = g.num * g.numOutput * g.outH * g.outW;
    const X = values(nx, 1), Wt = values(nw, 2), DY = values(ny, 3);
    const ws = (b: B) => b.alloc(b.convWorkspaceSize(g));
    check(`${name} forward`, (b) => { const y = b.alloc(ny); b.convForward(g, buf(b, X), buf(b, Wt), y, ws(b)); return read(b, y); });
    check(`${name} backward data`, (b) => { const dx = b.alloc(nx); b.convBackwardData(g, buf(b, DY), buf(b, Wt), dx, ws(b)); return read(b, dx); });
    check(`${name} backward filter`, (b) => { const dw = b.alloc(nw); b.convBackwardFilter(g, buf(b, X), buf(b, DY), dw, ws(b)); return read(b, dw); });
  }

  for (const n of [1, 13, 40001]) {
    const A = values(n, n, -5, 5), D = values(n, n + 1);
    check(`axpby ${n}`, (b) => { const y = buf(b, D); b.axpby(n, 0.5, buf(b, A), 0.25, y); return read(b, y); });
    check(`exp ${n}`, (b) => { const y = b.alloc(n); b.exp(n, buf(b, A), y); return read(b, y); }, 2e-6, 0);
    for (const op of ['relu', 'sigmoid', 'tanh', 'erf', 'gelu', 'geluTanh'] as const) {
      check(`${op} ${n}`, (b) => { const y = b.alloc(n); b.neuronForward(op, n, buf(b, A), y, 0); return read(b, y); }, 4e-6, 1e-7);
    }
    check(`sgd ${n}`, (b) => { const w = buf(b, A); b.sgdUpdate(n, w, buf(b, D), buf(b, D), 0.1, 0.9, 0.01, 'L2'); return read(b, w); });
    check(`dot ${n}`, (b) => Float32Array.of(b.dot(n, buf(b, A), buf(b, D))), 1e-4, 1e-4);
  }

  const cg = { outer: 5, classes: 11, inner: 3 };
  const S = values(165, 9, -4, 4);
  check('softmax', (b) => { const y = b.alloc(165); b.softmaxForward(cg, buf(b, S), y); return read(b, y); }, 1e-5, 1e-7);
  // a row of 37 classes: whole vectors and a tail on every instruction set; inner 3: part of a vector of positions
  for (const g of [cg, { outer: 4, classes: 37, inner: 1 }]) {
    const n = g.outer * g.classes * g.inner, X = values(n, 13, -40, 40), DY = values(n, 14);
    check(`log-softmax ${g.classes}x${g.inner} forward and backward`, (b) => {
      const y = b.alloc(n), dx = b.alloc(n);
      b.logSoftmaxForward(g, buf(b, X), y);
      b.logSoftmaxBackward(g, y, buf(b, DY), dx);
      return Float32Array.from([...read(b, y), ...read(b, dx)]);
    }, 1e-5, 1e-5);
  }
  const pg = { num: 2, channels: 3, height: 9, width: 7, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, outH: 5, outW: 4 };
  const P = values(2 * 3 * 9 * 7, 10);
  check('max pool', (b) => { const y = b.alloc(120); b.poolForward(pg, 'max', buf(b, P), y, b.alloc(120)); return read(b, y); });
  check('mean pool', (b) => { const y = b.alloc(120); b.poolForward(pg, 'mean', buf(b, P), y, b.alloc(120)); return read(b, y); });
  const p2 = { num: 2, channels: 3, height: 6, width: 42, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, outH: 3, outW: 21 };
  const X2 = values(2 * 3 * 6 * 42, 11), D2 = values(2 * 3 * 3 * 21, 12);
  check('2x2 max pool forward and backward', (b) => {
    const y = b.alloc(378), mask = b.alloc(378), dx = b.alloc(1512);
    b.poolForward(p2, 'max', buf(b, X2), y, mask);
    b.poolBackward(p2, 'max', buf(b, D2), mask, dx);
    return Float32Array.of(...read(b, y), ...read(b, mask), ...read(b, dx));
  });

  process.stdout.write(JSON.stringify({ isa: native.info.isa, threads: native.info.threads, checks }));
}
