/**
 * A standalone LayerContext for testing one layer without a Net: parameters in a Map (created
 * with their initializer from the context's Random, as the Net does), scratch buffers straight
 * from the backend. `buildLayer` parses a config, sets the layer up on given bottoms and creates
 * its tops, honouring `sharesData` (Split) as the Net does.
 */
import type { Backend, Buf, HostArray } from '../../src/backend/backend.js';
import { Blob, type Shape } from '../../src/core/blob.js';
import { ConfigError, ShapeError, shapeStr } from '../../src/core/errors.js';
import { parseLayerConfig, type Layer, type LayerConfig, type LayerContext, type Param, type Phase } from '../../src/core/layer.js';
import { Random } from '../../src/core/random.js';
import type { Initializer } from '../../src/initializers/initializer.js';
import { layerTypes } from '../../src/layers/index.js';

export function hostArray(backend: Backend, n: number): HostArray {
  return backend.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

export class TestContext implements LayerContext {
  readonly params = new Map<string, Param>();
  readonly buffers: Buf[] = [];
  readonly rng: Random;

  constructor(readonly backend: Backend, readonly phase: Phase = 'train', seed = 42, private readonly layerName = 'layer') {
    this.rng = new Random(seed);
  }

  param(name: string, _index: number, shape: Shape, init: Initializer): Param {
    const key = `${this.layerName}___${name}`;
    const existing = this.params.get(key);
    if (existing) {
      if (shapeStr(existing.blob.shape) !== shapeStr(shape)) throw new ShapeError(`test context: parameter "${key}" declared twice with different shapes`);
      return existing;
    }
    const blob = new Blob(this.backend, key, shape);
    const host = hostArray(this.backend, blob.count);
    init.fill(host, shape, this.rng);
    blob.write(host);
    const p: Param = { key, name, blob, lrMult: 1, decayMult: 1 };
    this.params.set(key, p);
    return p;
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
}

/** Parses `raw` (its `bottoms` name the bottoms, of `shapes`), binds a TestContext, sets up, creates tops. */
export function buildLayer(backend: Backend, raw: LayerConfig, shapes: readonly Shape[], opts: BuildOptions = {}): BuiltLayer {
  const type = layerTypes.get(raw.type);
  if (!type) throw new ConfigError(`test harness: unknown layer type "${raw.type}"`);
  const config = parseLayerConfig(raw, type);
  if (config.bottoms.length !== shapes.length) {
    throw new ShapeError(`test harness: layer "${config.name}" has ${config.bottoms.length} bottoms but ${shapes.length} shapes were given`);
  }
  const layer = type.create(config);
  const ctx = new TestContext(backend, opts.phase ?? 'train', opts.seed ?? 42, config.paramKey);
  layer.bind(ctx);
  const bottoms = shapes.map((s, i) => new Blob(backend, config.bottoms[i], s));
  opts.values?.forEach((v, i) => bottoms[i].write(v));
  const topShapes = layer.setup(bottoms);
  const shares = (layer as unknown as { sharesData?: boolean }).sharesData === true;
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
