/**
 * Net: layers joined by blob names into a DAG.
 *
 * Construction (all errors name the layer and blob concerned):
 * 1. keep the layers of this phase (Caffe's include / exclude), read and validate every config;
 * 2. sort topologically: every bottom must be some layer's top, a top has one producer, no cycles;
 *    layers that do not depend on each other keep their order of definition;
 * 3. insert a Split after any blob that feeds two or more back-propagating consumers, so that each
 *    consumer owns the diff it writes (Caffe's insert_splits); the split `<blob>_split` and its tops
 *    `<blob>_split_<i>` get a suffix `_<k>` where the definition already uses such a name;
 * 4. set every layer up in order, inferring the shapes of its tops; parameters are created or
 *    shared through one store keyed `<paramKey>___<name>` (a test net built with `shareParamsWith`
 *    uses the train net's store).
 */
import type { Backend } from '../backend/backend.js';
import { Blob, type Shape } from './blob.js';
import { ConfigError, NumericError, ShapeError, layerRef, shapeStr } from './errors.js';
import { DEVICE_ERROR_LAYER_HINT } from '../backend/kernel-abi.js';
import { Layer, parseLayerConfig, type LayerConfig, type LayerContext, type LayerType, type Param, type Phase } from './layer.js';
import { Random, checkSeed } from './random.js';
import { NO_SHARD, checkShard, type Shard } from './shard.js';
import { MemoryLedger } from './memory.js';
import { defaultMemoryBudget } from './limits.js';
import { closest, describe, type Raw } from './config.js';
import { ParamStore } from './param-store.js';
import { Split } from './split.js';
import { predict, type PredictInputs, type PredictOptions } from './predict.js';

/** Layer types by their `type` name (LayerType.type). */
export type LayerTypes = ReadonlyMap<string, LayerType<any>>;

export interface NetOptions {
  backend: Backend;
  /**
   * The layer types a definition may use, by name. Nets made through the package's entries
   * (`cortado`, `cortado/browser`) default to the standard set (in Node, with the HDF5 layers);
   * `withLayerTypes(layerTypes, MyLayer)` adds a user's own.
   */
  layerTypes: LayerTypes;
  /** Which layers to build (default 'train'). */
  phase?: Phase;
  /** The run's random source; made from `seed` (default 42) when not given. */
  rng?: Random;
  /** An integer in [0, 2^32 - 1] (default 42). */
  seed?: number;
  /**
   * Bytes this net may allocate at setup (tops, parameters, layers' scratch; see core/memory.ts);
   * a definition that needs more is refused, naming its largest blobs. Default: 75% of the
   * machine's memory in Node, 2 GiB where it is unknown (limits.ts); Infinity: no budget.
   */
  memoryBudget?: number;
  /** Share parameters with a net built from the same definition (a test net and its train net). */
  shareParamsWith?: Net;
  /** Shown in messages and toString (default 'net'). */
  name?: string;
  /**
   * This process's rank among `size` data-parallel processes: data layers serve its share of each
   * global batch of size × batchSize samples (see core/shard.ts). Default { rank: 0, size: 1 }.
   */
  shard?: Shard;
  /**
   * Waits for the backend (`synchronize`) after every layer's forward and backward, so that an
   * error a GPU kernel leaves for the next read (a label that is not a class index, a bad row
   * index) is told with the layer that caused it, as the CPU backends tell it at once. For finding
   * bad input, as CUDA_LAUNCH_BLOCKING is in PyTorch: it stops the GPU from running ahead. Default
   * false; in Node, CORTADO_SYNC_LAYERS=1 turns it on.
   */
  syncEachLayer?: boolean;
}

interface Node {
  layer: Layer;
  bottoms: Blob[];
  tops: Blob[];
  bottomNames: string[];
  topNames: string[];
  /** Whether backward runs for this layer, and which bottoms it must produce a diff for. */
  needsBackward: boolean;
  propagateDown: boolean[];
}

