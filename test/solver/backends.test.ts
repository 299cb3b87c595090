/**
 * Every update rule, with iterSize and clipping, on every other backend (native, a CUDA device when
 * there is one) against JsBackend float32; update-rules-emulated.test.ts runs the same on the CUDA
 * backend's CPU emulator.
 */
import { test } from 'node:test';
import { availableBackends } from '../harness/backends.js';
import { compare } from './update-rule-runs.js';

const entries = (await availableBackends()).filter((e) => e.name !== 'js');
for (const entry of entries) {
  test(`every update rule on ${entry.name} matches JsBackend float32`, { skip: entry.skip }, () => compare(entry));
}

