/**
 * Layer: a validated plain-JSON config plus setup / forward / backward written once against the
 * Backend interface. Config (what the user declared) and state (buffers a backend allocated at
 * setup) stay apart: the config object is never mutated.
 *
 * Contract for every layer:
 * - `setup` sees the bottoms (shapes known), declares parameters and scratch buffers through the
 *   context, and returns the shapes of its tops. It runs once per net.
 * - `forward` overwrites the tops' data.
 * - `backward` overwrites the bottoms' diff where `propagateDown[i]` is true, and accumulates
 *   parameter gradients into each parameter's diff (the net zeroes them once per iteration, so
 *   shared parameters and gradient accumulation just work).
 */
import type { Shard } from './shard.js';
import type { Backend, Buf } from '../backend/backend.js';
import type { Blob, Shape } from './blob.js';
import { ConfigReader, type Raw } from './config.js';
import { ConfigError } from './errors.js';
import { knownFields, type ProbedType } from './field-probe.js';
import type { Initializer } from '../initializers/initializer.js';
import type { Constraint } from '../constraints/constraint.js';
import type { Random } from './random.js';

export type Phase = 'train' | 'test';

/** Per-parameter multipliers, Caffe's ParamSpec: effective lr = baseLr × lrMult, decay = weightDecay × decayMult. */
export interface ParamSpec {
  lrMult?: number;
  decayMult?: number;
}

/** Fields every layer accepts. */
export interface LayerConfig {
  type: string;
  name: string;
  bottoms?: string[];
  tops?: string[];
  /** Build this layer only in the given phase (Caffe's include). */
  include?: { phase: Phase };
  /** Leave this layer out in the given phase (Caffe's exclude). */
  exclude?: { phase: Phase };
  /** Layers with the same paramKey share their parameters (Mocha's param_key). Default: the name. */
  paramKey?: string;
  /** Multipliers for each parameter in order (weight, bias). Default lrMult 1, decayMult 1. */
  params?: ParamSpec[];
  [field: string]: unknown;
}

/** The common fields after validation. */
export interface BaseConfig {
  type: string;
  name: string;
  bottoms: string[];
  tops: string[];
  paramKey: string;
  params: Required<ParamSpec>[];
}

/** A learnable parameter. Shared parameters are the same Param object in every layer that uses it. */
export interface Param {
  /** Sharing key, also the name in snapshots and weight files: `<paramKey>___<name>`. */
  readonly key: string;
  /** 'weight', 'bias', ... */
  readonly name: string;
  readonly blob: Blob;
  readonly lrMult: number;
  readonly decayMult: number;
  /** Applied by the solver after each update of this parameter (e.g. L2Cons). */
  readonly constraint?: Constraint;
}

/** Optional parts of a parameter declaration. */
export interface ParamOptions {
  /** Applied by the solver after each update (set by the layer that creates the parameter). */
  constraint?: Constraint;
  /**
   * Use the parameter of this key, created by a layer set up earlier, instead of declaring
   * `<paramKey>___<name>` (tied weights); the net fails if it does not exist yet.
   */
  tiedKey?: string;
}

/** What a layer gets from the net: the backend, the phase, the run's random source, allocation. */
export interface LayerContext {
  readonly backend: Backend;
  readonly phase: Phase;
  readonly rng: Random;
  /** This process's share of the data in a data-parallel run (data layers read it; absent: all of it). */
  readonly shard?: Shard;
  /**
   * Declares parameter `name` (the `index`-th of the layer, for ParamSpec lookup). Returns the
   * shared parameter when another layer with the same paramKey created it (shapes must agree).
   * `options` attach a constraint or tie to another layer's parameter (see ParamOptions).
   */
  param(name: string, index: number, shape: Shape, init: Initializer, options?: ParamOptions): Param;
  /** A scratch buffer owned by the layer for the life of the net. */
  buffer(n: number): Buf;
}

/** A layer whose tops take values from outside, batch by batch (Input): what net.predict feeds. */
export interface Feeder {
  readonly name: string;
  readonly type: string;
  /** Samples per forward pass. */
  readonly batchSize: number;
  /** The tops, in order. */
  readonly topNames: readonly string[];
  /** The shape of one sample as fed to `top`. */
  sampleShape(top: string): Shape;
  /** Values of one sample as fed to `top`. */
  sampleSize(top: string): number;
  /** Stages one batch of values (batchSize samples) for `top`, used by the next forward. */
  feed(top: string, values: ArrayLike<number>): void;
}

export abstract class Layer<C extends BaseConfig = BaseConfig> {
  /** Parameters in declaration order (filled by setup). */
  readonly params: Param[] = [];
  /** Set by the net; a frozen layer's parameters receive no gradient and no update. */
  frozen = false;
  protected ctx!: LayerContext;

