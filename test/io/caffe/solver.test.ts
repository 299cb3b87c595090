/** importCaffeSolver: Caffe's solver.prototxt files to a definition's solver, seed and coffee breaks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCaffeSolver } from '../../../src/io/caffe/index.js';
import { parseSolverConfig } from '../../../src/solver/solver.js';
import { ConfigError, DataError } from '../../../src/core/errors.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../../..');

/** Caffe's examples/mnist/lenet_solver.prototxt, the recipe examples/mnist/lenet.json follows. */
const LENET_SOLVER = `# The train/test net protocol buffer definition
net: "examples/mnist/lenet_train_test.prototxt"
# test_iter specifies how many forward passes the test should carry out.
test_iter: 100
# Carry out testing every 500 training iterations.
test_interval: 500
# The base learning rate, momentum and the weight decay of the network.
base_lr: 0.01
momentum: 0.9
weight_decay: 0.0005
# The learning rate policy
lr_policy: "inv"
gamma: 0.0001
power: 0.75
# Display every 100 iterations
display: 100
# The maximum number of iterations
max_iter: 10000
# snapshot intermediate results
snapshot: 5000
snapshot_prefix: "examples/mnist/lenet"
# solver mode: CPU or GPU
solver_mode: GPU
`;

test('Caffe\'s LeNet solver becomes the solver of examples/mnist/lenet.json, its display, test_interval and snapshot the coffee breaks', () => {
  const r = importCaffeSolver(LENET_SOLVER, 'lenet_solver.prototxt');
  const lenet = JSON.parse(readFileSync(resolve(root, 'examples/mnist/lenet.json'), 'utf8'));
  assert.deepEqual(r.solver, { method: 'SGD', ...lenet.solver });
  assert.deepEqual(r.coffeeBreaks, { summaryEvery: 100, validateEvery: 500, snapshotEvery: 5000 });
  assert.equal(r.seed, undefined);
  assert.deepEqual(r.notes.map((n) => n.split(':')[0]), ['test_iter 100', 'net "examples/mnist/lenet_train_test.prototxt"', 'snapshot_prefix "examples/mnist/lenet"', 'solver_mode "GPU"']);
  assert.match(r.notes[0]!, /reads the test-phase data once through/);
});

test('Adam: momentum, momentum2 and delta become beta1, beta2 and epsilon; the solver parses', () => {
  const r = importCaffeSolver(`net: "x.prototxt"
type: "Adam"
base_lr: 0.001
momentum: 0.9
momentum2: 0.98
delta: 1e-6
lr_policy: "fixed"
max_iter: 10000
display: 50
random_seed: 7`);
  assert.deepEqual(r.solver, { method: 'Adam', baseLr: 0.001, lrPolicy: { type: 'fixed' }, maxIter: 10000, beta1: 0.9, beta2: 0.98, epsilon: 1e-6 });
  assert.equal(r.seed, 7);
  assert.deepEqual(r.coffeeBreaks, { summaryEvery: 50, validateEvery: 0, snapshotEvery: 0 });
  const s = parseSolverConfig(r.solver);
  assert.deepEqual([s.method, s.momentum, s.beta1, s.beta2, s.epsilon], ['Adam', 0, 0.9, 0.98, 1e-6]);
});

test('Caffe\'s defaults where fields are absent: Adam\'s beta1 is momentum 0, beta2 0.999, epsilon 1e-8; RMSProp\'s rms_decay 0.99; AdaDelta\'s delta 1e-8', () => {
  const base = 'base_lr: 0.1\nlr_policy: "fixed"\nmax_iter: 10\n';
  assert.deepEqual(importCaffeSolver(`${base}type: "Adam"`).solver, { method: 'Adam', baseLr: 0.1, lrPolicy: { type: 'fixed' }, maxIter: 10, beta1: 0, beta2: 0.999, epsilon: 1e-8 });
  assert.deepEqual(importCaffeSolver(`${base}type: "RMSProp"`).solver, { method: 'RMSProp', baseLr: 0.1, lrPolicy: { type: 'fixed' }, maxIter: 10, delta: 1e-8, rmsDecay: 0.99 });
  assert.deepEqual(importCaffeSolver(`${base}type: "AdaDelta"`).solver, { method: 'AdaDelta', baseLr: 0.1, lrPolicy: { type: 'fixed' }, maxIter: 10, momentum: 0, delta: 1e-8 });
  assert.deepEqual(importCaffeSolver(base).solver, { method: 'SGD', baseLr: 0.1, lrPolicy: { type: 'fixed' }, maxIter: 10 });
});