/**
 * The net itself. It knows no layer type but Split: the types come in through `options.layerTypes`.
 * The package's entries export subclasses that default them: src/net.ts (the standard set) and, in
 * Node, src/node/net.ts (with the HDF5 layers, and weights files).
 */
export class Net {
  readonly name: string;
  readonly backend: Backend;
  readonly phase: Phase;
  readonly rng: Random;
  readonly shard: Shard;
  /** Parameters by key; shared with the nets built with `shareParamsWith` this net. */
  readonly paramStore: ParamStore;
  /** The layer types this net's definition could use. */
  readonly layerTypes: LayerTypes;
  private readonly nodes: Node[] = [];
  private readonly blobMap = new Map<string, Blob>();
  private readonly buffers: import('../backend/backend.js').Buf[] = [];
  private readonly ledger: MemoryLedger;
  private readonly syncEachLayer: boolean;
  private scaleOfLoss = 1;

  /**
   * `definition`: the layers, in any order, checked at run time against `options.layerTypes` (the
   * entries' subclasses type-check literal definitions too: LayerDefinition).
   */
  constructor(definition: readonly LayerConfig[], options: NetOptions) {
    this.name = options.name ?? 'net';
    this.syncEachLayer = options.syncEachLayer ?? false;
    this.backend = options.backend;
    this.phase = options.phase ?? 'train';
    if (options.seed !== undefined) checkSeed(options.seed, `${this.name}: option "seed"`);
    this.rng = options.rng ?? options.shareParamsWith?.rng ?? new Random(options.seed ?? 42);
    this.shard = options.shard ? checkShard(options.shard, `${this.name}: option "shard"`) : NO_SHARD;
    this.ledger = new MemoryLedger(options.memoryBudget ?? defaultMemoryBudget(), this.backend.dtype === 'float64' ? 8 : 4, this.name);
    if (options.shareParamsWith && options.shareParamsWith.backend !== this.backend) {
      throw new ConfigError(`${this.name}: shareParamsWith needs both nets on the same backend`);
    }
    this.paramStore = options.shareParamsWith?.paramStore ?? new ParamStore(this.backend, this.rng, (owner, key, shape) => {
      this.ledger.reserve(owner, `parameter "${key}"`, shape, 2);
    });
    if (!(options.layerTypes instanceof Map)) throw new ConfigError(`${this.name}: option "layerTypes" must be a Map of layer types by name, found ${describe(options.layerTypes)}`);
    this.layerTypes = options.layerTypes;
    if (!Array.isArray(definition)) throw new ConfigError(`${this.name}: the definition must be a list of layers, found ${describe(definition)}`);
    const layers = definition.flatMap((d, i) => (inPhase(d, i, this.phase) ? [makeLayer(d, i, this.layerTypes)] : []));
    const sorted = insertSplits(topoSort(layers));
    try {
      for (const entry of sorted) this.setupNode(entry.layer, entry.bottomNames);
    } catch (e) {
      // Layers set up before the failure may hold files or threads (HDF5Output, AsyncHDF5Data).
      this.destroy();
      throw e;
    }
    this.computeBackwardNeeds();
  }

  /** Layers in execution order (Splits included). */
  get layers(): readonly Layer[] {
    return this.nodes.map((n) => n.layer);
  }

  layer(name: string): Layer {
    const n = this.nodes.find((x) => x.layer.name === name);
    if (!n) throw new ConfigError(`${this.name}: no layer named "${name}"; layers are ${this.nodes.map((x) => `"${x.layer.name}"`).join(', ')}`);
    return n.layer;
  }

  blob(name: string): Blob {
    const b = this.blobMap.get(name);
    if (!b) throw new ConfigError(`${this.name}: no blob named "${name}"; blobs are ${[...this.blobMap.keys()].map((k) => `"${k}"`).join(', ')}`);
    return b;
  }

