/** cortado --version, summary and test, and the iteration flag shared with the examples. */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMnistFlags } from '../../examples/common/mnist-run.js';
import { UsageError } from '../../src/node/cli/flags.js';
import { createBackend } from '../../src/node/backends.js';
import { BackendError } from '../../src/core/errors.js';
import { cortado } from '../harness/cli.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

/** Three classes of 6-d points, 60 to train on and 30 to test on, inline in the definition. */
function definition() {
  const points = (n: number, phase: number) => {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      for (let j = 0; j < 6; j++) x.push((j % 3 === c ? 1 : 0) + 0.3 * Math.sin(i * 1.7 + j * 0.9 + phase));
      y.push(c);
    }
    return [{ values: x, shape: [n, 6] }, { values: y, shape: [n] }];
  };
  return {
    seed: 3,
    solver: { baseLr: 0.1, momentum: 0.9, maxIter: 40 },
    layers: [
      { type: 'MemoryData', name: 'train', tops: ['x', 'label'], batchSize: 10, shuffle: true, data: points(60, 0), include: { phase: 'train' } },
      { type: 'MemoryData', name: 'test', tops: ['x', 'label'], batchSize: 10, data: points(30, 1), include: { phase: 'test' } },
      { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 8, neuron: 'ReLU' },
      { type: 'InnerProduct', name: 'ip2', bottoms: ['h'], tops: ['score'], numOutput: 3 },
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
      { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
    ],
  };
}

