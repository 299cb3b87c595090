/**
 * Shared by the native backend tests: the backend pair (or why there is none), seeded inputs and
 * a closeness check against JsBackend('float32').
 *
 * With CORTADO_CPU_UNDER_TEST=wasm in the environment, `pair().native` is a WasmBackend instead
 * (=wasm-threads: a two-thread WasmBackend whose worker has started): test/backend/wasm/kernels.test.ts
 * runs the method tests (blas, conv, kernels) that way, so every build of the C++ kernels answers
 * the same cases.
 */
import assert from 'node:assert/strict';
import type { Backend, Buf, ConvGeom, PoolGeom } from '../../../src/backend/backend.js';
import { pooledSize } from '../../../src/layers/pooling.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { NativeBackend } from '../../../src/node/backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError } from '../../../src/node/backend/native/load.js';
import { WasmBackend } from '../../../src/backend/wasm/wasm-backend.js';
import { loadWasmSync, wasmLoadError } from '../../../src/node/wasm.js';
import { Random } from '../../../src/core/random.js';

/** Why the native tests cannot run here (shown by t.skip), or null when the addon is built. */
const under = process.env.CORTADO_CPU_UNDER_TEST;
const wasm = under === 'wasm' || under === 'wasm-threads';

/** Why the tests cannot run here (shown by t.skip), or null when the backend under test loads. */
export const skipReason: string | null = wasm
  ? loadWasmSync() ? null : `cortado.wasm cannot load: ${wasmLoadError()}`
  : loadNativeAddon() ? null : `native addon not built: ${nativeLoadError()}`;

export interface Pair {
  /** The backend under test: NativeBackend, or WasmBackend (see the top of this file). */
  native: NativeBackend;
  js: JsBackend;
}

export function pair(): Pair {
  // A WasmBackend has the same methods; only backend.test.ts (never run for wasm) uses info.
  const native = wasm ? wasmBackend() as unknown as NativeBackend : new NativeBackend('float32');
  return { native, js: new JsBackend('float32') };
}

function wasmBackend(): WasmBackend {
  const b = new WasmBackend('float32', { memoryMiB: 128, threads: under === 'wasm' ? 1 : 2 });
  // The build asked for (test/backend/wasm/kernels.test.ts runs both) is the one under test.
  if (process.env.CORTADO_WASM_SIMD) assert.equal(b.simd, process.env.CORTADO_WASM_SIMD, 'the wasm build under test');
  if (under === 'wasm') return b;
  assert.equal(b.threads, 2, b.threadsNote ?? '');
  // Tests run synchronously: wait here (Atomics.wait may block Node's main thread) until the worker runs.
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let ms = 0; b.threadStats().started < 1; ms++) {
    assert.ok(ms < 30_000, 'the wasm worker did not start within 30 s');
    Atomics.wait(nap, 0, 0, 1);
  }
  return b;
}

/** n values uniform in [lo, hi), the same for a given seed. */
export function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Random(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r.uniform();
  return out;
}

/** A buffer of `b` holding a copy of `v`. */
export function buf(b: Backend, v: ArrayLike<number>): Buf {
  const x = b.alloc(v.length);
  b.upload(x, v);
  return x;
}

export function read(b: Backend, x: Buf): Float32Array {
  return Float32Array.from(b.download(x));
}

/** Every |actual - expected| <= atol + rtol |expected|; the message names the first offender. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string,
  rtol = 1e-4, atol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** A full geometry from the fields that differ from 1 x 1, stride 1, no padding, group 1. */
export function convGeom(p: Partial<ConvGeom> & Pick<ConvGeom, 'num' | 'channels' | 'height' | 'width' | 'numOutput'>): ConvGeom {
  const g = {
    group: 1, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
    outH: 0, outW: 0, ...p,
  };
  g.outH = Math.floor((g.height + 2 * g.padH - (g.dilationH * (g.kernelH - 1) + 1)) / g.strideH) + 1;
  g.outW = Math.floor((g.width + 2 * g.padW - (g.dilationW * (g.kernelW - 1) + 1)) / g.strideW) + 1;
  return g;
}

/** A pooling geometry with Caffe's output size (the Pooling layer's pooledSize); strides 1 and no padding unless given. */
export function poolGeom(p: Partial<PoolGeom> & Pick<PoolGeom, 'num' | 'channels' | 'height' | 'width' | 'kernelH' | 'kernelW'>): PoolGeom {
  const g = { strideH: 1, strideW: 1, padH: 0, padW: 0, ...p };
  return { ...g, outH: pooledSize(g.height, g.kernelH, g.strideH, g.padH), outW: pooledSize(g.width, g.kernelW, g.strideW, g.padW) };
}
