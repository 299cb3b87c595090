/**
 * `weightsToBytes(net)` and `loadWeightsFromBytes(net, bytes)` with h5wasm's browser build loaded
 * for you (package entry `cortado/weights-bytes`; works in Node too). See src/io/weights-bytes.ts.
 * Kept out of the browser core entry, which imports no package.
 */
import * as h5wasm from 'h5wasm';
import type { Net } from '../core/net.js';
import { loadWeightsFromBytes as loadWith, weightsToBytes as saveWith, type H5Lib } from '../io/weights-bytes.js';

const lib = h5wasm as unknown as H5Lib;

/** The bytes of a weights file (Node's saveWeights layout) holding `net`'s parameters. */
export function weightsToBytes(net: Net): Promise<Uint8Array> {
  return saveWith(net, lib);
}

/** Loads a weights file's bytes (written by weightsToBytes or Node's saveWeights) into `net`; returns the keys loaded. */
export function loadWeightsFromBytes(net: Net, bytes: Uint8Array, label?: string): Promise<string[]> {
  return loadWith(net, bytes, lib, label);
}
