/**
 * Parameter initializers (Caffe's fillers, Mocha's initializers). Each fills a host array of the
 * parameter's shape from the run's random source; the net uploads it once.
 *
 * Fan-in and fan-out follow Caffe: for a weight of shape [out, in, ...rest],
 * fanIn = count / out and fanOut = count / in.
 */
import type { Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ConfigReader, type Raw } from '../core/config.js';
import type { Random } from '../core/random.js';
import { bilinear } from './bilinear.js';
import { orthogonal } from './orthogonal.js';

export type HostFill = { length: number; [i: number]: number };

export interface Initializer {
  readonly type: string;
  fill(out: HostFill, shape: Shape, rng: Random): void;
}

/** Every element equal to `value` (default 0). */
export function constant(value = 0): Initializer {
  return { type: 'Constant', fill: (out) => { for (let i = 0; i < out.length; i++) out[i] = value; } };
}

/** Normal with the given mean (default 0) and standard deviation (default 1). */
export function gaussian(std = 1, mean = 0): Initializer {
  return { type: 'Gaussian', fill: (out, _s, rng) => rng.fillNormal(out, mean, std) };
}

/** Uniform in [min, max) (default [0, 1)). */
export function uniform(min = 0, max = 1): Initializer {
  return { type: 'Uniform', fill: (out, _s, rng) => rng.fillUniform(out, min, max) };
}

export type FanMode = 'in' | 'out' | 'average';

function fan(shape: Shape, mode: FanMode): number {
  const count = countOf(shape);
  const fanIn = count / (shape[0] || 1);
  const fanOut = shape.length > 1 ? count / (shape[1] || 1) : count;
  return mode === 'in' ? fanIn : mode === 'out' ? fanOut : (fanIn + fanOut) / 2;
}

/** Xavier/Glorot: uniform in ±sqrt(3 / fan), Caffe's XavierFiller (fan-in by default). */
export function xavier(mode: FanMode = 'in'): Initializer {
  return {
    type: 'Xavier',
    fill: (out, shape, rng) => {
      const a = Math.sqrt(3 / fan(shape, mode));
      rng.fillUniform(out, -a, a);
    },
  };
}

/** MSRA/He: normal with std sqrt(2 / fan), Caffe's MSRAFiller (fan-in by default). */
export function msra(mode: FanMode = 'in'): Initializer {
  return { type: 'MSRA', fill: (out, shape, rng) => rng.fillNormal(out, 0, Math.sqrt(2 / fan(shape, mode))) };
}

/**
 * Reads an initializer from a definition: `{ type: 'Xavier' }`, `{ type: 'Gaussian', std: 0.01 }`,
 * `{ type: 'Constant', value: 0.1 }`, `{ type: 'Uniform', min: -1, max: 1 }`, `{ type: 'MSRA' }`.
 * Xavier and MSRA take `fan: 'in' | 'out' | 'average'`; `{ type: 'Orthogonal', gain: 1 }`,
 * `{ type: 'Bilinear' }` (for upsampling Deconvolutions).
 */
export function parseInitializer(raw: unknown, where: string, def: Initializer): Initializer {
  if (raw === undefined) return def;
  const r = new ConfigReader(raw as Raw, where);
  const type = r.oneOf('type', ['Constant', 'Gaussian', 'Uniform', 'Xavier', 'MSRA', 'Orthogonal', 'Bilinear'] as const);
  let init: Initializer;
  switch (type) {
    case 'Constant': init = constant(r.number('value', 0)); break;
    case 'Gaussian': init = gaussian(r.number('std', 1, { min: 0 }), r.number('mean', 0)); break;
    case 'Uniform': {
      const min = r.number('min', 0);
      init = uniform(min, r.number('max', 1, { min }));
      break;
    }
    case 'Xavier': init = xavier(r.oneOf('fan', ['in', 'out', 'average'] as const, 'in')); break;
    case 'MSRA': init = msra(r.oneOf('fan', ['in', 'out', 'average'] as const, 'in')); break;
    case 'Orthogonal': init = orthogonal(r.number('gain', 1)); break;
    case 'Bilinear': init = bilinear(); break;
  }
  r.finish();
  return init;
}

/** Reads initializer field `key` of a layer definition, `def` when absent. */
export function readInitializer(r: ConfigReader, key: string, def: Initializer): Initializer {
  return r.custom(key, (raw, where) => parseInitializer(raw, where, def));
}
