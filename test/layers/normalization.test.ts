/** BatchNorm and LRN against their formulas, computed here directly on small inputs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Net } from '../../src/node/net.js';
import { ConfigError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-10): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Per-channel mean and biased variance of x [N, C, S]. */
function channelStats(x: number[], N: number, C: number, S: number): { mean: number[]; variance: number[] } {
  const mean = Array(C).fill(0);
  const variance = Array(C).fill(0);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) mean[c] += x[(n * C + c) * S + s] / (N * S);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) variance[c] += (x[(n * C + c) * S + s] - mean[c]) ** 2 / (N * S);
  return { mean, variance };
}

const bn = (extra: Record<string, unknown> = {}): LayerConfig => ({ type: 'BatchNorm', name: 'bn', bottoms: ['x'], tops: ['y'], ...extra });

describe('BatchNorm', () => {
  const [N, C, S] = [3, 2, 2];
  const x1 = [1, 2, -3, 4, 0.5, 6, 7, -8, 9, 1, 2, 3];
  const x2 = x1.map((v, i) => v * 0.5 + i);

  it('train: normalizes with the batch statistics and accumulates them as Caffe does', () => {
    const b = buildLayer(backend, bn({ movingAverageFraction: 0.9, eps: 1e-3 }), [[N, C, 1, S]], { values: [x1] });
    b.layer.forward(b.bottoms, b.tops);
    const s1 = channelStats(x1, N, C, S);
    const y = x1.map((v, i) => (v - s1.mean[Math.floor(i / S) % C]) / Math.sqrt(s1.variance[Math.floor(i / S) % C] + 1e-3));
    close(b.tops[0].read(), y, 'y');
    b.bottoms[0].write(x2);
    b.layer.forward(b.bottoms, b.tops);
    const s2 = channelStats(x2, N, C, S);
    const m = N * S;
    const [mean, variance, sf] = b.layer.params.map((p) => p.blob.read());
    assert.deepEqual(b.layer.params.map((p) => p.name), ['mean', 'variance', 'scaleFactor']);
    close(mean, s1.mean.map((v, c) => 0.9 * v + s2.mean[c]), 'mean');
    close(variance, s1.variance.map((v, c) => (0.9 * v + s2.variance[c]) * m / (m - 1)), 'variance');
    close(sf, [1.9], 'scaleFactor');
  });

  it('test phase: uses mean / scaleFactor and variance / scaleFactor; backward is dy / sqrt(var + eps)', () => {
    const b = buildLayer(backend, bn({ eps: 0.01 }), [[N, C, S]], { values: [x1], phase: 'test' });
    b.layer.params[0].blob.write([2, -4]);
    b.layer.params[1].blob.write([8, 2]);
    b.layer.params[2].blob.write([2]);
    b.layer.forward(b.bottoms, b.tops);
    const mean = [1, -2];
    const std = [Math.sqrt(4.01), Math.sqrt(1.01)];
    const c = (i: number) => Math.floor(i / S) % C;
    close(b.tops[0].read(), x1.map((v, i) => (v - mean[c(i)]) / std[c(i)]), 'y');
    const dy = x1.map((_, i) => i - 5);
    b.tops[0].writeDiff(dy);
    b.layer.backward(b.tops, [true], b.bottoms);
    close(b.bottoms[0].readDiff(), dy.map((v, i) => v / std[c(i)]), 'dx');
  });

  it('useGlobalStats: true in training, and a zero scaleFactor reads as zero statistics', () => {
    const b = buildLayer(backend, bn({ useGlobalStats: true, eps: 0.25 }), [[2, 2]], { values: [[1, 2, 3, 4]] });
    b.layer.forward(b.bottoms, b.tops);
    close(b.tops[0].read(), [2, 4, 6, 8], 'y');
    close(b.layer.params[2].blob.read(), [0], 'scaleFactor is left alone');
  });

  it('in a net, the statistics are saved but never learned; the test net shares them', () => {
    const defs: LayerConfig[] = [
      { type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 4, data: [{ values: new Float64Array(24).map((_, i) => Math.sin(i)), shape: [8, 3] }, { values: new Float64Array(8).map((_, i) => i % 2), shape: [8] }] },
      { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['h'], numOutput: 2 },
      bn({ bottoms: ['h'], tops: ['hn'], params: [{ lrMult: 1 }] }),
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['hn', 'label'] },
    ];
    const net = new Net(defs, { backend });
    assert.deepEqual(net.params.map((p) => p.key), ['ip___weight', 'ip___bias', 'bn___mean', 'bn___variance', 'bn___scaleFactor']);
    assert.deepEqual(net.learnableParams.map((p) => p.key), ['ip___weight', 'ip___bias']);
    const stats = net.params.slice(2);
    assert.ok(stats.every((p) => p.lrMult === 0 && p.decayMult === 0));
    net.forward();
    assert.equal(stats[2].blob.read()[0], 1);
    const test = new Net(defs, { backend, phase: 'test', shareParamsWith: net });
    assert.ok(test.params.slice(2).every((p, i) => p === stats[i]));
  });

  it('rejects bad fields', () => {
    assert.throws(() => buildLayer(backend, bn({ eps: 0 }), [[2, 2]]), (e: Error) => e instanceof ConfigError && /layer "bn" \(BatchNorm\)/.test(e.message) && /"eps"/.test(e.message));
    assert.throws(() => buildLayer(backend, bn({ movingAverageFraction: 1.5 }), [[2, 2]]), (e: Error) => e instanceof ConfigError && /"movingAverageFraction"/.test(e.message));
    assert.throws(() => buildLayer(backend, bn(), [[1, 3]]), /at least 2 values per channel/);
  });
});

