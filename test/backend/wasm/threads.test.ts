/**
 * The threaded wasm backend (cortado-threads.wasm, `{ threads: n }`): its workers start and run
 * parts of the kernels; a threaded gemm gives bit for bit the one-thread result (each part is the
 * one-thread product of a block of C, with the same k blocks) for awkward sizes and every
 * transpose; convolution agrees;
 * it runs one thread, saying why, where threads cannot run; dispose and process exit; workers
 * that never start; CORTADO_WASM_THREADS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { WasmBackend } from '../../../src/backend/wasm/wasm-backend.js';
import { setWasmWorkerSpawner, threadsUnavailable, wasmWorkerSpawner } from '../../../src/backend/wasm/threads.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import type { ConvGeom } from '../../../src/backend/backend.js';
import { createBackend } from '../../../src/node/backends.js';
import { loadWasmSync, wasmLoadError } from '../../../src/node/wasm.js';
import { BackendError } from '../../../src/core/errors.js';
import { assertClose, values } from '../native/util.js';

const skip = !loadWasmSync() ? `cortado.wasm cannot load: ${wasmLoadError()}` : threadsUnavailable();

async function threaded(threads = 2): Promise<WasmBackend> {
  const b = new WasmBackend('float32', { memoryMiB: 256, threads });
  assert.equal(b.threads, threads, b.threadsNote ?? '');
  await b.ready();
  assert.equal(b.threadStats().started, threads - 1);
  return b;
}

const on = (b: WasmBackend, v: Float32Array) => {
  const x = b.alloc(v.length);
  b.upload(x, v);
  return x;
};

test('a threaded gemm equals the one-thread gemm bit for bit, for awkward sizes and every transpose, and its workers take parts', async (t) => {
  if (skip) return t.skip(skip);
  const b = await threaded(3), one = new WasmBackend('float32', { memoryMiB: 256 }), js = new JsBackend('float32');
  const before = b.threadStats().workerTasks;
  // Wide (split by columns), tall and narrow (split by rows), K over one k block, tails everywhere,
  // and A large enough (2^18 floats) for the threads to share one packed copy of it.
  const sizes: [number, number, number][] = [[97, 301, 263], [1000, 5, 131], [13, 2053, 37], [257, 129, 600], [3, 3, 3], [520, 100, 530]];
  for (const [M, N, K] of sizes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const A = values(M * K, M + K), B = values(K * N, N + 7), C0 = values(M * N, 5);
      const what = `gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${M}x${N}x${K}`;
      const c = on(b, C0), c1 = on(one, C0), cj = Float32Array.from(C0);
      b.gemm(ta, tb, M, N, K, 0.5, on(b, A), on(b, B), 0.25, c);
      one.gemm(ta, tb, M, N, K, 0.5, on(one, A), on(one, B), 0.25, c1);
      js.gemm(ta, tb, M, N, K, 0.5, A, B, 0.25, cj);
      assert.deepEqual(b.download(c), one.download(c1), `${what}: threaded differs from one thread`);
      assertClose(b.download(c), cj, what);
    }
  }
  assert.ok(b.threadStats().workerTasks > before, `the workers ran no part of ${sizes.length * 4} products`);
  b.dispose();
});

test('threaded convolution forward and backward agree with JsBackend', async (t) => {
  if (skip) return t.skip(skip);
  const b = await threaded(2), js = new JsBackend('float32');
  const g: ConvGeom = {
    num: 5, channels: 6, height: 17, width: 15, numOutput: 8, group: 2, kernelH: 3, kernelW: 3,
    strideH: 1, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1, outH: 17, outW: 8,
  };
  const nx = 5 * 6 * 17 * 15, ny = 5 * 8 * 17 * 8, nw = 8 * 3 * 9;
  const x = values(nx, 1), w = values(nw, 2), dy = values(ny, 3);
  const ws = js.alloc(js.convWorkspaceSize(g)), none = b.alloc(0);
  const y = b.alloc(ny), yj = js.alloc(ny);
  b.convForward(g, on(b, x), on(b, w), y, none);
  js.convForward(g, x, w, yj, ws);
  assertClose(b.download(y), js.download(yj), 'convForward');
  const dx = b.alloc(nx), dxj = js.alloc(nx);
  b.convBackwardData(g, on(b, dy), on(b, w), dx, none);
  js.convBackwardData(g, dy, w, dxj, ws);
  assertClose(b.download(dx), js.download(dxj), 'convBackwardData');
  const dw = on(b, values(nw, 4)), dwj = values(nw, 4);
  b.convBackwardFilter(g, on(b, x), on(b, dy), dw, none);
  js.convBackwardFilter(g, x, dy, dwj, ws);
  assertClose(b.download(dw), dwj, 'convBackwardFilter');
  b.dispose();
});

test('after dispose a threaded backend still computes, on the calling thread', async (t) => {
  if (skip) return t.skip(skip);
  const b = await threaded(2);
  b.dispose();
  const n = 200, A = values(n * n, 1), B = values(n * n, 2), c = b.alloc(n * n), cj = new Float32Array(n * n);
  const tasks = b.threadStats().workerTasks;
  b.gemm(false, false, n, n, n, 1, on(b, A), on(b, B), 0, c);
  new JsBackend('float32').gemm(false, false, n, n, n, 1, A, B, 0, cj);
  assertClose(b.download(c), cj, 'gemm after dispose');
  assert.equal(b.threadStats().workerTasks, tasks);
});

test('createBackend(\'wasm\', ..., { threads }) makes a threaded backend; bad thread counts are refused', (t) => {
  if (skip) return t.skip(skip);
  const b = createBackend('wasm', 'float32', { memoryMiB: 64, threads: 2 }) as WasmBackend;
  assert.equal(b.threads, 2);
  assert.ok((b.alloc(4) as Float32Array).buffer instanceof SharedArrayBuffer, 'buffers lie on a shared memory');
  b.dispose();
  for (const threads of [0, 1.5, 1000]) {
    assert.throws(() => new WasmBackend('float32', { memoryMiB: 4, threads }), (e: unknown) => e instanceof BackendError && /threads must be/.test(e.message));
  }
});

test('where threads cannot run (no threaded module, or a page not cross-origin isolated) the backend runs one thread and says why', (t) => {
  if (skip) return t.skip(skip);
  const dir = new URL('../../../src/backend/wasm/', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const { loadWasmModule, loadWasmThreadsModule, defaultWasmUrl, defaultWasmThreadsUrl } = await import('${dir}module.js');
    const { WasmBackend } = await import('${dir}wasm-backend.js');
    const { readFileSync } = await import('node:fs');
    await loadWasmModule(readFileSync(defaultWasmUrl()));
    const a = new WasmBackend('float32', { memoryMiB: 4, threads: 2 });
    await loadWasmThreadsModule(readFileSync(defaultWasmThreadsUrl()));
    globalThis.crossOriginIsolated = false;
    const b = new WasmBackend('float32', { memoryMiB: 4, threads: 2 });
    const x = b.alloc(3); b.set(3, 2, x);
    console.log(JSON.stringify({ a: [a.threads, a.threadsNote], b: [b.threads, b.threadsNote, b.asum(3, x)] }));`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { a: [number, string]; b: [number, string, number] };
  assert.equal(out.a[0], 1);
  assert.match(out.a[1], /running 1 thread instead of 2: cortado-threads.wasm is not loaded/);
  assert.equal(out.b[0], 1);
  assert.match(out.b[1], /cross-origin isolated/);
  assert.equal(out.b[2], 6);
  assert.match(r.stderr, /running 1 thread instead of 2/, 'a console warning');
});

test('a process whose threaded backend is never disposed still exits', (t) => {
  if (skip) return t.skip(skip);
  const backends = new URL('../../../src/node/backends.js', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const { createBackend } = await import(${JSON.stringify(backends)});
    const b = createBackend('wasm', 'float32', { memoryMiB: 64, threads: 2 });
    await b.ready();
    const x = b.alloc(1 << 20); b.set(1 << 20, 1, x);
    console.log(b.asum(1 << 20, x));`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `status ${r.status} signal ${r.signal}: ${r.stderr}`);
  assert.equal(r.stdout.trim(), String(1 << 20));
});

test('workers that never start cost nothing: the caller runs every part, and ready() reports the failure', async (t) => {
  if (skip) return t.skip(skip);
  const spawn = wasmWorkerSpawner();
  const posted: unknown[] = [];
  setWasmWorkerSpawner((onError) => {
    setTimeout(() => onError('cannot start here'), 5);
    return { postMessage: (m: unknown) => posted.push(m), terminate: () => undefined };
  });
  try {
    const b = new WasmBackend('float32', { memoryMiB: 64, threads: 3 });
    assert.equal(b.threads, 3);
    assert.equal(posted.length, 2, 'one start message per worker');
    const M = 150, N = 170, K = 90, A = values(M * K, 1), B = values(K * N, 2), c = b.alloc(M * N), cj = new Float32Array(M * N);
    b.gemm(false, false, M, N, K, 1, on(b, A), on(b, B), 0, c);
    new JsBackend('float32').gemm(false, false, M, N, K, 1, A, B, 0, cj);
    assertClose(b.download(c), cj, 'gemm with no worker running');
    assert.equal(b.threadStats().workerTasks, 0);
    await assert.rejects(b.ready(), (e: unknown) => e instanceof BackendError && /wasm worker 1 failed: cannot start here/.test(e.message));
    b.dispose();
    setWasmWorkerSpawner(() => { throw new Error('workers are forbidden here'); });
    const d = new WasmBackend('float32', { memoryMiB: 16, threads: 2 });
    const x = on(d, values(1000, 3)), y = d.alloc(1000);
    d.copy(1000, x, y);
    assert.deepEqual(d.download(y), d.download(x));
    await assert.rejects(d.ready(), /workers are forbidden here/);
  } finally {
    setWasmWorkerSpawner(spawn);
  }
});

test('CORTADO_WASM_THREADS sets the threads of createBackend(\'wasm\'); a bad value is an error naming it', (t) => {
  if (skip) return t.skip(skip);
  const saved = process.env.CORTADO_WASM_THREADS;
  try {
    process.env.CORTADO_WASM_THREADS = '2';
    const b = createBackend('wasm', 'float32', { memoryMiB: 64 }) as WasmBackend;
    assert.equal(b.threads, 2);
    b.dispose();
    assert.equal((createBackend('wasm', 'float32', { memoryMiB: 64, threads: 1 }) as WasmBackend).threads, 1, 'an option wins over the variable');
    process.env.CORTADO_WASM_THREADS = 'many';
    assert.throws(() => createBackend('wasm'), (e: unknown) => e instanceof BackendError && /CORTADO_WASM_THREADS.*"many"/.test(e.message));
    assert.equal(createBackend('js').name, 'js', 'other backends do not read it');
  } finally {
    if (saved === undefined) delete process.env.CORTADO_WASM_THREADS;
    else process.env.CORTADO_WASM_THREADS = saved;
  }
});
