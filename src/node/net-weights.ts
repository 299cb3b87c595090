/**
 * Weights files of a net in Node, as plain functions (node/net.ts's Net has them as methods too).
 *
 * The weights file is Mocha's flat layout: one dataset per parameter at the root, named by its key
 * `<paramKey>___<name>` (e.g. `conv1___weight`), float32 or float64 as the net's backend holds it,
 * with Cortado's format marker and checksums (see src/node/io/snapshot.ts).
 */
import type { Net } from '../core/net.js';
import { saveWeights } from './io/snapshot.js';
import { loadFrom, paramEntries, type LoadOptions } from './snapshot.js';

/** Writes every parameter of `net` into a weights file, atomically; returns its absolute path. */
export function saveNetWeights(net: Net, path: string): Promise<string> {
  return saveWeights(path, paramEntries(net));
}

/**
 * Loads into `net` the parameters found in a weights file (Cortado's or another tool's in the same
 * layout), a snapshot file, or the newest usable snapshot of a directory; see loadFrom. Returns the
 * file used (null: a directory with no snapshot).
 */
export function loadNetWeights(net: Net, path: string, options?: LoadOptions): Promise<string | null> {
  return loadFrom(net, path, options);
}
