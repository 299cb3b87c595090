/**
 * Typed layer definitions: `LayerDefinition` is a union of every layer type's definition keyed by
 * `type`, derived from the layer types themselves (each one's `parse` result, its config
 * interface), so that it cannot drift from what the layers read. In TypeScript a definition
 * written as a literal is checked field by field:
 *
 *   { type: 'InnerProdcut', name: 'ip', numOutput: 2 }   // error: no such type
 *   { type: 'InnerProduct', name: 'ip', numOuput: 2 }    // error: no such field
 *   { type: 'InnerProduct', name: 'ip', numOutput: '2' } // error: a number is expected
 *
 * Each type's own fields are optional here (their defaults are applied at run time, where a
 * missing required field is reported) and take the forms the config reader accepts: a number or
 * [h, w] for 2-d sizes, any value for nested specs (neurons, initializers, transformers), which
 * the reader checks. Definitions read from JSON (or built with `type: string`) fit
 * `UntypedLayerDefinition` and are checked only at run time, as before; so are a user's own layer
 * types (NetOptions' `layerTypes`), unless a module augments `LayerConfigs` (src/node/layers.ts does
 * so for the HDF5 layers):
 *
 *   declare module 'cortado/layers/definitions' { interface LayerConfigs { MyLayer: MyLayerConfig } }
 */
import type { BaseConfig, LayerType, ParamSpec, Phase } from '../core/layer.js';
import type { standardLayerTypes } from './index.js';

/** The config type a layer type's parse returns. */
export type ConfigOf<T> = T extends LayerType<infer C> ? C : never;

type StandardConfigs = { [K in keyof typeof standardLayerTypes]: ConfigOf<(typeof standardLayerTypes)[K]> };

/** Config interface by layer type name; modules with more layer types augment it. */
export interface LayerConfigs extends StandardConfigs {}

/** Fields every layer definition takes (see LayerConfig in core/layer.ts). */
export interface CommonDefinition {
  name: string;
  bottoms?: readonly string[];
  tops?: readonly string[];
  /** Build this layer only in the given phase (Caffe's include). */
  include?: { phase: Phase };
  /** Leave this layer out in the given phase (Caffe's exclude). */
  exclude?: { phase: Phase };
  /** Layers with the same paramKey share their parameters. Default: the name. */
  paramKey?: string;
  /** Multipliers for each parameter in order (weight, bias). */
  params?: readonly ParamSpec[];
}

/** A parsed field's type as a definition may write it (see the module comment). */
export type Loose<T> = T extends number ? number
  : T extends boolean ? boolean
  : T extends string ? string
  : T extends readonly [number, number] ? number | readonly [number, number]
  : T extends readonly number[] ? readonly number[]
  : T extends readonly string[] ? readonly string[]
  : unknown;

/** Fields a definition may hold that the layer itself does not read (resolved before parsing). */
interface ExtraFields {
  /** Filled in by resolveSources in Node: "mnist:train", "mnist:test", "cifar10:<files>". */
  MemoryData: { source?: string };
}

type Own<C> = { [F in Exclude<keyof C, keyof BaseConfig>]?: Loose<C[F]> };
type Extra<K> = K extends keyof ExtraFields ? ExtraFields[K] : unknown;

/** The definition of a layer of type K (one member of LayerDefinition). */
export type TypedLayerDefinition<K extends keyof LayerConfigs = keyof LayerConfigs> = {
  [T in K]: { type: T } & CommonDefinition & Own<LayerConfigs[T]> & Extra<T>;
}[K];

/**
 * A definition whose type is only known at run time (from JSON, a LayerConfig value): the common
 * fields only, so that a literal with an unknown type and its own fields does not fit it.
 */
export interface UntypedLayerDefinition extends CommonDefinition {
  type: string;
}

/** What `new Net(definition, ...)` takes for each layer. */
export type LayerDefinition = TypedLayerDefinition | UntypedLayerDefinition;