  constructor(readonly config: C) {}

  get name(): string {
    return this.config.name;
  }

  get type(): string {
    return this.config.type;
  }

  /** A data layer has no bottoms and feeds the net from outside. */
  get isData(): boolean {
    return false;
  }

  /** A metric (Accuracy): Net.outputs() reports its first top though it weighs nothing in the objective. */
  get isMetric(): boolean {
    return false;
  }

  /** The layer as a Feeder when values are given to it from outside (Input; net.predict feeds it), else null. */
  get feeder(): Feeder | null {
    return null;
  }

  /** Its tops alias the first bottom's data (Split): the net makes them views of it, costing no memory. */
  get sharesData(): boolean {
    return false;
  }

  /** Completed passes over its data, for a data layer that counts them (undefined otherwise); Net.epoch reads it. */
  get epoch(): number | undefined {
    return undefined;
  }

  /** Weight of this layer's first top in the net's objective (0 unless a loss). */
  get lossWeight(): number {
    return 0;
  }

  /** Whether backward can produce a gradient for bottom `i` (false for labels, accuracy...). */
  propagatesTo(_i: number): boolean {
    return true;
  }

  /** Called by the net once, before setup. */
  bind(ctx: LayerContext): void {
    this.ctx = ctx;
  }

  abstract setup(bottoms: Blob[]): Shape[];
  abstract forward(bottoms: Blob[], tops: Blob[]): void;
  backward(_tops: Blob[], _propagateDown: boolean[], _bottoms: Blob[]): void {}

  /** Layers with state that a resumed run needs (data position, shuffle order) return it here. */
  getState?(): Record<string, unknown>;
  setState?(state: Record<string, unknown>): void;

  /** Releases what the layer holds outside the backend (open files, worker threads); Net.destroy calls it. */
  destroy?(): void;

  /** Declares a parameter, keeping it in `this.params`. */
  protected param(name: string, shape: Shape, init: Initializer, options?: ParamOptions): Param {
    const p = this.ctx.param(name, this.params.length, shape, init, options);
    this.params.push(p);
    return p;
  }
}

/** A layer type: how to read its config and make a layer from it. One per file in src/layers. */
export interface LayerType<C extends BaseConfig = BaseConfig> {
  readonly type: string;
  /** Reads the type-specific fields (the common ones are already read into `base`). */
  parse(r: ConfigReader, base: BaseConfig): C;
  create(config: C): Layer<C>;
}

/** Reads the fields common to all layers, then the type's own, and rejects unknown fields. */
export function parseLayerConfig<C extends BaseConfig>(raw: Raw, lt: LayerType<C>): C {
  const name = typeof raw.name === 'string' && raw.name ? raw.name : '?';
  const r = new ConfigReader(raw, `layer "${name}" (${lt.type})`);
  r.accept('type', 'include', 'exclude');
  if (r.has('params') && !Array.isArray(raw.params)) r.fail('params', 'a list of { lrMult, decayMult }, one per parameter', raw.params);
  const params = (r.has('params') ? (raw.params as unknown[]) : []).map((p, i) => {
    const pr = new ConfigReader(p as Raw, `${r.where}, params[${i}]`);
    const spec = { lrMult: pr.number('lrMult', 1, { min: 0 }), decayMult: pr.number('decayMult', 1, { min: 0 }) };
    pr.finish();
    return spec;
  });
  r.accept('params');
  const base: BaseConfig = {
    type: lt.type,
    name: r.string('name'),
    bottoms: r.strings('bottoms', []),
    tops: r.strings('tops', []),
    paramKey: r.string('paramKey', name),
    params,
  };
  let config: C;
  try {
    config = lt.parse(r, base);
  } catch (e) {
    // An unknown field is the likelier mistake (`nmOutput` for `numOutput`): report it first.
    const { fields, complete } = knownFields(lt as unknown as ProbedType);
    if (e instanceof ConfigError && / must be given/.test(e.message) && complete) r.rejectUnknownBesides([...fields.keys()]);
    throw e;
  }
  r.finish();
  return config;
}

/** Checks bottom and top counts, for use in `parse`. */
export function expectBlobs(r: ConfigReader, base: BaseConfig, bottoms: number | [number, number], tops: number | [number, number]): void {
  const check = (what: string, n: number, want: number | [number, number]) => {
    const [lo, hi] = typeof want === 'number' ? [want, want] : want;
    if (n < lo || n > hi) {
      const expected = lo === hi ? `${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
      r.fail(what, `a list of ${expected} blob name${hi === 1 ? '' : 's'}`, what === 'bottoms' ? base.bottoms : base.tops);
    }
  };
  check('bottoms', base.bottoms.length, bottoms);
  check('tops', base.tops.length, tops);
}
