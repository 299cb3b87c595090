/**
 * The NativeBackend as a whole: its name and addon info, float64 going to the TypeScript kernels,
 * argument checks that stop a bad call before it touches memory, and the narrower instruction sets
 * (AVX2, portable) run in child processes so they are tested on an AVX-512 machine too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NativeBackend, nativeBackend } from '../../../src/node/backend/native/native-backend.js';
import { createBackend } from '../../../src/node/backends.js';
import { BackendError } from '../../../src/core/errors.js';
import { loadNativeAddon } from '../../../src/node/backend/native/load.js';
import { buf, pair, read, skipReason, values } from './util.js';

test('the native backend is named native and reports its instruction set and threads', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  assert.equal(native.name, 'native');
  assert.ok(['avx512', 'avx2', 'portable'].includes(native.info.isa), native.info.isa);
  assert.ok(native.info.threads >= 1);
});

test('a float64 native backend computes in float64 through the TypeScript kernels', (t) => {
  if (skipReason) return t.skip(skipReason);
  const b = nativeBackend('float64');
  assert.equal(b.name, 'native');
  assert.equal(createBackend('native', 'float64').name, 'native');
  const x = buf(b, [1 + 1e-12, 2]);
  assert.ok(b.download(x) instanceof Float64Array);
  b.scal(2, 3, x);
  assert.equal(b.download(x)[0], 3 * (1 + 1e-12));
  assert.ok(b.convWorkspaceSize({ num: 1, channels: 1, height: 3, width: 3, numOutput: 1, group: 1, kernelH: 2,
    kernelW: 2, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, outH: 2, outW: 2 }) > 0);
});

test('a NativeBackend is float32: asked for float64 it says what gives one', (t) => {
  if (skipReason) return t.skip(skipReason);
  assert.ok(new NativeBackend() instanceof NativeBackend);
  assert.equal(nativeBackend('float32').constructor, NativeBackend);
  assert.throws(() => new NativeBackend('float64' as 'float32'),
    (e: unknown) => e instanceof BackendError && /float32, not float64; nativeBackend\('float64'\)/.test(e.message));
});

test('native calls with short buffers or wrong types throw a BackendError naming the argument', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const short = native.alloc(5);
  assert.throws(() => native.gemm(false, false, 2, 3, 4, 1, native.alloc(8), native.alloc(12), 0, short),
    (e: unknown) => e instanceof BackendError && e.message === 'native backend gemm: argument C has 5 elements, needs at least 6');
  assert.throws(() => native.axpy(3, 1, new Float64Array(3), native.alloc(3)),
    (e: unknown) => e instanceof BackendError && /axpy: argument x must be a Float32Array/.test(e.message));
  assert.throws(() => native.set(-1, 0, short),
    (e: unknown) => e instanceof BackendError && /set: argument n must be a non-negative integer, got -1/.test(e.message));
  assert.deepEqual([...read(native, short)], [0, 0, 0, 0, 0], 'nothing was written');
});

test('every addon entry names itself and the argument at fault, enumerations and later arguments included', (t) => {
  if (skipReason) return t.skip(skipReason);
  const a = loadNativeAddon()!;
  const f = (n: number) => new Float32Array(n);
  // One 2x2 window over a 2x2 image: 4 inputs, 1 output.
  const pool = Int32Array.of(1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1);
  const cases: [() => unknown, string][] = [
    [() => a.binary(4, 2, f(2), f(2), f(2)), 'binary: argument op must be a BinaryOp from 0 to 3, got 4'],
    [() => a.unary(6, 2, f(2), 0, f(2)), 'unary: argument op must be a UnaryOp from 0 to 5, got 6'],
    [() => a.neuronBackward(9, 1, f(1), f(1), f(1), 0), 'neuronBackward: argument op must be a NeuronOp from 0 to 8, got 9'],
    [() => a.poolForward(pool, 2, f(4), f(1), f(1)), 'poolForward: argument method must be a PoolMethod from 0 to 1, got 2'],
    [() => a.poolBackward(pool, 0, f(1), f(0), f(4)), 'poolBackward: argument mask has 0 elements, needs at least 1'],
    [() => a.softmaxLossForward(1, 2, 1, f(2), f(1), null, 4, f(1)),
      'softmaxLossForward: argument normalization must be a Normalization from 0 to 3, got 4'],
    [() => a.softmaxLossBackward(1, 2, 1, f(2), f(1), 0.5, 0, 1, f(2)),
      'softmaxLossBackward: argument ignoreLabel must be an int32 or null, got 0.5'],
    [() => a.softmaxLossBackward(1, 2, 1, f(2), f(1), null, 0, 'w' as unknown as number, f(2)),
      'softmaxLossBackward: argument lossWeight must be a number'],
    [() => a.gemv(true, 2, 3, 1, f(6), f(2), 0, f(2)), 'gemv: argument y has 2 elements, needs at least 3'],
    [() => a.sgdUpdate(2, f(2), f(2), f(2), 0, 0, 0, 1 as unknown as boolean), 'sgdUpdate: argument l1 must be a boolean'],
    [() => a.dropout(3, f(3), f(2), 0.5, 2, f(3)), 'dropout: argument rand has 2 elements, needs at least 3'],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e: unknown) => e instanceof BackendError && e.message === `native backend ${message}`, message);
  }
  // Mean pooling reads no mask.
  a.poolBackward(pool, 1, f(1), f(0), f(4));
});

test('native results are the same bits run after run (fixed work partitions, no races)', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native: b } = pair();
  const g = { num: 9, channels: 6, height: 10, width: 11, numOutput: 7, group: 1, kernelH: 3, kernelW: 3,
    strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, outH: 10, outW: 11 };
  const X = values(9 * 6 * 110, 1), DY = values(9 * 7 * 110, 2), A = values(300 * 200, 3), B = values(200 * 250, 4);
  const run = () => {
    const dw = b.alloc(7 * 6 * 9), c = b.alloc(300 * 250);
    b.convBackwardFilter(g, buf(b, X), buf(b, DY), dw, b.alloc(0));
    b.gemm(false, false, 300, 250, 200, 1, buf(b, A), buf(b, B), 0, c);
    return [...read(b, dw), ...read(b, c), b.dot(60000, buf(b, A), buf(b, A))];
  };
  const first = run();
  for (let i = 0; i < 3; i++) assert.deepEqual(run(), first);
});

test('the AVX2 and portable kernels agree with the TypeScript backend too, with other thread counts', (t) => {
  if (skipReason) return t.skip(skipReason);
  const script = fileURLToPath(new URL('./isa-check.js', import.meta.url));
  for (const [isa, threads] of [['avx2', '3'], ['portable', '1']]) {
    const r = spawnSync(process.execPath, [script], {
      env: { ...process.env, CORTADO_NATIVE_ISA: isa, CORTADO_NUM_THREADS: threads }, encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(r.status, 0, `${isa}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { isa: string; threads: number; checks: number };
    // On a CPU without AVX2 the cap has no effect on 'portable' and 'avx2' falls back to it.
    assert.ok(out.isa === isa || out.isa === 'portable', `${isa} requested, ${out.isa} used`);
    assert.equal(out.threads, Number(threads));
    assert.ok(out.checks > 40);
  }
});

test('the AVX2 and portable kernels write only their outputs too (bounds.test.js under each)', (t) => {
  if (skipReason) return t.skip(skipReason);
  const script = fileURLToPath(new URL('./bounds.test.js', import.meta.url));
  for (const isa of ['avx2', 'portable']) {
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', script], {
      // Without NODE_TEST_CONTEXT: under `node --test` it would make the child report to this runner.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, CORTADO_NATIVE_ISA: isa }, encoding: 'utf8', timeout: 300_000,
    });
    assert.equal(r.status, 0, `${isa}: ${r.stdout.split('\n').filter((l) => /not ok|error:/.test(l)).join('\n')}${r.stderr}`);
    const used = /kernels under test: (\w+)/.exec(r.stdout)?.[1];
    // On a CPU without AVX2 the cap has no effect on 'portable' and 'avx2' falls back to it.
    assert.ok(used === isa || used === 'portable', `${isa} requested, ${used} used`);
    assert.match(r.stdout, /# fail 0/);
  }
});
