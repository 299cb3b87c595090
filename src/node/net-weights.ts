/**
 * `net.saveWeights(path)` and `net.loadWeights(path)` in Node. Net lives in the browser-safe core,
 * which must not reach the filesystem or HDF5, so these two methods are added to its prototype
 * here (with a TypeScript module augmentation for their types); the Node entry imports this
 * module for that effect.
 *
 * The weights file is Mocha's flat layout: one dataset per parameter at the root, named by its key
 * `<paramKey>___<name>` (e.g. `conv1___weight`), float32 or float64 as the net's backend holds it,
 * with Cortado's format marker and checksums (see src/io/snapshot.ts).
 */
import { Net } from '../core/net.js';
import { saveWeights } from '../io/snapshot.js';
import { loadFrom, paramEntries, type LoadOptions } from './snapshot.js';

declare module '../core/net.js' {
  interface Net {
    /** Writes every parameter of this net into a weights file, atomically; returns its absolute path. */
    saveWeights(path: string): Promise<string>;
    /**
     * Loads the parameters found in a weights file (Cortado's or another tool's in the same
     * layout), a snapshot file, or the newest usable snapshot of a directory; see loadFrom for
     * missing parameters, shape rules and warnings. Returns the file used (null: an empty directory).
     */
    loadWeights(path: string, options?: LoadOptions): Promise<string | null>;
  }
}

Net.prototype.saveWeights = function saveNetWeights(this: Net, path: string): Promise<string> {
  return saveWeights(path, paramEntries(this));
};

Net.prototype.loadWeights = function loadNetWeights(this: Net, path: string, options?: LoadOptions): Promise<string | null> {
  return loadFrom(this, path, options);
};
