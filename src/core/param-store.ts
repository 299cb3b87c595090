/**
 * ParamStore: the parameters of one net (and of the nets that share them), by key.
 *
 * A layer declares each parameter through its context (LayerContext.param); the store creates it
 * once, filled by its initializer from the run's random source, and hands the same Param to every
 * later declaration of that key (Caffe's and Mocha's sharing by layer name):
 *   key        `<paramKey>___<name>`, or `tiedKey` (ParamOptions) for a tie to a parameter that an
 *              earlier layer declared (an error when it does not exist yet);
 *   lrMult, decayMult   from the declaring layer's `params[index]` (default 1);
 *   constraint from ParamOptions.
 * A second declaration must agree on the shape. The Net and the test harness's standalone layer
 * context both use this class, so a layer under test gets exactly what it gets in a net.
 */
import type { Backend } from '../backend/backend.js';
import { Blob, type Shape } from './blob.js';
import { ConfigError, ShapeError, layerRef, shapeStr } from './errors.js';
import type { BaseConfig, Param, ParamOptions } from './layer.js';
import type { Random } from './random.js';
import type { Initializer } from '../initializers/initializer.js';

/** Called before a new parameter's memory is allocated (the net's memory budget); may throw. */
export type ParamReserve = (owner: string, key: string, shape: Shape) => void;

export class ParamStore implements ReadonlyMap<string, Param> {
  private readonly map = new Map<string, Param>();

  constructor(readonly backend: Backend, readonly rng: Random, private readonly reserve?: ParamReserve) {}

  /** The parameter `name` (the `index`-th) of the layer configured by `layer`; see the top of this file. */
  declare(layer: BaseConfig, name: string, index: number, shape: Shape, init: Initializer, options?: ParamOptions): Param {
    const owner = layerRef(layer.name, layer.type);
    const key = options?.tiedKey ?? `${layer.paramKey}___${name}`;
    const existing = this.map.get(key);
    if (options?.tiedKey && !existing) {
      throw new ConfigError(`${owner}: no parameter "${key}" to tie to; a layer with that paramKey must declare it and come before this one (feed this layer from its output)`);
    }
    if (existing) {
      if (shapeStr(existing.blob.shape) !== shapeStr(shape)) {
        throw new ShapeError(`${owner}: parameter "${key}" is shared with shape ${shapeStr(existing.blob.shape)} but this layer needs ${shapeStr(shape)}`);
      }
      return existing;
    }
    this.reserve?.(owner, key, shape);
    const blob = new Blob(this.backend, key, shape);
    const host = this.backend.dtype === 'float64' ? new Float64Array(blob.count) : new Float32Array(blob.count);
    init.fill(host, shape, this.rng);
    blob.write(host);
    const spec = layer.params[index];
    const p: Param = {
      key, name, blob, lrMult: spec?.lrMult ?? 1, decayMult: spec?.decayMult ?? 1,
      ...(options?.constraint && { constraint: options.constraint }),
    };
    this.map.set(key, p);
    return p;
  }

  // ---- ReadonlyMap ----
  get size(): number {
    return this.map.size;
  }

  get(key: string): Param | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  keys(): MapIterator<string> {
    return this.map.keys();
  }

  values(): MapIterator<Param> {
    return this.map.values();
  }

  entries(): MapIterator<[string, Param]> {
    return this.map.entries();
  }

  forEach(fn: (value: Param, key: string, map: ReadonlyMap<string, Param>) => void): void {
    for (const [k, v] of this.map) fn(v, k, this);
  }

  [Symbol.iterator](): MapIterator<[string, Param]> {
    return this.map.entries();
  }
}
