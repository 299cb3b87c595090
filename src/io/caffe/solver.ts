/**
 * importCaffeSolver: a Caffe solver.prototxt → the `solver`, `seed` and `coffeeBreaks` of a Cortado
 * definition file, and notes on what it does not carry over.
 *
 *   type (or the older solver_type enum)     → method (SGD, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam)
 *   base_lr, max_iter, iter_size             → baseLr, maxIter, iterSize
 *   lr_policy, gamma, power, stepsize,
 *     stepvalue                              → lrPolicy { type, gamma, power, stepsize, stepvalues }
 *   momentum                                 → momentum (SGD, Nesterov, AdaDelta's decay); Adam's beta1
 *   momentum2, delta                         → Adam's beta2 and epsilon
 *   delta                                    → delta (AdaGrad, RMSProp, AdaDelta)
 *   rms_decay                                → rmsDecay (RMSProp)
 *   weight_decay, regularization_type        → weightDecay, regularization
 *   clip_gradients (> 0; < 0 is off)         → clipGradients
 *   random_seed (>= 0)                       → seed
 *   display, test_interval, snapshot         → coffeeBreaks summaryEvery, validateEvery, snapshotEvery
 *
 * Caffe's defaults apply where a field is absent (momentum 0, delta 1e-8, momentum2 0.999,
 * rms_decay 0.99, display and snapshot 0: none), except for the fields a run cannot do without:
 * base_lr, max_iter, lr_policy and the parameters its policy reads are required, where Caffe would
 * silently take 0. Caffe tests only when it has test nets (test_iter) and test_interval > 0.
 * Fields about files, devices and logging (net, snapshot_prefix, solver_mode, ...) are left to
 * the command line and named in `notes`, as is test_iter: Cortado's validation reads the test
 * data once through, not a number of batches. The result is checked by parseSolverConfig; every
 * problem is a ConfigError naming the file and the Caffe field.
 */
import { ConfigError } from '../../core/errors.js';
import { parseSolverConfig, type SolverConfig, type SolverMethod } from '../../solver/solver.js';
import type { LrPolicy } from '../../solver/policies.js';
import { parseText } from './codec.js';

export interface CaffeSolverImport {
  solver: SolverConfig;
  /** random_seed, when it is set (>= 0). */
  seed?: number;
  coffeeBreaks: { summaryEvery: number; validateEvery: number; snapshotEvery: number };
  /** The fields set in the file that the definition does not hold, each with what takes its place. */
  notes: string[];
}

const METHODS: Record<string, SolverMethod> = {
  SGD: 'SGD', Nesterov: 'Nesterov', AdaGrad: 'AdaGrad', RMSProp: 'RMSProp', AdaDelta: 'AdaDelta', Adam: 'Adam',
};
/** The older solver_type enum. */
const SOLVER_TYPES: Record<string, SolverMethod> = {
  SGD: 'SGD', NESTEROV: 'Nesterov', ADAGRAD: 'AdaGrad', RMSPROP: 'RMSProp', ADADELTA: 'AdaDelta', ADAM: 'Adam',
};

/** The fields each learning-rate policy reads (Caffe's SGDSolver::GetLearningRate). */
const POLICY_FIELDS: Record<string, readonly string[]> = {
  fixed: [], step: ['gamma', 'stepsize'], exp: ['gamma'], inv: ['gamma', 'power'],
  multistep: ['gamma', 'stepvalue'], poly: ['power'], sigmoid: ['gamma', 'stepsize'],
};

/** The Caffe field each Cortado solver field comes from, for messages. */
const CAFFE_FIELD: Record<string, string> = {
  method: 'type', baseLr: 'base_lr', maxIter: 'max_iter', iterSize: 'iter_size', momentum: 'momentum', beta1: 'momentum',
  beta2: 'momentum2', epsilon: 'delta', delta: 'delta', rmsDecay: 'rms_decay', weightDecay: 'weight_decay',
  regularization: 'regularization_type', clipGradients: 'clip_gradients', gamma: 'gamma', power: 'power',
  stepsize: 'stepsize', stepvalues: 'stepvalue',
};

/** Fields that configure files, devices or logging: what takes their place in Cortado. */
const LEFT_TO_THE_COMMAND_LINE: Record<string, string> = {
  net: 'the net is the prototxt imported with it', net_param: 'the net is the prototxt imported with it',
  train_net: 'the net is the prototxt imported with it', test_net: 'the test phase of the imported net is validated',
  train_net_param: 'the net is the prototxt imported with it', test_net_param: 'the test phase of the imported net is validated',
  train_state: 'Cortado builds the train phase', test_state: 'Cortado builds the test phase',
  snapshot_prefix: 'snapshots go to `cortado train --output DIR`', snapshot_format: 'Cortado snapshots are HDF5',
  snapshot_diff: 'Cortado snapshots hold the weights and the solver state',
  snapshot_after_train: 'Cortado writes a final snapshot when a run ends',
  solver_mode: 'the backend is `cortado train --backend`', device_id: 'the device is chosen by the backend',
  weights: 'start from weights with `cortado train --init-from`', debug_info: 'use `cortado time` for per-layer timing',
  average_loss: 'the training summary reports the mean loss since the previous summary',
  test_compute_loss: 'validation records every output of the test net',
  test_initialization: 'Cortado validates on the validateEvery schedule, not at iteration 0',
  layer_wise_reduce: 'data-parallel runs reduce gradients in buckets (`--bucket-mib`)',
};

