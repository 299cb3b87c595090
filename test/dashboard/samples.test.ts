import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { captureSamples } from '../../src/dashboard/samples.js';
import { renderDashboard } from '../../src/dashboard/view.js';
import type { DashboardState } from '../../src/dashboard/state.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { smallMlp } from '../harness/small-mlp.js';

/** The pixels of a 24-bit top-down BMP data URL, as [rows][columns][b, g, r]. */
function decodeBmp(url: string): { w: number; h: number; px: number[][][] } {
  const bytes = Buffer.from(url.replace(/^data:image\/bmp;base64,/, ''), 'base64');
  assert.equal(bytes.toString('latin1', 0, 2), 'BM');
  assert.equal(bytes.readUInt32LE(2), bytes.length);
  const w = bytes.readInt32LE(18);
  const h = -bytes.readInt32LE(22);
  assert.equal(bytes.readUInt16LE(28), 24);
  const stride = (w * 3 + 3) & ~3;
  const px = Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => [...bytes.subarray(54 + y * stride + x * 3, 57 + y * stride + x * 3)]));
  return { w, h, px };
}

test('captureSamples: the first inputs of the batch, their labels and the argmax of the Accuracy layer\'s scores', () => {
  const net = new Net(smallMlp({ testData: true }), { backend: new JsBackend('float32'), phase: 'test', seed: 5 });
  net.forward();
  const samples = captureSamples(net, 5);
  assert.equal(samples.length, 5);
  assert.deepEqual(samples.map((s) => s.label), [0, 1, 2, 0, 1]);
  const s = net.blob('s').read();
  assert.deepEqual(samples.map((x) => x.predicted), [0, 1, 2, 3, 4].map((i) => [0, 1, 2].reduce((b, k) => (s[i * 3 + k] > s[i * 3 + b] ? k : b), 0)));
  // Sample 0 is x = sin(1.7 k), k = 0..3: a 4x1 gray strip stretched to 0..255.
  const { w, h, px } = decodeBmp(samples[0].image);
  assert.deepEqual([w, h], [4, 1]);
  const x = [0, 1, 2, 3].map((k) => Math.sin(k * 1.7));
  const lo = Math.min(...x);
  const hi = Math.max(...x);
  assert.deepEqual(px[0].map((p) => p[0]), x.map((v) => Math.round(((v - lo) * 255) / (hi - lo))));
  assert.ok(px[0].every(([b, g, r]) => b === g && g === r), 'gray');
});

test('captureSamples: images of 1 or 3 channels keep their shape (RGB stored as BGR); a net without Accuracy gives none', () => {
  const rgb = new Float32Array(2 * 3 * 2 * 2);
  rgb.set([0, 1, 1, 0, /* green */ 0, 0, 1, 1, /* blue */ 0, 0, 0, 1], 0);
  const layers: LayerConfig[] = [
    { type: 'MemoryData', name: 'd', tops: ['img', 'label'], batchSize: 2, data: [{ values: rgb, shape: [2, 3, 2, 2] }, { values: new Float32Array([1, 0]), shape: [2] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['img'], tops: ['s'], numOutput: 2 },
    { type: 'Accuracy', name: 'acc', bottoms: ['s', 'label'], tops: ['accuracy'] },
  ];
  const net = new Net(layers, { backend: new JsBackend('float32'), phase: 'test', seed: 1 });
  net.forward();
  const [first] = captureSamples(net, 1);
  const { w, h, px } = decodeBmp(first.image);
  assert.deepEqual([w, h], [2, 2]);
  assert.deepEqual(px, [[[0, 0, 0], [0, 0, 255]], [[0, 255, 255], [255, 255, 0]]]);
  assert.equal(first.label, 1);
  const plain = new Net(layers.slice(0, 2), { backend: new JsBackend('float32'), phase: 'test', seed: 1 });
  plain.forward();
  assert.deepEqual(captureSamples(plain), []);
});

test('the view draws samples as images with predicted (true) captions, marks wrong ones, and draws only data:image URLs', () => {
  const state: DashboardState = {
    title: 't', iter: 10, maxIter: 20, running: true, loss: 1, lr: 0.1, imagesPerSecond: 5, validation: {}, statistics: {}, layers: [], time: 0,
    samples: [
      { image: 'data:image/bmp;base64,Qk0=', label: 3, predicted: 3 },
      { image: 'javascript:alert(1)', label: 2, predicted: 7 },
    ],
  };
  const html = renderDashboard(state);
  assert.match(html, /<figure class="sample" data-label="3" data-predicted="3"><img src="data:image\/bmp;base64,Qk0=" [^>]*><figcaption>3<\/figcaption>/);
  assert.match(html, /<figure class="sample wrong" data-label="2" data-predicted="7"><img src=""[^>]*><figcaption>7 \(true 2\)<\/figcaption>/);
  assert.doesNotMatch(html, /javascript:/);
  assert.doesNotMatch(renderDashboard({ ...state, samples: [] }), /class="samples"/);
});
