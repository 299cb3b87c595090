/**
 * The layers whose losses, metrics and random numbers once went through the host now make no host
 * transfer in a training iteration, on every available CPU backend (the CUDA emulator and the
 * WebGPU backend run the same check in their own tests), and agree with JsBackend.
 */
import { test } from 'node:test';
import { availableBackends } from '../harness/backends.js';
import { assertStaysOnDevice } from '../harness/device-resident.js';

for (const entry of await availableBackends()) {
  test(`${entry.name}: the random layers, the losses and the metrics make no host transfer in forward and backward`, { skip: entry.skip }, () => {
    assertStaysOnDevice(entry.create());
  });
}
