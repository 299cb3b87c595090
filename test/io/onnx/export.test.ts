/**
 * exportOnnx against onnxruntime for every row of the layer-cases table that ONNX can hold: the
 * case's layer behind Input layers is exported and run in onnxruntime-node on the case's inputs,
 * and its tops must match the net's forward (test phase) within float32 tolerance. The rows ONNX
 * cannot hold are listed with the reason; exporting each of them must fail with a ConfigError
 * naming the layer. Skips with a visible reason when onnxruntime-node is absent.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/core/errors.js';
import { exportOnnx } from '../../../src/io/onnx/index.js';
import { layerCases } from '../../harness/layer-cases.js';
import { build, run } from '../caffe/helpers.js';
import { inputsOf, loadOrt, maxRelDiff, ortMissing, runOrt, withInput } from './helpers.js';

/** Rows ONNX cannot hold (or an inference graph has no use for), and why. */
export const NOT_IN_ONNX: Record<string, string> = {
  ...Object.fromEntries(layerCases.filter((c) => /Loss$/.test(c.config.type)).map((c) => [c.name, 'a loss'])),
  accuracy: 'a metric', 'accuracy-top2': 'a metric', 'accuracy-spatial-ignore': 'a metric', 'accuracy-ties-top2': 'a metric', 'accuracy-sequence-axis2': 'a metric', 'binary-accuracy': 'a metric',
  'pool-max-stride-past-image': 'a last window outside the image (Caffe gives 0 there)',
  'pool-mean-stride-past-image': 'a last window outside the image (Caffe gives 0 there)',
  embed: 'not covered by the export table', 'embed-nobias': 'not covered by the export table',
  'tied-ip': 'not covered (TiedInnerProduct)', 'tied-ip-4d-sigmoid': 'not covered (TiedInnerProduct)',
  'random-mask-train': 'random masking', 'random-mask-test': 'random masking', 'random-normal': 'random values',
  'channel-pool-max': 'not covered (ChannelPooling)', 'channel-pool-max-overlap-pad': 'not covered (ChannelPooling)',
  'channel-pool-mean': 'not covered (ChannelPooling)', 'channel-pool-mean-axis-last': 'not covered (ChannelPooling)',
  'channel-pool-mean-pad': 'not covered (ChannelPooling)',
  index2onehot: 'not covered (Index2Onehot)', 'index2onehot-spatial': 'not covered (Index2Onehot)',
  ...Object.fromEntries(layerCases.filter((c) => (c.config.type === 'LSTM' || c.config.type === 'GRU') && c.config.bottoms!.length > 1).map((c) => [c.name, "Caffe's continuation markers and carried state"])),
  ...Object.fromEntries(layerCases.filter((c) => c.config.type === 'RNN' && c.config.output !== false).map((c) => [c.name, "Caffe's RNN output layer, which ONNX's RNN lacks"])),
  ...Object.fromEntries(layerCases.filter((c) => c.config.type === 'RNN' && c.config.output === false && c.config.bottoms!.length > 1).map((c) => [c.name, "Caffe's continuation markers and carried state"])),
  'sequence-data': 'a data layer',
  'memory-data': 'a data layer', 'memory-data-ordered-wrap': 'a data layer', 'memory-output': 'an output sink', input: 'transformers',
};

/** Rows ONNX holds but this test cannot compare, and why. */
export const NOTHING_TO_COMPARE: Record<string, string> = { silence: 'no tops: the graph has no output' };

describe('ONNX export of the layer cases, run in onnxruntime', async () => {
  const ort = await loadOrt();
  for (const c of layerCases) {
    if (NOT_IN_ONNX[c.name]) {
      it(`${c.name}: export is refused (${NOT_IN_ONNX[c.name]})`, () => {
        assert.throws(() => exportOnnx(withInput(c)), (e: Error) => e instanceof ConfigError && e.message.includes(`layer "${c.config.name}"`));
      });
      continue;
    }
    it(c.name, { skip: NOTHING_TO_COMPARE[c.name] ?? (ort ? false : ortMissing()) }, async () => {
      const net = build(withInput(c), 'test');
      const tops = net.layers.find((l) => l.name === c.config.name)!.config.tops;
      const inputs = inputsOf(c);
      const expected = run(net, inputs, tops);
      const model = exportOnnx(net);
      const feeds = Object.fromEntries(Object.entries(inputs).map(([b, v]) => [b, { values: v, shape: net.blob(b).shape }]));
      const found = await runOrt(model, feeds);
      for (const t of tops) {
        const f = found.get(t);
        assert.ok(f, `no output "${t}"; outputs ${[...found.keys()]}`);
        assert.deepEqual(f.dims, [...net.blob(t).shape], `top "${t}" shape`);
        const err = maxRelDiff(expected.get(t)!, f.data);
        assert.ok(err < 1e-5, `top "${t}": max relative error ${err}\n  cortado ${expected.get(t)}\n  onnx    ${f.data}`);
      }
      net.destroy();
    });
  }
});
