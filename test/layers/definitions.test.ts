/**
 * Typed definitions stay in step with the registry: the type map (standardLayerTypes, from which
 * LayerDefinition is derived) names every registered layer type under its own name. The compile-time
 * half is test/types/definitions.ts (its @ts-expect-error lines fail the build when a typo compiles).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerTypes, standardLayerTypes } from '../../src/layers/index.js';
import { nodeLayerTypes } from '../../src/node/layers.js';

/** The Node-only layer types, typed by the augmentation in src/node/layers.ts. */
const NODE_TYPES = ['HDF5Data', 'AsyncHDF5Data', 'HDF5Output'];

test("the type map's keys are the layer types' own names; Node's set adds the HDF5 layers; neither is changed by use", () => {
  for (const [key, t] of Object.entries(standardLayerTypes)) assert.equal(t.type, key);
  assert.deepEqual([...layerTypes.keys()].sort(), Object.keys(standardLayerTypes).sort());
  assert.deepEqual([...nodeLayerTypes.keys()].sort(), [...Object.keys(standardLayerTypes), ...NODE_TYPES].sort());
  for (const [key, t] of nodeLayerTypes) assert.equal(t.type, key);
});