/** Reads a Caffe solver.prototxt; see the module comment. `file` names it in messages. */
export function importCaffeSolver(text: string, file = 'solver.prototxt'): CaffeSolverImport {
  const m = parseText('SolverParameter', text, file);
  const fail = (what: string): never => {
    throw new ConfigError(`${file}: ${what}`);
  };
  const has = (f: string) => m[f] !== undefined && !(Array.isArray(m[f]) && m[f].length === 0);

  let method: SolverMethod = 'SGD';
  if (has('type')) {
    method = METHODS[m.type] ?? fail(`type "${m.type}" is not a Caffe solver Cortado has (${Object.keys(METHODS).join(', ')})`);
  }
  if (has('solver_type')) {
    const old = SOLVER_TYPES[m.solver_type] ?? fail(`solver_type ${m.solver_type} is not a Caffe solver type Cortado has`);
    if (has('type') && old !== method) fail(`type "${m.type}" and solver_type ${m.solver_type} disagree; keep one`);
    method = old;
  }
  for (const f of ['base_lr', 'max_iter']) if (!has(f)) fail(`no ${f} (Caffe would take 0)`);
  if (!has('lr_policy')) fail('no lr_policy (Caffe stops on a solver without one)');

  const policy: string = m.lr_policy;
  const needs = POLICY_FIELDS[policy] ?? fail(`lr_policy "${policy}" is not one of Caffe's policies (${Object.keys(POLICY_FIELDS).join(', ')})`);
  for (const f of needs) if (!has(f)) fail(`lr_policy "${policy}" reads ${f}, and the file has none`);
  const lrPolicy = { type: policy, ...(needs.includes('gamma') ? { gamma: m.gamma } : {}), ...(needs.includes('power') ? { power: m.power } : {}),
    ...(needs.includes('stepsize') ? { stepsize: m.stepsize } : {}), ...(needs.includes('stepvalue') ? { stepvalues: m.stepvalue } : {}) } as LrPolicy;

  const solver: SolverConfig = { method, baseLr: m.base_lr, lrPolicy, maxIter: m.max_iter };
  const momentum: number = m.momentum ?? 0;
  const delta: number = m.delta ?? 1e-8;
  if (method === 'Adam') {
    Object.assign(solver, { beta1: momentum, beta2: m.momentum2 ?? 0.999, epsilon: delta });
  } else {
    if (momentum !== 0 || method === 'AdaDelta') solver.momentum = momentum;
    if (method === 'AdaGrad' || method === 'RMSProp' || method === 'AdaDelta') solver.delta = delta;
    if (method === 'RMSProp') solver.rmsDecay = m.rms_decay ?? 0.99;
  }
  if (has('weight_decay') && m.weight_decay !== 0) solver.weightDecay = m.weight_decay;
  if (has('regularization_type')) {
    if (m.regularization_type !== 'L2' && m.regularization_type !== 'L1') fail(`regularization_type "${m.regularization_type}" is not L2 or L1`);
    if (m.regularization_type === 'L1') solver.regularization = 'L1';
  }
  if (has('iter_size') && m.iter_size !== 1) solver.iterSize = m.iter_size;
  if (has('clip_gradients') && m.clip_gradients === 0) fail('clip_gradients 0 scales every gradient to zero in Caffe; leave it out (or -1) for no clipping');
  if (has('clip_gradients') && m.clip_gradients > 0) solver.clipGradients = m.clip_gradients;
  try {
    parseSolverConfig(solver);
  } catch (e) {
    const message = (e as Error).message;
    const field = [...message.matchAll(/field "(\w+)"/g)].at(-1)?.[1];
    const caffe = field === undefined ? undefined : CAFFE_FIELD[field];
    throw new ConfigError(`${file}: the solver it describes is not valid in Cortado${caffe ? ` (Caffe's field "${caffe}")` : ''}: ${message}`);
  }

  const notes: string[] = [];
  const testIters: number[] = m.test_iter;
  const tests = testIters.length > 0 && (m.test_interval ?? 0) > 0;
  if (testIters.length) {
    notes.push(`test_iter ${testIters.join(', ')}: Cortado's validation reads the test-phase data once through each time, not a number of batches`);
  }
  if (has('test_interval') && m.test_interval > 0 && !testIters.length) notes.push(`test_interval ${m.test_interval}: no test_iter, so Caffe would not test; validateEvery 0`);
  for (const [f, why] of Object.entries(LEFT_TO_THE_COMMAND_LINE)) {
    if (has(f)) notes.push(`${f}${typeof m[f] === 'object' ? '' : ` ${JSON.stringify(m[f])}`}: ${why}`);
  }
  for (const f of ['momentum2', 'rms_decay']) {
    const used = f === 'momentum2' ? method === 'Adam' : method === 'RMSProp';
    if (has(f) && !used) notes.push(`${f} ${m[f]}: not read by ${method} (nor by Caffe's)`);
  }
  if (has('delta') && (method === 'SGD' || method === 'Nesterov')) notes.push(`delta ${m.delta}: not read by ${method} (nor by Caffe's)`);

  let seed: number | undefined;
  if (has('random_seed') && m.random_seed >= 0) {
    if (m.random_seed > 2 ** 32 - 1) fail(`random_seed ${m.random_seed} is above Cortado's largest seed, 2^32 - 1`);
    seed = m.random_seed;
  }
  return {
    solver,
    ...(seed !== undefined ? { seed } : {}),
    coffeeBreaks: { summaryEvery: m.display ?? 0, validateEvery: tests ? m.test_interval : 0, snapshotEvery: m.snapshot ?? 0 },
    notes,
  };
}