  get blobs(): ReadonlyMap<string, Blob> {
    return this.blobMap;
  }

  /** Distinct parameters used by this net's layers, in first-use order. */
  get params(): Param[] {
    const seen = new Set<Param>();
    for (const n of this.nodes) for (const p of n.layer.params) seen.add(p);
    return [...seen];
  }

  /** Parameters the solver updates: used by a layer that is not frozen, with lrMult > 0. */
  get learnableParams(): Param[] {
    const seen = new Set<Param>();
    for (const n of this.nodes) {
      if (n.layer.frozen) continue;
      for (const p of n.layer.params) if (p.lrMult > 0) seen.add(p);
    }
    return [...seen];
  }

  get dataLayers(): Layer[] {
    return this.nodes.filter((n) => n.layer.isData).map((n) => n.layer);
  }

  /** Completed passes over the data of the first data layer (0 when it has no epoch counter). */
  get epoch(): number {
    return this.dataLayers[0]?.epoch ?? 0;
  }

  /** Samples per forward pass: the first dimension of the first data layer's first top. */
  get batchSize(): number {
    const d = this.nodes.find((n) => n.layer.isData);
    return d ? d.tops[0].num : this.nodes[0]?.bottoms[0]?.num ?? 0;
  }

  /** Stops gradient computation and updates for these layers' parameters (Mocha's freeze!). */
  freeze(...names: string[]): void {
    for (const name of names) this.layer(name).frozen = true;
    this.computeBackwardNeeds();
  }

  unfreeze(...names: string[]): void {
    for (const name of names) this.layer(name).frozen = false;
    this.computeBackwardNeeds();
  }

  /** Runs every layer's forward; an error (a label out of range, say) is told with the layer's name. */
  forward(): void {
    this.forwardFromTo(0, this.nodes.length);
  }

  /**
   * Back-propagates through every layer that needs it, in reverse order. `layerDone` is called
   * after each layer's turn (also for layers that need no backward), so that a data-parallel solver
   * can start reducing the gradients no earlier layer adds to.
   */
  backward(layerDone?: (layer: Layer) => void): void {
    this.backwardFromTo(0, this.nodes.length, layerDone);
  }

