/**
 * Typed definitions stay in step with the registry: the type map (standardLayerTypes, from which
 * LayerDefinition is derived) names every registered layer type under its own name. The compile-time
 * half is test/types/definitions.ts (its @ts-expect-error lines fail the build when a typo compiles).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerTypes, standardLayerTypes } from '../../src/layers/index.js';
import '../../src/node/layers.js';

/** The Node-only layer types, typed by the augmentation in src/node/layers.ts. */
const NODE_TYPES = ['HDF5Data', 'AsyncHDF5Data', 'HDF5Output'];

test("the type map's keys are the registry's keys, each its layer type's own name", () => {
  for (const [key, t] of Object.entries(standardLayerTypes)) assert.equal(t.type, key);
  assert.deepEqual([...Object.keys(standardLayerTypes), ...NODE_TYPES].sort(), [...layerTypes.keys()].sort());
});
