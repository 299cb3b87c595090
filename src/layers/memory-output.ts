/**
 * MemoryOutput: collects its bottoms on the host, batch by batch, for the caller to read after
 * forward passes (Mocha's MemoryOutputLayer). No tops.
 *   forward   outputs[bottom_k].push(host copy of bottom_k's data)
 *   backward  none (nothing is propagated to the bottoms)
 * Each forward downloads every bottom, so use it for what the caller reads (predictions,
 * features), not inside a training loop that does not need them. `reset()` drops what was
 * collected; the layer never drops anything on its own.
 */
import type { Blob, Shape } from '../core/blob.js';
import { ConfigError } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { where } from './shapes.js';

export class MemoryOutputLayer extends Layer<BaseConfig> {
  /** Bottom name -> one Float32Array per forward pass, in the order of the passes. */
  readonly outputs = new Map<string, Float32Array[]>();

  setup(): Shape[] {
    this.reset();
    return [];
  }

  override propagatesTo(): boolean {
    return false;
  }

  forward(bottoms: Blob[]): void {
    bottoms.forEach((x, k) => {
      const host = this.ctx.backend.download(x.data);
      this.outputs.get(this.config.bottoms[k])?.push(host instanceof Float32Array ? host : Float32Array.from(host));
    });
  }

  /** Forgets every collected batch (the bottoms stay registered, with empty lists). */
  reset(): void {
    for (const name of this.config.bottoms) this.outputs.set(name, []);
  }

  /** The collected batches of bottom `name` joined into one array (batch after batch). */
  concat(name: string): Float32Array {
    const list = this.outputs.get(name);
    if (!list) {
      throw new ConfigError(`${where(this.config)}: no bottom named "${name}"; bottoms are ${this.config.bottoms.map((b) => `"${b}"`).join(', ')}`);
    }
    const out = new Float32Array(list.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of list) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  }
}

export const MemoryOutput: LayerType<BaseConfig> = {
  type: 'MemoryOutput',
  parse(r, base) {
    expectBlobs(r, base, [1, Infinity], 0);
    return base;
  },
  create: (c) => new MemoryOutputLayer(c),
};
