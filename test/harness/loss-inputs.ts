/** Input generators for the loss and metric rows of the layer-cases table. */
import { countOf } from '../../src/core/blob.js';
import type { InputGen } from './layer-cases.js';

/** Uniform values in [lo, hi). */
export function uniform(lo: number, hi: number): InputGen {
  return (shape, rng) => {
    const out = new Float64Array(countOf(shape));
    rng.fillUniform(out, lo, hi);
    return out;
  };
}

/** 0 or 1 at random. */
export function bits(): InputGen {
  return (shape, rng) => Float64Array.from({ length: countOf(shape) }, () => rng.int(2));
}

/** -1 or +1 at random (Mocha's binary hinge labels). */
export function signs(): InputGen {
  return (shape, rng) => Float64Array.from({ length: countOf(shape) }, () => 2 * rng.int(2) - 1);
}

/**
 * A probability distribution over axis 1 at every position of [outer, C, inner...], each entry at
 * least 0.1 / C so that logs and quotients stay tame.
 */
export function distributions(): InputGen {
  return (shape, rng) => {
    const n = countOf(shape);
    const C = shape[1];
    const inner = countOf(shape.slice(2));
    const out = new Float64Array(n);
    rng.fillUniform(out, 0.1, 1);
    for (let o = 0; o < n / (C * inner); o++) {
      for (let i = 0; i < inner; i++) {
        let sum = 0;
        for (let c = 0; c < C; c++) sum += out[(o * C + c) * inner + i];
        for (let c = 0; c < C; c++) out[(o * C + c) * inner + i] /= sum;
      }
    }
    return out;
  };
}
