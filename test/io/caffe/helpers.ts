/** Shared by the Caffe tests: building a net on JsBackend, feeding it, running it, its weights. */
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import type { LayerConfig, Phase } from '../../../src/core/layer.js';
import { Net } from '../../../src/node/net.js';
import type { ArrayEntry } from '../../../src/node/io/hdf5.js';
import type { InputLayer } from '../../../src/layers/input.js';
import type { Random } from '../../../src/core/random.js';

export function build(layers: LayerConfig[], phase: Phase = 'test', seed = 7): Net {
  return new Net(layers, { backend: new JsBackend('float32'), phase, seed });
}

/** Feeds the Input layers' tops by name, runs forward, returns the named blobs' data. */
export function run(net: Net, inputs: Record<string, ArrayLike<number>>, blobs: string[]): Map<string, Float32Array> {
  for (const l of net.layers) {
    if (l.type !== 'Input') continue;
    for (const top of l.config.tops) if (inputs[top]) (l as InputLayer).feed(top, inputs[top]);
  }
  net.forward();
  return new Map(blobs.map((b) => [b, Float32Array.from(net.blob(b).read())]));
}

/** Every parameter of the net by key, host copies. */
export function weightsOf(net: Net): Map<string, ArrayEntry> {
  return new Map(net.params.map((p) => [p.key, { shape: [...p.blob.shape], values: Float32Array.from(p.blob.read()) }]));
}

/** Loads weights by key into the net's parameters (every parameter must be there). */
export function load(net: Net, weights: Map<string, ArrayEntry>): void {
  for (const p of net.params) {
    const e = weights.get(p.key);
    if (!e) throw new Error(`no weights for "${p.key}"; have ${[...weights.keys()].join(', ')}`);
    p.blob.write(e.values);
  }
}

/** Largest |a - b| / max(1, |a|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return m;
}

/** A copy of `bytes` with `flips` single bits flipped at random places. */
export function flipped(bytes: Uint8Array, rng: Random, flips: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let k = 0; k < flips; k++) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
}