  /** Forward of the layers at execution-order indices [from, to) (Caffe's ForwardFromTo). */
  forwardFromTo(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const n = this.nodes[i];
      try {
        n.layer.forward(n.bottoms, n.tops);
        if (this.syncEachLayer) this.backend.synchronize();
      } catch (e) {
        throw withLayer(e, n.layer);
      }
    }
  }

  /** Backward of the layers at indices [from, to), last first, skipping those that need none; `layerDone` as in backward. */
  backwardFromTo(from: number, to: number, layerDone?: (layer: Layer) => void): void {
    for (let i = to - 1; i >= from; i--) {
      const n = this.nodes[i];
      if (n.needsBackward) {
        try {
          n.layer.backward(n.tops, n.propagateDown, n.bottoms);
          if (this.scaleOfLoss !== 1 && n.layer.lossWeight !== 0) this.scaleLossGradient(n);
          if (this.syncEachLayer) this.backend.synchronize();
        } catch (e) {
          throw withLayer(e, n.layer);
        }
      }
      layerDone?.(n.layer);
    }
  }

  /**
   * Loss scaling (the solver's lossScale sets it around its backward passes; default 1): backward
   * multiplies the gradient each loss layer (a layer with a lossWeight) sends to its bottoms by
   * this factor, so that every diff of the pass, parameters' included, is this factor times the
   * gradient. Exact for powers of two barring overflow. A loss layer's bottom diff is its own to
   * scale: a blob that feeds two back-propagating layers gets a Split, and loss layers compute
   * their gradient from their loss alone (they do not read their tops' diffs). A loss layer with
   * learnable parameters of its own is refused (checkLossScaling), since those would go unscaled.
   */
  get lossScale(): number {
    return this.scaleOfLoss;
  }

  set lossScale(scale: number) {
    if (!(Number.isFinite(scale) && scale > 0)) throw new ConfigError(`${this.name}: the loss scale must be a finite number > 0, found ${scale}`);
    if (scale !== 1) this.checkLossScaling();
    this.scaleOfLoss = scale;
  }

  /** Throws a ConfigError when loss scaling cannot train this net: a loss layer learns parameters of its own. */
  checkLossScaling(): void {
    const n = this.nodes.find((x) => x.layer.lossWeight !== 0 && !x.layer.frozen && x.layer.params.some((p) => p.lrMult > 0));
    if (n) {
      throw new ConfigError(`${layerRef(n.layer.name, n.layer.type)}: a loss layer with learnable parameters cannot be trained with loss scaling (their gradients would miss the scale the solver divides every gradient by); freeze the layer or train without lossScale`);
    }
  }

  /** Whether backward runs for the layer at execution-order index `i` (Caffe's need_backward). */
  needsBackward(i: number): boolean {
    return this.nodes[i]?.needsBackward ?? false;
  }

  /** Blobs that no layer reads: the net's outputs (a deploy net's probabilities, a loss). */
  get outputBlobNames(): string[] {
    const read = new Set(this.nodes.flatMap((n) => n.bottomNames));
    return [...this.blobMap.keys()].filter((name) => !read.has(name));
  }

  /**
   * Runs N samples through the net's Input layers, batch by batch, and returns chosen blobs (by
   * default the outputs with a batch axis) as N × per-sample values each; see src/core/predict.ts.
   */
  predict(inputs: PredictInputs, options?: PredictOptions): Map<string, Float32Array> {
    return predict(this, this.outputBlobNames, inputs, options);
  }

  /** Zeroes every parameter gradient of this net (backward accumulates into them). */
  clearParamDiffs(): void {
    for (const p of this.params) p.blob.zeroDiff();
  }

  /** The objective of the last forward pass: Σ lossWeight × loss over the loss layers. */
  loss(): number {
    let total = 0;
    for (const n of this.nodes) {
      const w = n.layer.lossWeight;
      if (w !== 0) total += w * this.scalar(n.tops[0]);
    }
    return total;
  }

  /** The losses of the last forward pass by top name (unweighted), plus every accuracy-like scalar top. */
  outputs(): Map<string, number> {
    const out = new Map<string, number>();
    for (const n of this.nodes) {
      if (n.layer.lossWeight !== 0 || n.layer.isMetric) out.set(n.topNames[0], this.scalar(n.tops[0]));
    }
    return out;
  }

  /**
   * After a non-finite loss or parameter: names the first layer, in execution order, whose top
   * holds a NaN or an infinity (the tops hold the last forward pass), with its non-finite
   * parameter if it has one; when every top is finite, the first layer whose parameter (or its
   * gradient) is non-finite.
   */
  findNonFinite(): string {
    const bad = (p: Param) => !allFinite(this.backend.download(p.blob.data));
    for (const n of this.nodes) {
      const top = n.tops.find((t) => !allFinite(this.backend.download(t.data)));
      if (!top) continue;
      const param = n.layer.params.find(bad);
      const because = param ? ` (its parameter "${param.key}" holds a non-finite value)` : '';
      return `${layerRef(n.layer.name, n.layer.type)} first produced a non-finite value, in top "${top.name}"${because}`;
    }
    for (const n of this.nodes) {
      const param = n.layer.params.find(bad);
      if (param) return `${layerRef(n.layer.name, n.layer.type)} holds a non-finite value in its parameter "${param.key}" (every top of the last forward pass was finite)`;
      const grad = n.layer.params.find((p) => !allFinite(this.backend.download(p.blob.diff)));
      if (grad) return `${layerRef(n.layer.name, n.layer.type)} has a non-finite gradient for its parameter "${grad.key}"`;
    }
    return 'no top or parameter holds a non-finite value';
  }

  /** Throws a NumericError naming the first offending layer when `loss` is not finite. */
  checkFinite(loss: number, iter: number): void {
    if (Number.isFinite(loss)) return;
    throw new NumericError(`${this.name}: the loss is ${loss} at iteration ${iter}; ${this.findNonFinite()}. Lower the learning rate or check the data.`);
  }

  /**
   * Throws a NumericError naming the first offending layer when a learnable parameter holds a NaN
   * or an infinity (after an update). One `asum` per parameter, a single pass on every backend; a
   * sum that overflows float32 while every value is finite is not an error. `params` defaults to
   * learnableParams; the solver passes the list it already holds.
   */
  checkParamsFinite(iter: number, params: readonly Param[] = this.learnableParams): void {
    for (const p of params) {
      if (Number.isFinite(this.backend.asum(p.blob.count, p.blob.data))) continue;
      if (allFinite(this.backend.download(p.blob.data))) continue;
      throw new NumericError(
        `${this.name}: parameter "${p.key}" holds a non-finite value after the update of iteration ${iter}; ` +
          `${this.findNonFinite()}. Lower the learning rate or check the data.`,
      );
    }
  }

  /** Positions of the data layers, for exact resume. */
  getDataState(): Record<string, Record<string, unknown>> {
    const s: Record<string, Record<string, unknown>> = {};
    for (const n of this.nodes) if (n.layer.getState) s[n.layer.name] = n.layer.getState();
    return s;
  }

  setDataState(state: Record<string, Record<string, unknown>>): void {
    for (const n of this.nodes) {
      const st = state[n.layer.name];
      if (st && n.layer.setState) n.layer.setState(st);
    }
  }

  /** Bytes this net allocated at setup (tops' data and diff, its parameters, layers' scratch; see core/memory.ts). */
  get memoryBytes(): number {
    return this.ledger.bytes;
  }

  /** Layers with their bottoms and tops and the tops' shapes, one per line. */
  toString(): string {
    const lines = [`${this.name} (${this.phase}, ${this.backend.name}): ${this.nodes.length} layers`];
    for (const n of this.nodes) {
      const bottoms = n.bottomNames.length ? n.bottomNames.join(', ') : '-';
      const tops = n.tops.map((t) => `${t.name}${shapeStr(t.shape)}`).join(', ');
      const frozen = n.layer.frozen ? ' (frozen)' : '';
      lines.push(`  ${n.layer.name.padEnd(16)} ${n.layer.type.padEnd(14)} ${bottoms} -> ${tops}${frozen}`);
    }
    return lines.join('\n');
  }

  /** Releases what the layers hold (files, worker threads: Layer.destroy) and every buffer this net allocated (its own blobs and scratch; shared parameters stay). */
  destroy(): void {
    for (const n of this.nodes) n.layer.destroy?.();
    for (const b of this.buffers) this.backend.free(b);
    this.buffers.length = 0;
  }

  /** Multiplies the diffs a loss layer's backward just wrote (each bottom blob once) by lossScale. */
  private scaleLossGradient(n: Node): void {
    n.bottoms.forEach((b, i) => {
      if (n.propagateDown[i] && n.bottoms.indexOf(b) === i) this.backend.scal(b.count, this.scaleOfLoss, b.diff);
    });
  }

  private scalar(b: Blob): number {
    return this.backend.download(this.backend.view(b.data, 0, 1))[0];
  }

  private setupNode(layer: Layer, bottomNames: string[]): void {
    const bottoms = bottomNames.map((name) => this.blobMap.get(name) as Blob);
    const ctx = this.context(layer);
    layer.bind(ctx);
    let shapes: Shape[];
    try {
      shapes = layer.setup(bottoms);
    } catch (e) {
      throw withLayer(e, layer);
    }
    const topNames = layer.config.tops;
    if (shapes.length !== topNames.length) {
      throw new ShapeError(`${layerRef(layer.name, layer.type)}: setup gave ${shapes.length} top shapes for ${topNames.length} tops`);
    }
    const shares = layer.sharesData;
    topNames.forEach((name, i) => this.ledger.reserve(layerRef(layer.name, layer.type), `top "${name}"`, shapes[i], shares ? 1 : 2));
    const tops = topNames.map((name, i) => {
      const blob = new Blob(this.backend, name, shapes[i], shares ? bottoms[0] : undefined);
      if (!shares) this.buffers.push(blob.data);
      this.buffers.push(blob.diff);
      this.blobMap.set(name, blob);
      return blob;
    });
    this.nodes.push({ layer, bottoms, tops, bottomNames, topNames, needsBackward: false, propagateDown: bottoms.map(() => false) });
  }

  private context(layer: Layer): LayerContext {
    const net = this;
    return {
      backend: this.backend,
      phase: this.phase,
      rng: this.rng,
      shard: this.shard,
      buffer(n: number) {
        net.ledger.reserve(layerRef(layer.name, layer.type), 'a scratch buffer', [n], 1);
        const b = net.backend.alloc(n);
        net.buffers.push(b);
        return b;
      },
      param(name, index, shape, init, options) {
        return net.paramStore.declare(layer.config, name, index, shape, init, options);
      },
    };
  }

  /**
   * Caffe's need_backward: a layer runs backward when it has parameters to learn or when one of
   * the bottoms it propagates to carries a gradient; its tops then carry one too.
   */
  private computeBackwardNeeds(): void {
    const carries = new Set<Blob>();
    for (const n of this.nodes) {
      const learns = !n.layer.frozen && n.layer.params.some((p) => p.lrMult > 0);
      n.propagateDown = n.bottoms.map((b, i) => carries.has(b) && n.layer.propagatesTo(i));
      n.needsBackward = learns || n.propagateDown.some(Boolean);
      if (n.needsBackward) for (const t of n.tops) carries.add(t);
    }
  }
}

