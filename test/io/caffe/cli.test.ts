/** `cortado import caffe` and `cortado export caffe` end to end, in a temporary folder. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportCaffe, importCaffe } from '../../../src/io/caffe/index.js';
import { loadWeights } from '../../../src/node/io/snapshot.js';
import { readDefinition } from '../../../src/node/definition.js';
import { LENET_V2 } from './fixtures.js';
import { build, load, maxRelDiff, run, weightsOf } from './helpers.js';

const cli = resolve(fileURLToPath(import.meta.url), '../../../../src/node/cli/main.js');
const cortado = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: 'pipe' });

describe('cortado import caffe / export caffe', () => {
  it('imports a prototxt and caffemodel to a definition file and a weights file, and exports them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-caffe-'));
    try {
      const original = build(importCaffe(LENET_V2).definition.layers);
      const { caffemodel } = exportCaffe(importCaffe(LENET_V2).definition, weightsOf(original));
      writeFileSync(join(dir, 'lenet.prototxt'), LENET_V2);
      writeFileSync(join(dir, 'lenet.caffemodel'), caffemodel);
      cortado('import', 'caffe', join(dir, 'lenet.prototxt'), join(dir, 'lenet.caffemodel'), '--out', join(dir, 'in'));
      const def = readDefinition(join(dir, 'in', 'lenet.json'));
      const weights = await loadWeights(join(dir, 'in', 'lenet.h5'));
      const net = build(def.layers);
      load(net, weights);
      const image = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.cos(i));
      const expected = run(original, { data: image }, ['prob']).get('prob')!;
      assert.ok(maxRelDiff(expected, run(net, { data: image }, ['prob']).get('prob')!) < 1e-6);

      cortado('export', 'caffe', join(dir, 'in', 'lenet.json'), '--weights', join(dir, 'in', 'lenet.h5'), '--out', join(dir, 'out'));
      const again = importCaffe(readFileSync(join(dir, 'out', 'lenet.prototxt'), 'utf8'), readFileSync(join(dir, 'out', 'lenet.caffemodel')));
      assert.deepEqual(again.definition.layers, def.layers);
      assert.deepEqual([...again.weights.keys()].sort(), [...weights.keys()].sort());
      original.destroy();
      net.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an import whose caffemodel or weights file fails leaves no definition behind; files already there stay unless --force', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-caffe-'));
    try {
      writeFileSync(join(dir, 'lenet.prototxt'), LENET_V2);
      writeFileSync(join(dir, 'lenet.caffemodel'), Uint8Array.of(0x0a, 0x05, 0x41));
      assert.throws(() => cortado('import', 'caffe', join(dir, 'lenet.prototxt'), join(dir, 'lenet.caffemodel'), '--out', join(dir, 'in')),
        (e: any) => e.status === 1 && e.stderr.includes('lenet.caffemodel'));
      assert.deepEqual(readdirSync(dir).sort(), ['lenet.caffemodel', 'lenet.prototxt'], 'nothing written');
      cortado('import', 'caffe', join(dir, 'lenet.prototxt'), '--out', join(dir, 'in'));
      writeFileSync(join(dir, 'in', 'lenet.json'), 'edited');
      assert.throws(() => cortado('import', 'caffe', join(dir, 'lenet.prototxt'), '--out', join(dir, 'in')),
        (e: any) => e.status === 1 && e.stderr.includes(`"${join(dir, 'in', 'lenet.json')}" already exists; pass --force`));
      assert.equal(readFileSync(join(dir, 'in', 'lenet.json'), 'utf8'), 'edited');
      cortado('import', 'caffe', join(dir, 'lenet.prototxt'), '--out', join(dir, 'in'), '--force');
      assert.equal(readDefinition(join(dir, 'in', 'lenet.json')).layers.length, importCaffe(LENET_V2).definition.layers.length);
      // The weights cannot be written (a folder of the user's where the weights file is made): the
      // definition written just before is taken back, the folder left alone.
      const net = build(importCaffe(LENET_V2).definition.layers);
      writeFileSync(join(dir, 'lenet.caffemodel'), exportCaffe(importCaffe(LENET_V2).definition, weightsOf(net)).caffemodel);
      net.destroy();
      mkdirSync(join(dir, 'in2', 'lenet.h5.tmp'), { recursive: true });
      assert.throws(() => cortado('import', 'caffe', join(dir, 'lenet.prototxt'), join(dir, 'lenet.caffemodel'), '--out', join(dir, 'in2')),
        (e: any) => e.status === 1 && e.stderr.includes(`cortado: DataError: weights file "${join(dir, 'in2', 'lenet.h5')}": "${join(dir, 'in2', 'lenet.h5.tmp')}" is a folder`));
      assert.deepEqual(readdirSync(join(dir, 'in2')), ['lenet.h5.tmp']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an unsupported layer list and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-caffe-'));
    try {
      writeFileSync(join(dir, 'bad.prototxt'), 'input: "x" input_dim: 1 input_dim: 1 input_dim: 2 input_dim: 2\nlayer { name: "m" type: "MVN" bottom: "x" top: "y" }');
      assert.throws(() => cortado('import', 'caffe', join(dir, 'bad.prototxt'), '--out', dir), (e: { status: number; stderr: string }) =>
        e.status === 1 && e.stderr.includes('ConfigError') && e.stderr.includes('layer "m" (MVN)'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file of the user\'s at <out>.tmp stops the export with a clear error and the earlier files untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-caffe-'));
    try {
      writeFileSync(join(dir, 'lenet.json'), JSON.stringify(importCaffe(LENET_V2).definition));
      cortado('export', 'caffe', join(dir, 'lenet.json'), '--out', join(dir, 'out'));
      assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['lenet.caffemodel', 'lenet.prototxt'], 'no .tmp left behind');
      const prototxt = readFileSync(join(dir, 'out', 'lenet.prototxt'), 'utf8');
      writeFileSync(join(dir, 'out', 'lenet.prototxt.tmp'), 'mine');
      assert.throws(() => cortado('export', 'caffe', join(dir, 'lenet.json'), '--out', join(dir, 'out')),
        (e: any) => e.status === 1 && e.stderr.includes(`cortado export caffe: "${join(dir, 'out', 'lenet.prototxt')}" and "${join(dir, 'out', 'lenet.caffemodel')}" already exist; pass --force`));
      assert.throws(() => cortado('export', 'caffe', join(dir, 'lenet.json'), '--out', join(dir, 'out'), '--force'),
        (e: any) => e.status !== 0 && /cortado export caffe: .*lenet\.prototxt: ".*lenet\.prototxt\.tmp" already exists/.test(e.stderr));
      assert.equal(readFileSync(join(dir, 'out', 'lenet.prototxt'), 'utf8'), prototxt);
      assert.equal(readFileSync(join(dir, 'out', 'lenet.prototxt.tmp'), 'utf8'), 'mine');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--solver adds a Caffe solver\'s settings to the definition (seed, solver, coffeeBreaks) and lists what it leaves out; a bad solver writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-caffe-'));
    try {
      writeFileSync(join(dir, 'lenet.prototxt'), LENET_V2);
      writeFileSync(join(dir, 'solver.prototxt'), 'net: "lenet.prototxt"\ntype: "Adam"\nbase_lr: 0.001\nmomentum: 0.9\nlr_policy: "step"\ngamma: 0.5\nstepsize: 100\nmax_iter: 300\ndisplay: 20\nsnapshot: 100\nrandom_seed: 5\nsolver_mode: CPU\n');
      const out = cortado('import', 'caffe', join(dir, 'lenet.prototxt'), '--solver', join(dir, 'solver.prototxt'), '--out', join(dir, 'in'));
      assert.match(out, /solver_mode "CPU": the backend is `cortado train --backend`/);
      const def = readDefinition(join(dir, 'in', 'lenet.json'));
      assert.equal(def.seed, 5);
      assert.deepEqual(def.solver, { method: 'Adam', baseLr: 0.001, lrPolicy: { type: 'step', gamma: 0.5, stepsize: 100 }, maxIter: 300, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
      assert.deepEqual(def.coffeeBreaks, { summaryEvery: 20, validateEvery: 0, snapshotEvery: 100 });
      assert.deepEqual(def.layers, importCaffe(LENET_V2).definition.layers);

      writeFileSync(join(dir, 'bad.prototxt'), 'base_lr: 0.1\nmax_iter: 10\nlr_policy: "cosine"\n');
      assert.throws(() => cortado('import', 'caffe', join(dir, 'lenet.prototxt'), '--solver', join(dir, 'bad.prototxt'), '--out', join(dir, 'bad')),
        (e: any) => e.status === 1 && e.stderr.includes('bad.prototxt: lr_policy "cosine"'));
      assert.ok(!readdirSync(dir).includes('bad'), 'nothing written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