test('cortado --version prints the package version', () => {
  const r = cortado(['--version']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
});

test('cortado summary lists each layer with its top shapes and parameter count, then totals and memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    const file = join(dir, 'net.json');
    writeFileSync(file, JSON.stringify(definition()));
    const r = cortado(['summary', file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /ip1 +InnerProduct +h \[10, 8\] +56\n/);
    assert.match(r.out, /ip2 +InnerProduct +score \[10, 3\] +27\n/);
    assert.match(r.out, /train +MemoryData +x \[10, 6\], label \[10\] +0\n/);
    assert.match(r.out, /parameters: 83 \(learnable 83\)/);
    assert.match(r.out, /memory: [\d.]+ KiB/);
    const t = cortado(['summary', file, '--phase', 'test']);
    assert.match(t.out, /acc +Accuracy +accuracy \[1\]/);
    assert.equal(cortado(['summary', file, '--phase', 'deploy']).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cortado test reports loss and accuracy over the test set, equal to the final validation of cortado train', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    const file = join(dir, 'net.json');
    writeFileSync(file, JSON.stringify(definition()));
    const out = join(dir, 'run');
    const trained = cortado(['train', file, '--backend', 'js', '--iterations', '40', '--summary-every', '0', '--validate-every', '0', '--output', out]);
    assert.equal(trained.code, 0, trained.err);
    const final = /test (.*)$/m.exec(trained.out)?.[1];
    assert.ok(final, trained.out);
    const r = cortado(['test', file, '--weights', out, '--backend', 'js']);
    assert.equal(r.code, 0, r.err);
    const acc = /accuracy +([\d.]+)/.exec(r.out)?.[1];
    const loss = /loss +([\d.]+)/.exec(r.out)?.[1];
    assert.ok(acc && loss, r.out);
    assert.ok(final.includes(`accuracy ${acc}`) && final.includes(`loss ${loss}`), `train: ${final}; test: ${r.out}`);
    assert.ok(Number(acc) > 0.8, r.out);
    const none = cortado(['test', file, '--weights', join(dir, 'nothing-here'), '--backend', 'js']);
    assert.equal(none.code, 1);
    assert.match(none.err, /no snapshot in this folder/);
    assert.match(cortado(['test', file]).err, /--weights PATH is required/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--max-iter and --iterations are one flag in cortado train and the examples; numbers are read strictly', () => {
  const defaults = { iterations: 100, seed: 1 };
  assert.equal(readMnistFlags('mnist', defaults, []).iterations, 100);
  assert.equal(readMnistFlags('mnist', defaults, ['--iterations', '20']).iterations, 20);
  assert.equal(readMnistFlags('mnist', defaults, ['--max-iter', '30']).iterations, 30);
  assert.equal(readMnistFlags('mnist', defaults, []).cudaGraphs, false);
  assert.equal(readMnistFlags('mnist', defaults, ['--cuda-graphs']).cudaGraphs, true);
  for (const bad of [['--iterations', '0x10'], ['--max-iter', '1e3'], ['--seed', '0x10'], ['--max-iter', '5', '--iterations', '6'], ['--itertions', '5']]) {
    assert.throws(() => readMnistFlags('mnist', defaults, bad), UsageError, bad.join(' '));
  }
  assert.throws(() => readMnistFlags('mnist', defaults, ['--iterations', '0x10']), /--iterations must be an integer of at least 1, found "0x10"/);
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    const file = join(dir, 'net.json');
    writeFileSync(file, JSON.stringify(definition()));
    const r = cortado(['train', file, '--backend', 'js', '--iterations', '0x10']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--iterations must be an integer of at least 0, found "0x10"/);
    assert.match(cortado(['train', file, '--backend', 'js', '--iterations', '3', '--max-iter', '4']).err, /disagree/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cortado example copies a shipped definition, and the tutorial commands it prints run from that folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-example-'));
  const inDir = (args: string[]) => cortado(args, { cwd: dir });
  try {
    const list = inDir(['example']);
    assert.equal(list.code, 0);
    assert.match(list.out, /mnist-hdf5 +lenet-hdf5\.json/);
    const copy = inDir(['example', 'mnist-hdf5']);
    assert.equal(copy.code, 0, copy.err);
    assert.equal(readFileSync(join(dir, 'lenet-hdf5.json'), 'utf8'), readFileSync(join(root, 'examples/mnist-hdf5/lenet.json'), 'utf8'));
    assert.match(copy.out, /^ {2}npx cortado convert mnist --out data$/m);
    assert.match(copy.out, /^ {2}npx cortado train lenet-hdf5\.json --output runs\/lenet$/m);
    // The printed sequence, from the user's folder (fewer iterations).
    const convert = inDir(['convert', 'mnist', '--out', 'data']);
    assert.equal(convert.code, 0, convert.err);
    const trained = inDir(['train', 'lenet-hdf5.json', '--output', 'runs/lenet', '--max-iter', '20', '--validate-every', '20', '--backend', 'auto']);
    assert.equal(trained.code, 0, trained.err);
    assert.match(trained.out, /done: 20 iterations .*accuracy \d+\.\d\d%/);

    writeFileSync(join(dir, 'lenet.json'), 'mine');
    const kept = inDir(['example', 'mnist']);
    assert.equal(kept.code, 1);
    assert.match(kept.err, /lenet\.json already exists; it was left alone/);
    assert.equal(readFileSync(join(dir, 'lenet.json'), 'utf8'), 'mine');
    const elsewhere = inDir(['example', 'mnist', '--out', 'defs']);
    assert.equal(elsewhere.code, 0, elsewhere.err);
    assert.match(elsewhere.out, /npx cortado train defs\/lenet\.json --output defs\/runs\/lenet/);
    const unknown = inDir(['example', 'imagenet']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown example "imagenet"; known: mnist, mnist-hdf5/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--precision: float32, float16 or bfloat16, read strictly; 16 bits on a backend other than cuda is an error, never a quiet float32 run; --loss-scale', () => {
  const defaults = { iterations: 100, seed: 1 };
  assert.equal(readMnistFlags('mnist', defaults, []).precision, undefined);
  assert.equal(readMnistFlags('mnist', defaults, ['--precision', 'bfloat16']).precision, 'bfloat16');
  assert.throws(() => readMnistFlags('mnist', defaults, ['--precision', 'fp16']), /--precision must be float32, float16 or bfloat16, found "fp16"/);
  assert.equal(createBackend('js', 'float32', {}, 'float32').name, 'js');
  assert.throws(() => createBackend('js', 'float32', {}, 'float16'), (e: Error) => e instanceof BackendError && /precision float16 runs on the cuda backend only; the js backend computes in float32/.test(e.message));
  const saved = process.env.CORTADO_NO_CUDA;
  process.env.CORTADO_NO_CUDA = '1';
  try {
    assert.throws(() => createBackend('auto', 'float32', {}, 'bfloat16'), /precision bfloat16 runs on the cuda backend only \(CORTADO_NO_CUDA is set\)/);
  } finally {
    if (saved === undefined) delete process.env.CORTADO_NO_CUDA;
    else process.env.CORTADO_NO_CUDA = saved;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    const file = join(dir, 'net.json');
    writeFileSync(file, JSON.stringify(definition()));
    const bad = cortado(['train', file, '--backend', 'js', '--precision', 'half']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--precision must be float32, float16 or bfloat16, found "half"/);
    // --loss-scale: a number or dynamic, read strictly, checked by the solver's settings.
    const scaled = cortado(['train', file, '--backend', 'js', '--iterations', '2', '--loss-scale', 'dynamic', '--summary-every', '1', '--output', join(dir, 'scaled')]);
    assert.equal(scaled.code, 0, scaled.err);
    assert.match(scaled.out, /\| loss scale 2\^16, 0 skipped/);
    const word = cortado(['train', file, '--backend', 'js', '--loss-scale', 'big']);
    assert.equal(word.code, 2);
    assert.match(word.err, /--loss-scale must be a number \(a power of two is exact\) or dynamic, found "big"/);
    const zero = cortado(['train', file, '--backend', 'js', '--loss-scale', '0', '--output', join(dir, 'zero')]);
    assert.equal(zero.code, 1);
    assert.match(zero.err, /field "lossScale": the scale must be a finite number > 0/);
    const js = cortado(['time', file, '--backend', 'js', '--precision', 'float16']);
    assert.equal(js.code, 1);
    assert.match(js.err, /precision float16 runs on the cuda backend only/);
    // The MNIST example says so in one line, without a stack trace, before it loads any data.
    const example = spawnSync(process.execPath, [join(root, 'dist', 'examples', 'mnist', 'train.js'), '--backend', 'js', '--precision', 'bfloat16'], { encoding: 'utf8' });
    assert.equal(example.status, 1);
    assert.match(example.stderr, /^npm run mnist: precision bfloat16 runs on the cuda backend only; the js backend computes in float32\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
