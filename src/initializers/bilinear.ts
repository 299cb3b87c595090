/**
 * Bilinear initializer (Caffe's BilinearFiller), for a Deconvolution that upsamples by a factor
 * f: kernel 2f - f % 2, stride f, pad ceil((f - 1) / 2), group = channels, bias off. Every
 * [kh, kw] plane of the weight holds the same bilinear interpolation kernel
 *   w(y, x) = (1 - |y / fh - ch|) (1 - |x / fw - cw|),  f· = ceil(k· / 2),  c· = (2 f· - 1 - f· % 2) / (2 f·).
 */
import type { Shape } from '../core/blob.js';
import type { HostFill, Initializer } from './initializer.js';

/** One axis of the kernel: the interpolation weights of its k taps. */
function taps(k: number): Float64Array {
  const f = Math.ceil(k / 2);
  const c = (2 * f - 1 - (f % 2)) / (2 * f);
  return Float64Array.from({ length: k }, (_, i) => 1 - Math.abs(i / f - c));
}

export function bilinear(): Initializer {
  return {
    type: 'Bilinear',
    fill: (out: HostFill, shape: Shape) => {
      const kh = shape.length >= 2 ? shape[shape.length - 2] : 1;
      const kw = shape.length >= 1 ? shape[shape.length - 1] : 1;
      const ty = taps(kh);
      const tx = taps(kw);
      for (let i = 0; i < out.length; i++) out[i] = ty[Math.floor(i / kw) % kh] * tx[i % kw];
    },
  };
}