test('the older solver_type enum, multistep, L1, iter_size and clip_gradients', () => {
  const r = importCaffeSolver(`solver_type: NESTEROV
base_lr: 0.05
momentum: 0.95
lr_policy: "multistep"
gamma: 0.1
stepvalue: 3000
stepvalue: 6000
max_iter: 9000
weight_decay: 0.001
regularization_type: "L1"
iter_size: 4
clip_gradients: 35
test_iter: 10
test_interval: 250
test_initialization: false`);
  assert.deepEqual(r.solver, {
    method: 'Nesterov', baseLr: 0.05, lrPolicy: { type: 'multistep', gamma: 0.1, stepvalues: [3000, 6000] }, maxIter: 9000,
    momentum: 0.95, weightDecay: 0.001, regularization: 'L1', iterSize: 4, clipGradients: 35,
  });
  assert.equal(r.coffeeBreaks.validateEvery, 250);
  assert.ok(r.notes.some((n) => n.startsWith('test_initialization false:')));
  // test_interval without test_iter: Caffe has no test net to run.
  assert.equal(importCaffeSolver('base_lr: 0.1\nlr_policy: "fixed"\nmax_iter: 10\ntest_interval: 5').coffeeBreaks.validateEvery, 0);
});

test('a solver Cortado cannot take is a ConfigError naming the file and the Caffe field; a field Caffe does not have, its line', () => {
  const base = 'base_lr: 0.1\nmax_iter: 10\n';
  const refuses = (text: string, pattern: RegExp, type: typeof ConfigError | typeof DataError = ConfigError) =>
    assert.throws(() => importCaffeSolver(text, 's.prototxt'), (e: Error) => e instanceof type && /^s\.prototxt: /.test(e.message) && pattern.test(e.message));
  refuses('lr_policy: "fixed"\nmax_iter: 10', /no base_lr \(Caffe would take 0\)/);
  refuses('base_lr: 0.1\nlr_policy: "fixed"', /no max_iter/);
  refuses(base, /no lr_policy \(Caffe stops on a solver without one\)/);
  refuses(`${base}lr_policy: "fixed"\nclip_gradients: 0`, /clip_gradients 0 scales every gradient to zero/);
  refuses(`${base}lr_policy: "cosine"`, /lr_policy "cosine" is not one of Caffe's policies \(fixed, step, exp, inv, multistep, poly, sigmoid\)/);
  refuses(`${base}lr_policy: "step"\ngamma: 0.1`, /lr_policy "step" reads stepsize, and the file has none/);
  refuses(`${base}lr_policy: "multistep"\ngamma: 0.1`, /reads stepvalue/);
  refuses(`${base}lr_policy: "fixed"\ntype: "Lion"`, /type "Lion" is not a Caffe solver Cortado has/);
  refuses(`${base}lr_policy: "fixed"\ntype: "Adam"\nsolver_type: SGD`, /type "Adam" and solver_type SGD disagree/);
  refuses(`${base}lr_policy: "fixed"\nregularization_type: "L3"`, /regularization_type "L3" is not L2 or L1/);
  refuses(`${base}lr_policy: "fixed"\ntype: "AdaGrad"\nmomentum: 0.9`, /not valid in Cortado \(Caffe's field "momentum"\): .*"momentum" must be 0 for method "AdaGrad"/);
  refuses(`${base}lr_policy: "fixed"\nrandom_seed: 8589934592`, /random_seed 8589934592 is above/);
  refuses(`${base}lr_policy: "fixed"\nlearning_rate: 0.1`, /not a valid Caffe SolverParameter/, DataError);
  refuses(`${base}lr_policy: "step"\nstepsize: "poly"\ngamma: 0.1`, /integer value expected \(line 4: stepsize: "poly"\)$/, DataError);
  // Cortado's checks of the values name the Caffe field they came from.
  refuses(`${base}type: "Adam"\nmomentum2: nan\nlr_policy: "fixed"`, /not valid in Cortado \(Caffe's field "momentum2"\): .*"beta2" must be a finite number/);
  refuses(`${base}lr_policy: "multistep"\ngamma: 0.1\nstepvalue: 5\nstepvalue: 3`, /\(Caffe's field "stepvalue"\): .*"stepvalues" must be increasing/);
});
