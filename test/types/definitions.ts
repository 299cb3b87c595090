/**
 * Compile-time checks of typed definitions: every `@ts-expect-error` line must be an error, so a
 * typo that compiles breaks the build (tsc reports an unused `@ts-expect-error`). Nothing here runs
 * (the functions are never called); the lines without the directive must compile.
 */
import type { Backend } from '../../src/backend/backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import type { LayerDefinition, TypedLayerDefinition } from '../../src/layers/definitions.js';
import { Solver } from '../../src/solver/solver.js';
import { train } from '../../src/node/train.js';

export function layerDefinitions(backend: Backend): void {
  const data: LayerDefinition = { type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 8, source: 'mnist:train' };
  new Net([
    data,
    { type: 'Convolution', name: 'conv', bottoms: ['x'], tops: ['c'], numOutput: 4, kernel: 3, stride: [1, 2], neuron: 'ReLU', weightInit: { type: 'Xavier' } },
    { type: 'InnerProduct', name: 'ip', bottoms: ['c'], tops: ['score'], numOutput: 2, params: [{ lrMult: 1 }, { lrMult: 2 }] },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'], include: { phase: 'train' } },
    { type: 'HDF5Data', name: 'h5', tops: ['y'], source: 'list.txt', batchSize: 4 },
  ], { backend });

  // @ts-expect-error: no layer type "InnerProdcut"
  new Net([{ type: 'InnerProdcut', name: 'ip', numOutput: 2 }], { backend });
  // @ts-expect-error: no field "numOuput"
  new Net([{ type: 'InnerProduct', name: 'ip', numOuput: 2 }], { backend });
  // @ts-expect-error: Caffe's snake_case spelling
  new Net([{ type: 'InnerProduct', name: 'ip', num_output: 2 }], { backend });
  // @ts-expect-error: numOutput is a number
  new Net([{ type: 'InnerProduct', name: 'ip', numOutput: '2' }], { backend });
  // @ts-expect-error: a field of another layer type
  new Net([{ type: 'ReLU', name: 'r', kernel: 3 }], { backend });
  // @ts-expect-error: phase is 'train' or 'test'
  new Net([{ type: 'ReLU', name: 'r', include: { phase: 'training' } }], { backend });
  // @ts-expect-error: the name is required
  const noName: TypedLayerDefinition<'ReLU'> = { type: 'ReLU' };
  void noName;

  // Untyped definitions (JSON, LayerConfig values) are checked at run time only.
  const fromJson: LayerConfig[] = JSON.parse('[]');
  new Net(fromJson, { backend });
  new Net(JSON.parse('[]'), { backend });
}

export function solverSettings(net: Net): void {
  new Solver(net, { baseLr: 0.1, maxIter: 10, momentum: 0.9, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 } });
  // @ts-expect-error: baseLr, not baseLR
  new Solver(net, { baseLR: 0.1, maxIter: 10 });
  // @ts-expect-error: Caffe's base_lr
  new Solver(net, { base_lr: 0.1, maxIter: 10 });
  // @ts-expect-error: maxIter is a number
  new Solver(net, { baseLr: 0.1, maxIter: '10' });
  // Settings read from a file are checked at run time.
  const raw: Record<string, unknown> = JSON.parse('{}');
  new Solver(net, raw);
}

export async function trainOptions(backend: Backend): Promise<void> {
  await train({ backend, layers: [{ type: 'InnerProduct', name: 'ip', numOutput: 2 }], solver: { baseLr: 0.1, maxIter: 1 } });
  // @ts-expect-error: no field "numOuput"
  await train({ backend, layers: [{ type: 'InnerProduct', name: 'ip', numOuput: 2 }], solver: { baseLr: 0.1, maxIter: 1 } });
  // @ts-expect-error: baseLr, not baseLR
  await train({ backend, layers: [], solver: { baseLR: 0.1, maxIter: 1 } });
}
