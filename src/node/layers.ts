/**
 * The Node-only layer types (HDF5 data and output layers), registered into the layer registry when
 * this module is imported; it also loads h5wasm, which their synchronous setup needs. The Node entry,
 * train() and the CLI import it.
 */
import { hdf5 } from '../io/hdf5.js';
import { registerLayerType } from '../layers/index.js';
import { HDF5Output } from '../data/hdf5-output.js';
import { HDF5Data } from '../data/hdf5-data.js';
import { AsyncHDF5Data } from '../data/async-hdf5-data.js';
import type { ConfigOf } from '../layers/definitions.js';

// Typed definitions of these layers (LayerDefinition) where this module is imported.
declare module '../layers/definitions.js' {
  interface LayerConfigs {
    HDF5Output: ConfigOf<typeof HDF5Output>;
    HDF5Data: ConfigOf<typeof HDF5Data>;
    AsyncHDF5Data: ConfigOf<typeof AsyncHDF5Data>;
  }
}

await hdf5();

for (const t of [HDF5Output, HDF5Data, AsyncHDF5Data]) registerLayerType(t);
