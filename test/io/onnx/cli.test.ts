/** `cortado export onnx` and `cortado import onnx` end to end, in a temporary folder (LeNet). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCaffe } from '../../../src/io/caffe/index.js';
import { encodeModel } from '../../../src/io/onnx/codec.js';
import { saveWeights, loadWeights } from '../../../src/node/io/snapshot.js';
import { readDefinition } from '../../../src/node/definition.js';
import { LENET_V2 } from '../caffe/fixtures.js';
import { build, load, maxRelDiff, run, weightsOf } from '../caffe/helpers.js';

const cli = resolve(fileURLToPath(import.meta.url), '../../../../src/node/cli/main.js');
const cortado = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: 'pipe' });

describe('cortado export onnx / import onnx', () => {
  it('exports a definition and weights, imports the model back, and computes the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-onnx-cli-'));
    try {
      const def = importCaffe(LENET_V2).definition;
      const original = build(def.layers);
      writeFileSync(join(dir, 'lenet.json'), JSON.stringify(def));
      await saveWeights(join(dir, 'lenet.h5'), weightsOf(original));
      cortado('export', 'onnx', join(dir, 'lenet.json'), '--weights', join(dir, 'lenet.h5'), '--out', join(dir, 'lenet.onnx'));
      assert.ok(readFileSync(join(dir, 'lenet.onnx')).length > 1000);
      cortado('import', 'onnx', join(dir, 'lenet.onnx'), '--out', join(dir, 'back'));
      const back = build(readDefinition(join(dir, 'back', 'lenet.json')).layers);
      load(back, await loadWeights(join(dir, 'back', 'lenet.h5')));
      const image = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.cos(i));
      const expected = run(original, { data: image }, ['prob']).get('prob')!;
      assert.ok(maxRelDiff(expected, run(back, { data: image }, ['prob']).get('prob')!) < 1e-6);
      original.destroy();
      back.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--batch sizes a symbolic batch axis; it must be a whole number from 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-onnx-cli-'));
    try {
      const model = join(dir, 'relu.onnx');
      writeFileSync(model, encodeModel({
        ir_version: 8, opset_import: [{ domain: '', version: 17 }],
        graph: {
          name: 'g', node: [{ name: 'relu', op_type: 'Relu', input: ['x'], output: ['y'] }],
          input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 3 }] } } } }], output: [{ name: 'y' }],
        },
      }));
      const inputShapes = (out: string) => readDefinition(join(out, 'relu.json')).layers.find((l) => l.type === 'Input')!.shapes;
      cortado('import', 'onnx', model, '--out', join(dir, 'one'));
      assert.deepEqual(inputShapes(join(dir, 'one')), [[1, 3]]);
      cortado('import', 'onnx', model, '--out', join(dir, 'four'), '--batch', '4');
      assert.deepEqual(inputShapes(join(dir, 'four')), [[4, 3]]);
      for (const bad of ['0', '2.5', 'x']) {
        assert.throws(() => cortado('import', 'onnx', model, '--out', join(dir, 'bad'), '--batch', bad), (e: any) => e.status === 2 && e.stderr.includes('--batch'), bad);
      }
      assert.equal(readdirSync(dir).includes('bad'), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves files already there alone unless --force: an edited definition survives a second import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-onnx-cli-'));
    try {
      writeFileSync(join(dir, 'lenet.json'), JSON.stringify(importCaffe(LENET_V2).definition));
      const model = join(dir, 'lenet.onnx');
      cortado('export', 'onnx', join(dir, 'lenet.json'), '--out', model);
      assert.throws(() => cortado('export', 'onnx', join(dir, 'lenet.json'), '--out', model),
        (e: any) => e.status === 1 && e.stderr.includes(`cortado export onnx: "${model}" already exists; pass --force to replace, or choose another --out`));
      const back = join(dir, 'back');
      cortado('import', 'onnx', model, '--out', back);
      writeFileSync(join(back, 'lenet.json'), '{"edited": "by the user"}');
      assert.throws(() => cortado('import', 'onnx', model, '--out', back),
        (e: any) => e.status === 1 && e.stderr.includes(`cortado import onnx: "${join(back, 'lenet.json')}" and "${join(back, 'lenet.h5')}" already exist; pass --force`));
      assert.equal(readFileSync(join(back, 'lenet.json'), 'utf8'), '{"edited": "by the user"}');
      cortado('import', 'onnx', model, '--out', back, '--force');
      assert.equal(readDefinition(join(back, 'lenet.json')).layers.length > 3, true);
      // A missing model is told as such once the outputs are free.
      assert.throws(() => cortado('import', 'onnx', join(dir, 'none.onnx'), '--out', join(dir, 'other')), (e: any) => e.stderr.includes('cannot read') && e.stderr.includes('none.onnx'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes its outputs atomically: no .tmp is left behind, and a file of the user\'s at <out>.tmp stops the write with the old output untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-onnx-cli-'));
    try {
      writeFileSync(join(dir, 'lenet.json'), JSON.stringify(importCaffe(LENET_V2).definition));
      const out = join(dir, 'models', 'lenet.onnx');
      cortado('export', 'onnx', join(dir, 'lenet.json'), '--out', out);
      assert.deepEqual(readdirSync(join(dir, 'models')), ['lenet.onnx'], 'the folder is made, and only the model is in it');
      writeFileSync(out, 'an earlier export');
      writeFileSync(`${out}.tmp`, 'notes of the user');
      assert.throws(() => cortado('export', 'onnx', join(dir, 'lenet.json'), '--out', out, '--force'),
        (e: any) => e.status !== 0 && e.stderr.includes(`cortado export onnx: ${out}`) && e.stderr.includes(`"${out}.tmp" already exists`));
      assert.equal(readFileSync(out, 'utf8'), 'an earlier export');
      assert.equal(readFileSync(`${out}.tmp`, 'utf8'), 'notes of the user');
      cortado('export', 'onnx', join(dir, 'lenet.json'), '--out', join(dir, 'again.onnx'));
      cortado('import', 'onnx', join(dir, 'again.onnx'), '--out', join(dir, 'back'));
      assert.deepEqual(readdirSync(join(dir, 'back')).sort(), ['again.h5', 'again.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown format is a usage error naming both formats', () => {
    assert.throws(() => cortado('export', 'tflite', 'x.json', '--out', 'y'), (e: any) => e.status === 2 && /caffe, onnx/.test(e.stderr));
  });

  it('a training definition whose data layers name a data set (the shipped examples/mnist/lenet.json) is refused listing every layer an inference graph cannot hold, without reading the data', () => {
    const lenet = resolve(fileURLToPath(import.meta.url), '../../../../../examples/mnist/lenet.json');
    const dir = mkdtempSync(join(tmpdir(), 'cortado-onnx-cli-'));
    try {
      assert.throws(() => cortado('export', 'onnx', lenet, '--out', join(dir, 'lenet.onnx')), (e: any) => e.status === 1 &&
        /cortado: ConfigError: 3 layer\(s\) ONNX cannot hold:\n +layer "test-data" \(MemoryData\): a data layer[^\n]*\n +layer "loss" \(SoftmaxLoss\)[^\n]*\n +layer "accuracy" \(Accuracy\)/.test(e.stderr));
      assert.throws(() => cortado('export', 'caffe', lenet, '--out', dir), (e: any) => e.status === 1 &&
        /cortado: ConfigError: 2 layer\(s\) Caffe cannot hold:\n +layer "train-data" \(MemoryData\)[^\n]*\n +layer "test-data" \(MemoryData\)/.test(e.stderr));
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help after the format, or anywhere, shows the usage of both formats and exits 0, as for the other commands', () => {
    for (const args of [['import', 'onnx', '--help'], ['import', 'caffe', 'x.prototxt', '--help'], ['export', 'onnx', 'x.json', '-h'], ['export', '--help']]) {
      const out = cortado(...args);
      assert.match(out, new RegExp(`^usage: cortado ${args[0]} caffe [^\\n]*\\n +cortado ${args[0]} onnx `), args.join(' '));
    }
    assert.match(cortado('--help'), /import onnx <model\.onnx> .*\n.*\n +export onnx <net\.json> /);
  });
});