interface Entry {
  layer: Layer;
  bottomNames: string[];
}

/**
 * How a message names the layer at `index` (from 0) of a definition before its fields are read: by
 * its name where that is a non-empty string, else by its position (`layer "#3"`).
 */
function layerAt(d: LayerConfig, index: number): string {
  return layerRef(typeof d.name === 'string' && d.name !== '' ? d.name : `#${index}`);
}

function inPhase(d: LayerConfig, index: number, phase: Phase): boolean {
  if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new ConfigError(`${layerRef(`#${index}`)}: expected an object, found ${describe(d)}`);
  for (const key of ['include', 'exclude'] as const) {
    const rule = d[key];
    if (rule === undefined) continue;
    if (typeof rule !== 'object' || rule === null || (rule.phase !== 'train' && rule.phase !== 'test')) {
      throw new ConfigError(`${layerAt(d, index)}: field "${key}" must be { phase: 'train' | 'test' }, found ${describe(rule)}`);
    }
  }
  if (d.include && d.include.phase !== phase) return false;
  if (d.exclude && d.exclude.phase === phase) return false;
  return true;
}

function makeLayer(d: LayerConfig, index: number, layerTypes: LayerTypes): Entry {
  // The name first: every later message names the layer by it.
  if (typeof d.name !== 'string' || d.name === '') {
    throw new ConfigError(`layer "#${index}"${typeof d.type === 'string' ? ` (${d.type})` : ''}: field "name" must be ${d.name === undefined ? 'given (a non-empty string)' : `a non-empty string, found ${describe(d.name)}`}`);
  }
  if (typeof d.type !== 'string') throw new ConfigError(`${layerAt(d, index)}: field "type" must be a layer type name, found ${describe(d.type)}`);
  const lt = layerTypes.get(d.type);
  if (!lt) {
    const near = closest(d.type, [...layerTypes.keys()]);
    const hint = near ? ` (did you mean "${near}"?)` : '';
    throw new ConfigError(`${layerAt(d, index)}: unknown layer type "${d.type}"${hint}; known types: ${[...layerTypes.keys()].sort().join(', ')}`);
  }
  const config = parseLayerConfig(d as Raw, lt);
  const layer = lt.create(config);
  return { layer, bottomNames: [...config.bottoms] };
}

/** Kahn's algorithm, taking the earliest-defined ready layer first. */
function topoSort(entries: Entry[]): Entry[] {
  const names = new Set<string>();
  const producer = new Map<string, number>();
  entries.forEach((e, i) => {
    if (names.has(e.layer.name)) throw new ConfigError(`two layers are named "${e.layer.name}"; layer names must be unique`);
    names.add(e.layer.name);
    for (const t of e.layer.config.tops) {
      const other = producer.get(t);
      if (other !== undefined) {
        throw new ConfigError(`blob "${t}" is a top of both ${layerRef(entries[other].layer.name)} and ${layerRef(e.layer.name)}; each blob must have one producer (in-place layers are not supported: give the top a new name)`);
      }
      producer.set(t, i);
    }
  });
  const deps = entries.map((e) => {
    const set = new Set<number>();
    for (const b of e.bottomNames) {
      const p = producer.get(b);
      if (p === undefined) {
        const known = [...producer.keys()].map((k) => `"${k}"`).join(', ') || 'none';
        throw new ConfigError(`${layerRef(e.layer.name, e.layer.type)}: bottom "${b}" is not the top of any layer (blobs are ${known})`);
      }
      set.add(p);
    }
    return set;
  });
  const done = new Array<boolean>(entries.length).fill(false);
  const order: Entry[] = [];
  while (order.length < entries.length) {
    const next = entries.findIndex((_, i) => !done[i] && [...deps[i]].every((d) => done[d]));
    if (next < 0) {
      const stuck = entries.filter((_, i) => !done[i]).map((e) => `"${e.layer.name}"`);
      throw new ConfigError(`the net has a cycle among layers ${stuck.join(', ')}: each of them waits, through its bottoms, for another's top`);
    }
    done[next] = true;
    order.push(entries[next]);
  }
  return order;
}

/** Gives each back-propagating consumer of a shared blob its own copy of the blob (with its own diff). */
function insertSplits(order: Entry[]): Entry[] {
  const consumers = new Map<string, { entry: Entry; slot: number }[]>();
  for (const e of order) {
    e.bottomNames.forEach((b, slot) => {
      if (!e.layer.propagatesTo(slot)) return;
      const list = consumers.get(b) ?? [];
      list.push({ entry: e, slot });
      consumers.set(b, list);
    });
  }
  // Generated names never take a name the definition uses (a user blob "x_split_0" would
  // otherwise be silently replaced by the split's top).
  const taken = new Set(order.flatMap((e) => [e.layer.name, ...e.layer.config.tops, ...e.bottomNames]));
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const out: Entry[] = [];
  for (const e of order) {
    out.push(e);
    for (const top of e.layer.config.tops) {
      const list = consumers.get(top);
      if (!list || list.length < 2) continue;
      const tops = list.map((_, i) => fresh(`${top}_split_${i}`));
      const config = parseLayerConfig({ type: 'Split', name: fresh(`${top}_split`), bottoms: [top], tops }, Split);
      list.forEach(({ entry, slot }, i) => (entry.bottomNames[slot] = tops[i]));
      out.push({ layer: Split.create(config), bottomNames: [top] });
    }
  }
  return out;
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function withLayer(e: unknown, layer: Layer): unknown {
  if (e instanceof Error && !e.message.includes(`"${layer.name}"`)) {
    e.message = `${layerRef(layer.name, layer.type)}: ${e.message.replace(DEVICE_ERROR_LAYER_HINT, '')}`;
  }
  return e;
}
