/**
 * Per-layer timing of a built net (Caffe's `caffe time`): where an iteration's time goes.
 *
 * After `warmup` untimed iterations, each of `iterations` timed ones runs every layer's forward in
 * execution order and then, when `backward` is on, every backward in reverse order, each call
 * followed by `backend.synchronize()` so a device backend's queued work lands on its own layer.
 * A layer's figure is its mean over the timed iterations; its share is its forward + backward over
 * the sum of all layers' (so shares add up to 100%). Parameter gradients are zeroed before each
 * iteration (backward accumulates into them); no solver update runs.
 *
 * Synchronizing after every layer costs a device backend its overlap of host and device work, so
 * the iteration is also timed whole: `iterationMs` is the mean of `iterations` further plain
 * forward (+ backward) passes with one synchronize each, and `imagesPerSecond` = batch / that.
 */
import type { Net } from './net.js';
import { ConfigError } from './errors.js';

export interface TimeOptions {
  /** Timed iterations (default 10). */
  iterations?: number;
  /** Untimed iterations first, to fill caches and let allocators and JITs settle (default 2). */
  warmup?: number;
  /** Time backward too (default: true for a train-phase net, false for a test-phase one). */
  backward?: boolean;
  /** The clock, in milliseconds (default performance.now). */
  now?: () => number;
}

export interface LayerTiming {
  name: string;
  type: string;
  /** Mean milliseconds of the layer's forward. */
  forwardMs: number;
  /** Mean milliseconds of its backward; null when it runs none (no gradient reaches it, or backward is off). */
  backwardMs: number | null;
  /** (forward + backward) / the sum over all layers, in percent. */
  share: number;
}

export interface NetTiming {
  net: string;
  phase: string;
  backend: string;
  /** The backend's precision when it is not its dtype's (mixed precision: 'float16', 'bfloat16'). */
  precision?: string;
  batchSize: number;
  iterations: number;
  warmup: number;
  backward: boolean;
  layers: LayerTiming[];
  /** Sums of the layers' means. */
  forwardMs: number;
  backwardMs: number;
  /** Mean milliseconds of a whole iteration timed without per-layer synchronization. */
  iterationMs: number;
  /** batchSize / iterationMs, per second. */
  imagesPerSecond: number;
}

/** Times `net` layer by layer (see the module comment). */
export function timeNet(net: Net, options: TimeOptions = {}): NetTiming {
  const iterations = count(options.iterations ?? 10, 'iterations', 1);
  const warmup = count(options.warmup ?? 2, 'warmup', 0);
  const backward = options.backward ?? net.phase === 'train';
  const now = options.now ?? (() => performance.now());
  const layers = net.layers;
  const n = layers.length;
  const fwd = new Float64Array(n);
  const bwd = new Float64Array(n);
  const sync = () => net.backend.synchronize();
  const whole = () => {
    if (backward) net.clearParamDiffs();
    net.forward();
    if (backward) net.backward();
    sync();
  };

  for (let it = 0; it < warmup; it++) whole();
  for (let it = 0; it < iterations; it++) {
    if (backward) net.clearParamDiffs();
    sync();
    for (let i = 0; i < n; i++) {
      const t = now();
      net.forwardFromTo(i, i + 1);
      sync();
      fwd[i] += now() - t;
    }
    if (!backward) continue;
    for (let i = n - 1; i >= 0; i--) {
      if (!net.needsBackward(i)) continue;
      const t = now();
      net.backwardFromTo(i, i + 1);
      sync();
      bwd[i] += now() - t;
    }
  }
  const t = now();
  for (let it = 0; it < iterations; it++) whole();
  const iterationMs = (now() - t) / iterations;

  const rows = layers.map((l, i) => ({
    name: l.name,
    type: l.type,
    forwardMs: fwd[i] / iterations,
    backwardMs: backward && net.needsBackward(i) ? bwd[i] / iterations : null,
    share: 0,
  }));
  const forwardMs = rows.reduce((s, r) => s + r.forwardMs, 0);
  const backwardMs = rows.reduce((s, r) => s + (r.backwardMs ?? 0), 0);
  const total = forwardMs + backwardMs;
  for (const r of rows) r.share = total > 0 ? (100 * (r.forwardMs + (r.backwardMs ?? 0))) / total : 100 / n;
  const batchSize = net.batchSize;
  return {
    net: net.name, phase: net.phase, backend: net.backend.name,
    ...(net.backend.precision && net.backend.precision !== 'float32' ? { precision: net.backend.precision } : {}),
    batchSize, iterations, warmup, backward,
    layers: rows, forwardMs, backwardMs, iterationMs, imagesPerSecond: iterationMs > 0 ? (1000 * batchSize) / iterationMs : Infinity,
  };
}

/** The timing as a table: one row per layer, then the totals (what `cortado time` prints). */
export function timingTable(t: NetTiming): string {
  const ms = (x: number | null) => (x === null ? '-' : x.toFixed(3));
  const rows = [['layer', 'type', 'forward ms', 'backward ms', 'share']];
  for (const l of t.layers) rows.push([l.name, l.type, ms(l.forwardMs), ms(l.backwardMs), `${l.share.toFixed(1)}%`]);
  const sum = ['total', '', ms(t.forwardMs), t.backward ? ms(t.backwardMs) : '-', '100.0%'];
  const widths = rows[0]!.map((_, c) => Math.max(...[...rows, sum].map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const what = t.backward ? 'forward + backward' : 'forward';
  return [
    `${t.net} (${t.phase} phase, ${t.backend} backend${t.precision ? ` in ${t.precision}` : ''}, batch ${t.batchSize}): mean of ${t.iterations} iterations after ${t.warmup} warm-up`,
    line(rows[0]!), rule, ...rows.slice(1).map(line), rule, line(sum),
    `iteration (${what}, timed whole): ${t.iterationMs.toFixed(3)} ms, ${Math.round(t.imagesPerSecond).toLocaleString('en-US')} images/s`,
  ].join('\n');
}

function count(x: number, name: string, min: number): number {
  if (!Number.isInteger(x) || x < min) throw new ConfigError(`timeNet: option "${name}" must be an integer of at least ${min}, found ${x}`);
  return x;
}
