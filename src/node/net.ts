/**
 * `Net` as the Node entry exports it: src/net.ts's, whose layer types default to Node's set (the
 * standard layers and the HDF5 layers, src/node/layers.ts), with weights files:
 * `net.saveWeights(path)` and `net.loadWeights(path)` (src/node/net-weights.ts, also plain
 * functions for a net made elsewhere).
 */
import { Net as StandardNet, type NetOptions } from '../net.js';
import { ConfigError } from '../core/errors.js';
import type { LayerDefinition } from '../layers/definitions.js';
import { nodeLayerTypes } from './layers.js';
import { loadNetWeights, saveNetWeights } from './net-weights.js';
import type { LoadOptions } from './snapshot.js';

export * from '../net.js';

export class Net extends StandardNet {
  constructor(definition: readonly LayerDefinition[], options: NetOptions) {
    super(definition, { ...options, layerTypes: options.layerTypes ?? nodeLayerTypes, syncEachLayer: options.syncEachLayer ?? syncLayersFromEnv() });
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

/** NetOptions.syncEachLayer's default in Node: CORTADO_SYNC_LAYERS, 1 (on) or 0 (off, also when unset). */
function syncLayersFromEnv(): boolean {
  const v = process.env.CORTADO_SYNC_LAYERS;
  if (v === undefined || v === '' || v === '0') return false;
  if (v === '1') return true;
  throw new ConfigError(`CORTADO_SYNC_LAYERS must be 1 (wait for the backend after every layer) or 0, found "${v}"`);
}
