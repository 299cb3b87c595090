/**
 * Caffe's fillers ↔ Cortado's initializers (both only matter for training from scratch; weights
 * read from a caffemodel replace them).
 *
 *   Caffe filler                     Cortado initializer
 *   constant { value }               { type: 'Constant', value }
 *   gaussian { mean std }            { type: 'Gaussian', mean, std }      (sparse not kept)
 *   uniform { min max }              { type: 'Uniform', min, max }
 *   xavier { variance_norm }         { type: 'Xavier', fan: 'in' | 'out' | 'average' }
 *   msra { variance_norm }           { type: 'MSRA', fan }
 *   bilinear                         { type: 'Bilinear' }
 *   other (positive_unitball ...)    left out: the layer's default initializer
 * Orthogonal has no Caffe filler and is left out on export.
 */
import type { Msg } from './codec.js';

const FANS: Record<string, string> = { FAN_IN: 'in', FAN_OUT: 'out', AVERAGE: 'average' };
const NORMS: Record<string, string> = { in: 'FAN_IN', out: 'FAN_OUT', average: 'AVERAGE' };

/** The initializer for a Caffe filler, or undefined (absent or without a Cortado counterpart). */
export function fillerToInit(f: Msg | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  const fan = f.variance_norm !== undefined ? { fan: FANS[f.variance_norm] ?? 'in' } : {};
  switch (f.type ?? 'constant') {
    case 'constant': return { type: 'Constant', value: f.value ?? 0 };
    case 'gaussian': return { type: 'Gaussian', mean: f.mean ?? 0, std: f.std ?? 1 };
    case 'uniform': return { type: 'Uniform', min: f.min ?? 0, max: f.max ?? 1 };
    case 'xavier': return { type: 'Xavier', ...fan };
    case 'msra': return { type: 'MSRA', ...fan };
    case 'bilinear': return { type: 'Bilinear' };
    default: return undefined;
  }
}

/** The Caffe filler for a raw initializer definition, or undefined. */
export function initToFiller(init: unknown): Msg | undefined {
  if (init === null || typeof init !== 'object') return undefined;
  const i = init as Record<string, any>;
  const norm = i.fan !== undefined ? { variance_norm: NORMS[i.fan] } : {};
  switch (i.type) {
    case 'Constant': return { type: 'constant', value: i.value ?? 0 };
    case 'Gaussian': return { type: 'gaussian', mean: i.mean ?? 0, std: i.std ?? 1 };
    case 'Uniform': return { type: 'uniform', min: i.min ?? 0, max: i.max ?? 1 };
    case 'Xavier': return { type: 'xavier', ...norm };
    case 'MSRA': return { type: 'msra', ...norm };
    case 'Bilinear': return { type: 'bilinear' };
    default: return undefined;
  }
}
