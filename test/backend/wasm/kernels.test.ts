/**
 * The wasm backend's methods against JsBackend('float32'): the native backend's method tests
 * (test/backend/native/{blas,bounds,conv,kernels,lrn,winograd}.test.ts: every BLAS and
 * elementwise op, gemm and gemv over all transposes and awkward shapes, convolution, bias,
 * pooling, neurons, softmax and its loss, dropout, the SGD step, LRN, Winograd, the argument
 * checks, and writes that stay inside their outputs) run in a child process with
 * CORTADO_CPU_UNDER_TEST=wasm, which makes their backend under test a WasmBackend, and again with
 * =wasm-threads, a two-thread WasmBackend; each for both builds, SIMD128 alone and relaxed SIMD
 * (CORTADO_WASM_SIMD; on a Node that does not validate relaxed SIMD by default, the child runs
 * with --experimental-wasm-relaxed-simd).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadWasmSync, relaxedSimdNodeFlags, wasmLoadError } from '../../../src/node/wasm.js';
import { threadsUnavailable } from '../../../src/backend/wasm/threads.js';
import { WASM_SIMDS } from '../../../src/backend/wasm/module.js';

const FILES = ['blas', 'bounds', 'conv', 'kernels', 'lrn', 'winograd'];

const CASES = FILES.flatMap((f) => ['wasm', 'wasm-threads'].flatMap((under) => WASM_SIMDS.map((simd) => [f, under, simd])));

for (const [name, under, simd] of CASES) {
  test(`the native method tests of ${name}.test.ts pass on the ${under === 'wasm' ? 'wasm backend' : 'two-thread wasm backend'}, ${simd} build`, (t) => {
    if (!loadWasmSync()) return t.skip(`cortado.wasm cannot load: ${wasmLoadError()}`);
    if (under === 'wasm-threads' && threadsUnavailable()) return t.skip(`threaded wasm cannot run: ${threadsUnavailable()}`);
    const file = fileURLToPath(new URL(`../native/${name}.test.js`, import.meta.url));
    // Without NODE_TEST_CONTEXT the child reports in TAP to us, not to the parent's test runner.
    const env: NodeJS.ProcessEnv = { ...process.env, CORTADO_CPU_UNDER_TEST: under, CORTADO_WASM_SIMD: simd };
    delete env.NODE_TEST_CONTEXT;
    const flags = simd === 'relaxed-simd' ? relaxedSimdNodeFlags() : [];
    const r = spawnSync(process.execPath, [...flags, '--test', '--test-reporter=tap', file], { env, encoding: 'utf8', timeout: 300_000 });
    const pass = Number(/# pass (\d+)/.exec(r.stdout)?.[1] ?? 0), skipped = Number(/# skipped (\d+)/.exec(r.stdout)?.[1] ?? 0);
    assert.equal(r.status, 0, `${name}.test.js on ${under}, ${simd}:\n${r.stdout.split('\n').filter((l) => /not ok|error|expected|actual|element/.test(l)).slice(0, 30).join('\n')}\n${r.stderr}`);
    assert.equal(skipped, 0, 'nothing skipped');
    assert.ok(pass > 0, 'some tests ran');
  });
}