/** Caffe's LRN computed directly: s = k + alpha/n Σ window x², y = x s^-beta. */
function lrnReference(x: number[], shape: number[], o: { localSize: number; alpha: number; beta: number; k: number; within: boolean }): number[] {
  const [N, C, H, W] = shape;
  const half = (o.localSize - 1) / 2;
  const at = (n: number, c: number, h: number, w: number) =>
    c < 0 || c >= C || h < 0 || h >= H || w < 0 || w >= W ? 0 : x[((n * C + c) * H + h) * W + w];
  const y: number[] = [];
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    let sum = 0;
    if (o.within) {
      for (let dh = -half; dh <= half; dh++) for (let dw = -half; dw <= half; dw++) sum += at(n, c, h + dh, w + dw) ** 2;
      sum /= o.localSize * o.localSize;
    } else {
      for (let dc = -half; dc <= half; dc++) sum += at(n, c + dc, h, w) ** 2;
      sum /= o.localSize;
    }
    y.push(at(n, c, h, w) * (o.k + o.alpha * sum) ** -o.beta);
  }
  return y;
}

describe('LRN', () => {
  const shape = [2, 4, 3, 3];
  const x = Array.from({ length: 72 }, (_, i) => Math.sin(i * 0.7) * 2);
  for (const o of [
    { localSize: 5, alpha: 1, beta: 0.75, k: 1, within: false },
    { localSize: 3, alpha: 0.3, beta: 0.5, k: 2, within: false },
    { localSize: 3, alpha: 2, beta: 0.75, k: 1, within: true },
  ]) {
    it(`${o.within ? 'WITHIN_CHANNEL' : 'ACROSS_CHANNELS'} localSize ${o.localSize}, alpha ${o.alpha}, beta ${o.beta}, k ${o.k} matches the formula`, () => {
      const { within, ...fields } = o;
      const b = buildLayer(backend, { type: 'LRN', name: 'lrn', bottoms: ['x'], tops: ['y'], ...fields, normRegion: within ? 'WITHIN_CHANNEL' : 'ACROSS_CHANNELS' }, [shape], { values: [x] });
      b.layer.forward(b.bottoms, b.tops);
      close(b.tops[0].read(), lrnReference(x, shape, o), 'y');
    });
  }

  it('defaults are Caffe\'s and an even localSize is rejected', () => {
    const b = buildLayer(backend, { type: 'LRN', name: 'lrn', bottoms: ['x'], tops: ['y'] }, [[1, 1, 1, 1]], { values: [[2]] });
    b.layer.forward(b.bottoms, b.tops);
    close(b.tops[0].read(), [2 * (1 + 4 / 5) ** -0.75], 'y');
    assert.throws(() => buildLayer(backend, { type: 'LRN', name: 'lrn', bottoms: ['x'], tops: ['y'], localSize: 4 }, [[1, 1, 1, 1]]),
      (e: Error) => e instanceof ConfigError && /"localSize" must be an odd number, found 4/.test(e.message));
    assert.throws(() => buildLayer(backend, { type: 'LRN', name: 'lrn', bottoms: ['x'], tops: ['y'], normRegion: 'ACROSS' }, [[1, 1, 1, 1]]), /"normRegion"/);
  });
});
