/**
 * `Net` as the package exports it: the core's Net (src/core/net.ts), with typed definitions and the
 * standard layer types by default. In Node, src/node/net.ts extends this one with the HDF5 layers
 * and weights files.
 */
import { Net as CoreNet, type NetOptions as CoreNetOptions, type LayerTypes } from './core/net.js';
import type { LayerConfig } from './core/layer.js';
import type { LayerDefinition } from './layers/definitions.js';
import { layerTypes } from './layers/index.js';

export * from './core/net.js';

export interface NetOptions extends Omit<CoreNetOptions, 'layerTypes'> {
  /** The layer types the definition may use (default: the standard set, `layerTypes`). */
  layerTypes?: LayerTypes;
}

export class Net extends CoreNet {
  /**
   * `definition`: the layers, in any order. Literal definitions are type-checked (LayerDefinition);
   * values of type LayerConfig or from JSON are checked at run time only.
   */
  constructor(definition: readonly LayerDefinition[], options: NetOptions) {
    super(definition as readonly LayerConfig[], { ...options, layerTypes: options.layerTypes ?? layerTypes });
  }
}
