/**
 * Exp and Log elementwise (Caffe's Exp and Log layers).
 *
 * Shapes: top the shape of the bottom (may be the same blob).
 *   Exp  forward   y = base^(shift + scale x)   (base -1, the default, is e), computed as
 *                  base^shift · exp(scale ln(base) x), as Caffe does
 *        backward  dx = scale ln(base) y dy
 *   Log  forward   t = shift + scale x;  y = log_base(t) = ln(t) / ln(base)   (base -1: ln)
 *        backward  dx = scale dy / (t ln(base))
 * Exp's backward reads y, Log's the t kept from forward, so neither reads x: in place is safe.
 * A base must be positive and not 1, or -1.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import type { ConfigReader } from '../core/config.js';

export interface ExpLogConfig extends BaseConfig {
  /** The base: -1 (the default) for e, else a positive number other than 1. */
  base: number;
  /** Multiplier of x (default 1). */
  scale: number;
  /** Added after scaling (default 0). */
  shift: number;
}

/** ln(base), 1 for the default base -1 (e). */
function lnBase(c: ExpLogConfig): number {
  return c.base === -1 ? 1 : Math.log(c.base);
}

export class ExpLayer extends Layer<ExpLogConfig> {
  setup(bottoms: Blob[]): Shape[] {
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const c = this.config;
    const n = bottoms[0].count;
    const y = tops[0].data;
    b.axpby(n, c.scale * lnBase(c), bottoms[0].data, 0, y);
    b.exp(n, y, y);
    if (c.shift !== 0) b.scal(n, Math.exp(c.shift * lnBase(c)), y);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dx = bottoms[0].diff;
    b.mul(n, tops[0].diff, tops[0].data, dx);
    b.scal(n, this.config.scale * lnBase(this.config), dx);
  }
}

export class LogLayer extends Layer<ExpLogConfig> {
  /** shift + scale x, from forward. */
  private t!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    this.t = this.ctx.buffer(bottoms[0].count);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const c = this.config;
    const n = bottoms[0].count;
    b.axpby(n, c.scale, bottoms[0].data, 0, this.t);
    if (c.shift !== 0) b.addScalar(n, c.shift, this.t);
    b.log(n, this.t, tops[0].data);
    if (c.base !== -1) b.scal(n, 1 / lnBase(c), tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dx = bottoms[0].diff;
    b.div(n, tops[0].diff, this.t, dx);
    b.scal(n, this.config.scale / lnBase(this.config), dx);
  }
}

function parse(r: ConfigReader, base: BaseConfig): ExpLogConfig {
  expectBlobs(r, base, 1, 1);
  const b = r.number('base', -1);
  if (b !== -1 && !(b > 0 && b !== 1)) r.fail('base', 'a positive number other than 1, or -1 for e', b);
  return { ...base, base: b, scale: r.number('scale', 1), shift: r.number('shift', 0) };
}

export const Exp: LayerType<ExpLogConfig> = { type: 'Exp', parse, create: (c) => new ExpLayer(c) };
export const Log: LayerType<ExpLogConfig> = { type: 'Log', parse, create: (c) => new LogLayer(c) };
