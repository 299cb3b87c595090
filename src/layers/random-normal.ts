/**
 * RandomNormal (Mocha's): a source of noise. Every forward fills each top with fresh N(0, 1) values
 * made on the backend (`randomNormal`) from one key per top drawn from the run's random source, so
 * every backend sees the same values for the same seed (to its float precision). No bottoms, no
 * parameters, nothing to propagate.
 *
 * Shapes: top i has `shapes[i]`.
 */
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface RandomNormalConfig extends BaseConfig {
  /** The shape of each top, one per top name (required), e.g. [[64, 100]]. */
  shapes: number[][];
}

export class RandomNormalLayer extends Layer<RandomNormalConfig> {
  setup(_bottoms: Blob[]): Shape[] {
    return this.config.shapes;
  }

  forward(_bottoms: Blob[], tops: Blob[]): void {
    for (const t of tops) this.ctx.backend.randomNormal(t.count, this.ctx.rng.nextUint32(), t.data);
  }
}

export const RandomNormal: LayerType<RandomNormalConfig> = {
  type: 'RandomNormal',
  parse(r, base) {
    expectBlobs(r, base, 0, [1, Infinity]);
    const raw = r.raw.shapes;
    r.accept('shapes');
    const ok = Array.isArray(raw) && raw.length === base.tops.length && raw.every((s) =>
      Array.isArray(s) && s.length > 0 && s.every((d) => Number.isInteger(d) && d >= 1));
    if (!ok) r.fail('shapes', `a list of ${base.tops.length} shape${base.tops.length === 1 ? '' : 's'} (one per top), each a non-empty list of positive integers`, raw);
    return { ...base, shapes: raw as number[][] };
  },
  create: (c) => new RandomNormalLayer(c),
};
