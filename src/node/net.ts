/**
 * `Net` as the Node entry exports it: src/net.ts's, whose layer types default to Node's set (the
 * standard layers and the HDF5 layers, src/node/layers.ts), with weights files:
 * `net.saveWeights(path)` and `net.loadWeights(path)` (src/node/net-weights.ts, also plain
 * functions for a net made elsewhere).
 */
import { Net as StandardNet, type NetOptions } from '../net.js';
import type { LayerDefinition } from '../layers/definitions.js';
import { nodeLayerTypes } from './layers.js';
import { loadNetWeights, saveNetWeights } from './net-weights.js';
import type { LoadOptions } from './snapshot.js';

export * from '../net.js';

export class Net extends StandardNet {
  constructor(definition: readonly LayerDefinition[], options: NetOptions) {
    super(definition, { ...options, layerTypes: options.layerTypes ?? nodeLayerTypes });
  }

  /** Writes every parameter of this net into a weights file, atomically; returns its absolute path. */
  saveWeights(path: string): Promise<string> {
    return saveNetWeights(this, path);
  }

  /**
   * Loads the parameters found in a weights file (Cortado's or another tool's in the same
   * layout), a snapshot file, or the newest usable snapshot of a directory; see loadFrom for
   * missing parameters, shape rules and warnings. Returns the file used (null: an empty directory).
   */
  loadWeights(path: string, options?: LoadOptions): Promise<string | null> {
    return loadNetWeights(this, path, options);
  }
}
