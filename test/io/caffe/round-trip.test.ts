/**
 * Cortado → Caffe → Cortado for every row of the layer-cases table that Caffe can hold: the
 * case's layer behind an Input layer is exported (prototxt + caffemodel) and imported back, and
 * the imported net must hold the same weights and compute the same tops (float32 tolerance). The
 * rows Caffe cannot hold are listed with the reason; exporting each of them must fail with a
 * ConfigError naming the layer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/core/errors.js';
import type { LayerConfig } from '../../../src/core/layer.js';
import { exportCaffe, importCaffe } from '../../../src/io/caffe/index.js';
import { layerCases, type LayerCase } from '../../harness/layer-cases.js';
import { caseInputs } from '../../harness/run-case.js';
import { build, load, maxRelDiff, run, weightsOf } from './helpers.js';

/** Rows Caffe cannot hold, and why. */
const NOT_IN_CAFFE: Record<string, string> = {
  'softmax-loss-class-weights': 'class weights',
  'rnn-T4-N2-fresh': 'no continuation markers (Caffe\'s RNN needs them)',
  'rnn-T4-N2-fresh-no-output': 'no continuation markers and no output layer (Caffe\'s RNN needs both)',
  'rnn-T5-N3-fresh-relu-no-output': 'no continuation markers, no output layer and ReLU (Caffe\'s RNN needs both and uses tanh)',
  'rnn-T3-N2-relu-no-output': 'no output layer (Caffe\'s RNN always has one) and ReLU (Caffe\'s uses tanh)',
  'rnn-T3-N2-static-relu': 'ReLU (Caffe\'s RNN uses tanh)',
  'lstm-T5-N3-4d-fresh': 'no continuation markers (Caffe\'s LSTM needs them)',
  'lstm-T1-N2-fresh': 'no continuation markers (Caffe\'s LSTM needs them)',
  ...Object.fromEntries(['reverse-time', 'reverse-axis1', 'reverse-axis-last', 'reverse-one'].map((n) => [n, 'no Caffe layer (Reverse)'])),
  ...Object.fromEntries(layerCases.filter((c) => c.config.type === 'GRU').map((c) => [c.name, 'no Caffe layer (GRU)'])),
  ...Object.fromEntries(layerCases.filter((c) => c.config.type === 'Compare').map((c) => [c.name, 'no Caffe layer (Compare)'])),
  ...Object.fromEntries(layerCases.filter((c) => c.config.type === 'LogSoftmax').map((c) => [c.name, 'no Caffe layer (LogSoftmax)'])),
  ...Object.fromEntries(layerCases.filter((c) => c.config.type === 'Upsample').map((c) => [c.name, 'no Caffe layer (Upsample)'])),
  'softmax-loss-class-weights-spatial-ignore': 'class weights',
  'softplus-beta': 'beta 2.5 (Caffe\'s BNLL has beta 1)',
  'square-loss': 'no Caffe layer',
  'binary-ce-loss': 'no Caffe layer',
  'gaussian-kl-loss': 'no Caffe layer',
  'softlabel-softmax-loss': 'no Caffe layer',
  'softlabel-softmax-loss-spatial': 'no Caffe layer',
  'multinomial-logistic-loss-weights-ignore-spatial': 'class weights and ignoreLabel',
  'hinge-loss-sign-L1': "Mocha's ±1 labels",
  'hinge-loss-sign-L2': "Mocha's ±1 labels",
  'wasserstein-loss': 'no Caffe layer',
  'binary-accuracy': 'no Caffe layer',
  'elementwise-divide': 'Caffe\'s Eltwise does not divide',
  'tied-ip': 'no Caffe layer (TiedInnerProduct)',
  'tied-ip-4d-sigmoid': 'no Caffe layer (TiedInnerProduct)',
  'random-mask-train': 'no Caffe layer',
  'random-mask-test': 'no Caffe layer',
  'random-normal': 'no Caffe layer',
  'channel-pool-max': 'no Caffe layer',
  'channel-pool-max-overlap-pad': 'no Caffe layer',
  'channel-pool-mean': 'no Caffe layer',
  'channel-pool-mean-axis-last': 'no Caffe layer',
  'channel-pool-mean-pad': 'no Caffe layer',
  'index2onehot': 'no Caffe layer',
  'index2onehot-spatial': 'no Caffe layer',
  'memory-output': 'no Caffe layer',
  'sequence-data': 'no Caffe layer',
  input: 'transformers (Caffe transforms data in its data layers)',
  layernorm: 'no Caffe layer (MVN divides by σ + eps, not sqrt(σ² + eps))',
  'layernorm-axis1': 'no Caffe layer (MVN divides by σ + eps, not sqrt(σ² + eps))',
  'layernorm-plain': 'no Caffe layer (MVN divides by σ + eps, not sqrt(σ² + eps))',
  erf: 'no Caffe layer',
  matmul: 'no Caffe layer',
  'matmul-4d-transposeB': 'no Caffe layer',
  'matmul-shared-b': 'no Caffe layer',
  'matmul-shared-b-transposed': 'no Caffe layer',
  gelu: 'no Caffe layer',
  'gelu-wide': 'no Caffe layer',
  'gelu-tanh': 'no Caffe layer',
};

