/**
 * A standalone LayerContext for testing one layer without a Net: parameters in the Net's own
 * ParamStore (created with their initializer from the context's Random), scratch buffers straight
 * from the backend. `buildLayer` parses a config, sets the layer up on given bottoms and creates
 * its tops, honouring `sharesData` (Split) as the Net does.
 */
import type { Backend, Buf, HostArray } from '../../src/backend/backend.js';
import { Blob, type Shape } from '../../src/core/blob.js';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import { parseLayerConfig, type BaseConfig, type Layer, type LayerConfig, type LayerContext, type Param, type ParamOptions, type Phase } from '../../src/core/layer.js';
import { ParamStore } from '../../src/core/param-store.js';
import { Random } from '../../src/core/random.js';
import { uniform, type Initializer } from '../../src/initializers/initializer.js';
import { layerTypes } from '../../src/layers/index.js';
import type { LayerTypes } from '../../src/core/net.js';

export function hostArray(backend: Backend, n: number): HostArray {
  return backend.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

export class TestContext implements LayerContext {
  /** The layer's parameters, declared as in a net (Net uses the same store): ties, constraints, lrMult. */
  readonly params: ParamStore;
  readonly buffers: Buf[] = [];
  readonly rng: Random;

  constructor(readonly backend: Backend, readonly phase: Phase = 'train', seed = 42, private readonly layer?: LayerConfig) {
    this.rng = new Random(seed);
    this.params = new ParamStore(backend, this.rng);
  }

  param(name: string, index: number, shape: Shape, init: Initializer, options?: ParamOptions): Param {
    if (!this.layer) throw new ConfigError('test context: parameters need the config of the layer that declares them');
    return this.params.declare(this.layer as BaseConfig, name, index, shape, init, options);
  }

  buffer(n: number): Buf {
    const b = this.backend.alloc(n);
    this.buffers.push(b);
    return b;
  }
}

export interface BuiltLayer {
  layer: Layer;
  ctx: TestContext;
  bottoms: Blob[];
  tops: Blob[];
}

export interface BuildOptions {
  phase?: Phase;
  /** Seed of the context's Random (parameter init, dropout masks, shuffles); default 42. */
  seed?: number;
  /** Values of each bottom (default zeros). */
  values?: ArrayLike<number>[];
  /** Parameters declared before this layer (a tie's target, see LayerCase.existingParams). */
  existingParams?: readonly { key: string; shape: Shape }[];
  /** Where `raw.type` is looked up (default: the standard set; Node's tests pass nodeLayerTypes). */
  layerTypes?: LayerTypes;
}

/** Parses `raw` (its `bottoms` name the bottoms, of `shapes`), binds a TestContext, sets up, creates tops. */
export function buildLayer(backend: Backend, raw: LayerConfig, shapes: readonly Shape[], opts: BuildOptions = {}): BuiltLayer {
  const type = (opts.layerTypes ?? layerTypes).get(raw.type);
  if (!type) throw new ConfigError(`test harness: unknown layer type "${raw.type}"`);
  const config = parseLayerConfig(raw, type);
  if (config.bottoms.length !== shapes.length) {
    throw new ShapeError(`test harness: layer "${config.name}" has ${config.bottoms.length} bottoms but ${shapes.length} shapes were given`);
  }
  const layer = type.create(config);
  const ctx = new TestContext(backend, opts.phase ?? 'train', opts.seed ?? 42, config);
  for (const { key, shape } of opts.existingParams ?? []) {
    const cut = key.lastIndexOf('___');
    const owner = { type: 'earlier layer', name: key.slice(0, cut), paramKey: key.slice(0, cut), params: [] } as unknown as BaseConfig;
    ctx.params.declare(owner, key.slice(cut + 3), 0, shape, uniform(-1, 1));
  }
  layer.bind(ctx);
  const bottoms = shapes.map((s, i) => new Blob(backend, config.bottoms[i], s));
  opts.values?.forEach((v, i) => bottoms[i].write(v));
  const topShapes = layer.setup(bottoms);
  const shares = layer.sharesData;
  const tops = topShapes.map((s, i) => new Blob(backend, config.tops[i], s, shares ? bottoms[0] : undefined));
  return { layer, ctx, bottoms, tops };
}

/** Restores the layer's and the random source's state, so that repeated forwards see the same data and masks. */
export function stateSnapshot(built: BuiltLayer): () => void {
  const rng = built.ctx.rng.getState();
  const layer = built.layer.getState?.();
  return () => {
    built.ctx.rng.setState(rng);
    if (layer && built.layer.setState) built.layer.setState(layer);
  };
}

/** Frees every buffer of a built layer (blobs, parameters, scratch), each once; device backends need it. */
export function releaseLayer(built: BuiltLayer): void {
  const bufs = new Set<Buf>(built.ctx.buffers);
  for (const blob of [...built.bottoms, ...built.tops, ...[...built.ctx.params.values()].map((p) => p.blob)]) {
    bufs.add(blob.data);
    bufs.add(blob.diff);
  }
  for (const b of bufs) built.ctx.backend.free(b);
}
