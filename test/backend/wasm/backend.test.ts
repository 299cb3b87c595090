/**
 * The WasmBackend as a whole: created by name, buffers on its own wasm memory (zero-filled even
 * when a freed block is reused), a clear error when the memory is full, buffers from elsewhere
 * still computed (by the TypeScript kernels), float64 going to the TypeScript kernels, and
 * 'auto' falling back to wasm when the native addon cannot load, and the choice between the
 * SIMD128 and relaxed SIMD builds (wasmFileName, CORTADO_WASM_SIMD, backend.simd).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { WasmBackend, wasmBackend } from '../../../src/backend/wasm/wasm-backend.js';
import { createBackend } from '../../../src/node/backends.js';
import { loadWasmSync, relaxedSimdNodeFlags, wasmLoadError } from '../../../src/node/wasm.js';
import { defaultWasmThreadsUrl, defaultWasmUrl, relaxedSimdSupported, WASM_SIMDS, wasmFileName, wasmFileNames } from '../../../src/backend/wasm/module.js';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { BackendError } from '../../../src/core/errors.js';

const skip = loadWasmSync() ? null : `cortado.wasm cannot load: ${wasmLoadError()}`;

test('createBackend(\'wasm\') makes a float32 backend named wasm whose buffers share one memory', (t) => {
  if (skip) return t.skip(skip);
  const b = createBackend('wasm', 'float32', { memoryMiB: 8 });
  assert.equal(b.name, 'wasm');
  const x = b.alloc(10) as Float32Array, y = b.alloc(3) as Float32Array;
  assert.equal(x.buffer, y.buffer);
  assert.equal(x.buffer.byteLength, 8 * 2 ** 20);
  assert.equal(x.byteOffset % 64, 0, '64-byte aligned');
});

test('a freed block is reused and comes back zero-filled', (t) => {
  if (skip) return t.skip(skip);
  const b = new WasmBackend('float32', { memoryMiB: 4 });
  const x = b.alloc(1000) as Float32Array;
  x.fill(7);
  b.free(x);
  const y = b.alloc(900) as Float32Array;
  assert.equal(y.byteOffset, x.byteOffset);
  assert.ok(y.every((v) => v === 0));
});

test('when the memory is full, alloc says so and names memoryMiB; freeing makes room again', (t) => {
  if (skip) return t.skip(skip);
  const b = new WasmBackend('float32', { memoryMiB: 4 });
  const big = b.alloc(600_000);
  assert.throws(() => b.alloc(600_000), (e: unknown) => e instanceof BackendError && /larger memoryMiB/.test(e.message));
  b.free(big);
  assert.equal(b.alloc(600_000).length, 600_000);
  assert.throws(() => new WasmBackend('float32', { memoryMiB: 0 }), BackendError);
});

test('buffers not on the wasm memory are computed by the TypeScript kernels', (t) => {
  if (skip) return t.skip(skip);
  const b = new WasmBackend('float32', { memoryMiB: 4 });
  const A = Float32Array.from([1, 2, 3, 4]), B = b.fromHost(Float32Array.from([5, 6, 7, 8])), C = b.alloc(4);
  b.gemm(false, false, 2, 2, 2, 1, A, B, 0, C);
  assert.deepEqual([...b.download(C)], [19, 22, 43, 50]);
});

test('short buffers are rejected before a kernel touches the memory', (t) => {
  if (skip) return t.skip(skip);
  const b = new WasmBackend('float32', { memoryMiB: 4 });
  const short = b.alloc(5);
  assert.throws(() => b.gemm(false, false, 2, 3, 4, 1, b.alloc(8), b.alloc(12), 0, short),
    (e: unknown) => e instanceof BackendError && e.message === 'wasm backend gemm: argument C has 5 elements, needs at least 6');
  assert.throws(() => b.set(-1, 0, short), BackendError);
});

test('a float64 wasm backend computes in float64 through the TypeScript kernels', (t) => {
  if (skip) return t.skip(skip);
  const b = wasmBackend('float64');
  assert.equal(b.name, 'wasm');
  assert.throws(() => new WasmBackend('float64' as 'float32'),
    (e: unknown) => e instanceof BackendError && /float32, not float64; wasmBackend\('float64'\)/.test(e.message));
  assert.throws(() => wasmBackend('float64', { memoryMiB: 0 }), BackendError);
  const x = b.fromHost(Float64Array.from([1 + 1e-12, 2]));
  b.scal(2, 3, x);
  assert.equal(b.download(x)[0], 3 * (1 + 1e-12));
});

test('\'auto\' uses the wasm backend when the native addon cannot load', (t) => {
  if (skip) return t.skip(skip);
  const backends = new URL('../../../src/node/backends.js', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `const { createBackend } = await import(${JSON.stringify(backends)}); console.log(createBackend('auto').name);`],
  { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CORTADO_NO_CUDA: '1', CORTADO_NO_NATIVE: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'wasm');
  assert.match(r.stderr, /using the WebAssembly backend/);
});

test('the browser-safe loader compiles the module from bytes, with no Node loader involved', (t) => {
  if (skip) return t.skip(skip);
  // A fresh process, so the module cache is empty; the bytes stand in for a fetch.
  const dir = new URL('../../../src/backend/wasm/', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const { loadWasmModule, defaultWasmUrl } = await import('${dir}module.js');
    const { WasmBackend } = await import('${dir}wasm-backend.js');
    const { readFileSync } = await import('node:fs');
    let why = '';
    try { new WasmBackend(); } catch (e) { why = e.message; }
    await loadWasmModule(readFileSync(defaultWasmUrl()));
    const b = new WasmBackend('float32', { memoryMiB: 2 });
    const x = b.fromHost(Float32Array.from([3, 4])), y = b.alloc(2);
    b.copy(2, x, y);
    console.log(JSON.stringify({ why, dot: b.dot(2, y, y) }));`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { why: string; dot: number };
  assert.match(out.why, /cortado.wasm is not loaded/);
  assert.equal(out.dot, 25);
});

test('wasmFileName names the four builds, and by default the one this engine runs best', () => {
  assert.equal(wasmFileName(false, 'simd128'), 'cortado.wasm');
  assert.equal(wasmFileName(true, 'simd128'), 'cortado-threads.wasm');
  assert.equal(wasmFileName(false, 'relaxed-simd'), 'cortado-relaxed.wasm');
  assert.equal(wasmFileName(true, 'relaxed-simd'), 'cortado-threads-relaxed.wasm');
  assert.equal(wasmFileName(), relaxedSimdSupported() ? 'cortado-relaxed.wasm' : 'cortado.wasm');
  assert.deepEqual(wasmFileNames(), ['cortado.wasm', 'cortado-relaxed.wasm', 'cortado-threads.wasm', 'cortado-threads-relaxed.wasm']);
  for (const simd of WASM_SIMDS) {
    assert.ok(existsSync(defaultWasmUrl(simd)), `${defaultWasmUrl(simd).href} is shipped`);
    assert.ok(existsSync(defaultWasmThreadsUrl(simd)), `${defaultWasmThreadsUrl(simd).href} is shipped`);
    assert.equal(basename(defaultWasmUrl(simd).pathname), wasmFileName(false, simd));
    assert.equal(basename(defaultWasmThreadsUrl(simd).pathname), wasmFileName(true, simd));
  }
});

/** `backend.simd` (or the error) of a one-thread and a two-thread wasm backend made in a fresh node with `flags` and `env`. */
function simdInChild(flags: string[], env: NodeJS.ProcessEnv): { status: number | null; out: string; err: string } {
  const backends = new URL('../../../src/node/backends.js', import.meta.url).href;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', `
    const { createBackend } = await import(${JSON.stringify(backends)});
    const one = createBackend('wasm', 'float32', { memoryMiB: 8 });
    const two = createBackend('wasm', 'float32', { memoryMiB: 8, threads: 2 });
    await two.ready();
    console.log(JSON.stringify([one.simd, two.simd, two.threads]));
    two.dispose();`], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

// On a Node that validates relaxed SIMD only behind V8's flag (Node 20), the flag makes it load.
const relaxedFlags = relaxedSimdNodeFlags();

test('Node loads the relaxed SIMD builds where the engine validates them, and CORTADO_WASM_SIMD chooses', (t) => {
  if (skip) return t.skip(skip);
  const auto = simdInChild(relaxedFlags, { CORTADO_WASM_SIMD: '' });
  assert.equal(auto.status, 0, auto.err);
  assert.equal(auto.out, JSON.stringify(['relaxed-simd', 'relaxed-simd', 2]));
  const forced = simdInChild(relaxedFlags, { CORTADO_WASM_SIMD: 'simd128' });
  assert.equal(forced.status, 0, forced.err);
  assert.equal(forced.out, JSON.stringify(['simd128', 'simd128', 2]));
  const bad = simdInChild([], { CORTADO_WASM_SIMD: 'avx' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.err, /CORTADO_WASM_SIMD must be simd128 or relaxed-simd, got "avx"/);
});

test('CORTADO_WASM_SIMD=relaxed-simd on a Node that does not validate relaxed SIMD says what to do', (t) => {
  if (skip) return t.skip(skip);
  if (relaxedSimdSupported()) return t.skip(`Node ${process.version} validates relaxed SIMD without a flag`);
  const r = simdInChild([], { CORTADO_WASM_SIMD: 'relaxed-simd' });
  assert.notEqual(r.status, 0);
  assert.match(r.err, /does not validate relaxed SIMD .*--experimental-wasm-relaxed-simd/);
});
