/**
 * The layer types a net gets by default in Node: the standard set plus the HDF5 data and output
 * layers. Importing this module also loads h5wasm, which those layers' synchronous setup needs.
 */
import { hdf5 } from './io/hdf5.js';
import { layerTypes, withLayerTypes } from '../layers/index.js';
import { HDF5Output } from './data/hdf5-output.js';
import { HDF5Data } from './data/hdf5-data.js';
import { AsyncHDF5Data } from './data/async-hdf5-data.js';
import type { ConfigOf } from '../layers/definitions.js';
import type { LayerTypes } from '../core/net.js';

// Typed definitions of these layers (LayerDefinition) where this module is imported.
declare module '../layers/definitions.js' {
  interface LayerConfigs {
    HDF5Output: ConfigOf<typeof HDF5Output>;
    HDF5Data: ConfigOf<typeof HDF5Data>;
    AsyncHDF5Data: ConfigOf<typeof AsyncHDF5Data>;
  }
}

await hdf5();

/** The standard layer types and the HDF5 layers, by name: Node's default for `new Net(...)`. */
export const nodeLayerTypes: LayerTypes = withLayerTypes(layerTypes, HDF5Output, HDF5Data, AsyncHDF5Data);