/** Rows Caffe can hold but Cortado cannot read back, and why. */
const NOT_BACK: Record<string, string> = {
  'ip-neuron-Exponential': "exported as Caffe's Exp layer, which Cortado does not have",
  'conv-neuron-Exponential': "exported as Caffe's Exp layer, which Cortado does not have",
  'memory-data': "exported as Caffe's Input layer (Caffe's MemoryData is fed by code): its data stays behind",
  'memory-data-ordered-wrap': "exported as Caffe's Input layer (Caffe's MemoryData is fed by code): its data stays behind",
};

function withInput(c: LayerCase): LayerConfig[] {
  const names = c.config.bottoms ?? [];
  // One Input per bottom: Cortado's Input wants one batch size across its tops, the cases do not.
  return [...names.map((b, i): LayerConfig => ({ type: 'Input', name: `input_${b}`, tops: [b], shapes: [[...c.bottoms[i]]] })), c.config];
}

function inputsOf(c: LayerCase): Record<string, Float64Array> {
  const values = caseInputs(c, 11);
  return Object.fromEntries((c.config.bottoms ?? []).map((b, i) => [b, values[i]]));
}

describe('Caffe round trip of the layer cases', () => {
  for (const c of layerCases) {
    const skip = NOT_IN_CAFFE[c.name] ?? NOT_BACK[c.name];
    if (NOT_IN_CAFFE[c.name]) {
      it(`${c.name}: export is refused (${skip})`, () => {
        assert.throws(() => exportCaffe(withInput(c)), (e: Error) => e instanceof ConfigError && e.message.includes(`layer "${c.config.name}"`));
      });
      continue;
    }
    it(c.name, { skip: NOT_BACK[c.name] }, () => {
      const phase = c.phase ?? 'train';
      const layers = withInput(c);
      const original = build(layers, phase);
      const tops = original.layers.find((l) => l.name === c.config.name)!.config.tops;
      const expected = run(original, inputsOf(c), tops);
      const weights = weightsOf(original);
      const { prototxt, caffemodel } = exportCaffe({ name: c.name, layers }, weights);
      const imported = importCaffe(prototxt, caffemodel);
      assert.deepEqual([...imported.weights.keys()].sort(), [...weights.keys()].sort());
      for (const [key, e] of weights) {
        assert.deepEqual(imported.weights.get(key)!.shape, e.shape, key);
        assert.deepEqual(Float32Array.from(imported.weights.get(key)!.values), e.values, key);
      }
      const back = build(imported.definition.layers, phase);
      load(back, imported.weights);
      const found = run(back, inputsOf(c), tops);
      for (const t of tops) assert.ok(maxRelDiff(expected.get(t)!, found.get(t)!) < 1e-6, `top "${t}": ${expected.get(t)} vs ${found.get(t)}`);
      original.destroy();
      back.destroy();
    });
  }
});
