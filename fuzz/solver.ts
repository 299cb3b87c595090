/**
 * Target "solver": mutated solver settings (fields, learning-rate and momentum policies, staged
 * policies) and net seeds, given to `new Solver` on a tiny MLP, then a few `step()`s. Accepted
 * settings must also make sense: a learning rate that is finite and not negative and a momentum
 * in [0, 1] at every iteration up to maxIter, and finite weights after the steps (issue 15,
 * finding 7); otherwise the case is a silent acceptance. A fifth of the cases start instead from a
 * Caffe solver.prototxt with one line damaged, read by importCaffeSolver, and judged the same way.
 */
import { join } from 'node:path';
import { JsBackend } from '../src/backend/js/js-backend.js';
import { Net } from '../src/node/net.js';
import type { LayerConfig } from '../src/core/layer.js';
import { Solver, type SolverConfig } from '../src/solver/solver.js';
import { importCaffeSolver } from '../src/io/caffe/index.js';
import { learningRate, momentumAt } from '../src/solver/policies.js';
import { accepted, classifyError, type CaseOutcome, type Validity } from './outcome.js';
import { mutateFields, show, type Json } from './mutate.js';
import { mlp, namesIn } from './net-defs.js';
import type { FuzzRng } from './random.js';
import type { CaseContext } from './targets.js';

const backend = new JsBackend('float32');

const BASES: readonly (() => Json)[] = [
  () => ({ baseLr: 0.1, momentum: 0.9, maxIter: 20, weightDecay: 1e-4, lrPolicy: { type: 'step', gamma: 0.5, stepsize: 5 } }),
  () => ({ method: 'Nesterov', baseLr: 0.05, momentum: 0.5, maxIter: 20, momentumPolicy: { type: 'linear', gamma: 0.1, stepsize: 5, max: 0.9 }, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 } }),
  () => ({ method: 'Adam', baseLr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, maxIter: 20, lrPolicy: 'exp', clipGradients: 10 }),
  () => ({ method: 'Adam', baseLr: 0.01, maxIter: 20, weightDecay: 0.05, regularization: 'decoupled', lrPolicy: { type: 'poly', power: 1 } }),
  () => ({ method: 'AdaDelta', baseLr: 1, momentum: 0.95, delta: 1e-6, maxIter: 20, iterSize: 2 }),
  () => ({ method: 'RMSProp', baseLr: 0.01, rmsDecay: 0.98, maxIter: 20, regularization: 'L1', weightDecay: 1e-3, lrPolicy: { type: 'poly', power: 2 } }),
  () => ({ baseLr: 0.1, maxIter: 20, lrPolicy: { type: 'staged', stages: [{ iterations: 5, policy: { type: 'fixed' }, baseLr: 0.1 }, { iterations: 15, policy: { type: 'multistep', gamma: 0.1, stepvalues: [8, 12] } }] } }),
  () => ({ baseLr: 0.1, momentum: 0.5, maxIter: 20, momentumPolicy: { type: 'staged', stages: [{ iterations: 10, policy: { type: 'fixed' }, momentum: 0.5 }, { iterations: 10, policy: { type: 'step', gamma: 1.5, stepsize: 2, max: 0.99 } }] }, lrPolicy: { type: 'sigmoid', gamma: -0.1, stepsize: 10 } }),
];

const SEEDS: readonly unknown[] = ['abc', NaN, {}, 2 ** 40, -1, 1.5, Infinity, null, '7'];

function objectsIn(v: unknown, where: string, into: [Json, string][] = []): [Json, string][] {
  if (Array.isArray(v)) v.forEach((e, i) => objectsIn(e, `${where}[${i}]`, into));
  else if (v && typeof v === 'object') {
    into.push([v as Json, where]);
    for (const [k, e] of Object.entries(v)) objectsIn(e, `${where}.${k}`, into);
  }
  return into;
}

/** Why the settings of an accepted solver make no sense, or '' when they do. */
function nonsense(solver: Solver): string {
  const s = solver.settings;
  // Up to maxIter: past it a schedule may overflow (the solver refuses such a step at run time).
  for (const it of [0, 1, 2, 5, 10, Math.floor(s.maxIter / 2), s.maxIter].filter((i) => i <= s.maxIter)) {
    const lr = learningRate(s.lrPolicy, s.baseLr, it, s.maxIter);
    if (!Number.isFinite(lr) || lr < 0) return `learning rate ${lr} at iteration ${it}`;
    const m = momentumAt(s.momentumPolicy, s.momentum, it);
    if (!Number.isFinite(m) || m < 0 || m > 1) return `momentum ${m} at iteration ${it}`;
  }
  return '';
}

/** Caffe solver files to damage: LeNet's, an Adam one and an RMSProp one with a multistep policy. */
const CAFFE_SOLVERS: readonly string[] = [
  'net: "lenet.prototxt"\ntest_iter: 100\ntest_interval: 500\nbase_lr: 0.01\nmomentum: 0.9\nweight_decay: 0.0005\nlr_policy: "inv"\ngamma: 0.0001\npower: 0.75\ndisplay: 100\nmax_iter: 20\nsnapshot: 5000\nsnapshot_prefix: "lenet"\nsolver_mode: GPU',
  'type: "Adam"\nbase_lr: 0.001\nmomentum: 0.9\nmomentum2: 0.999\ndelta: 1e-8\nlr_policy: "step"\ngamma: 0.5\nstepsize: 5\nmax_iter: 20\nclip_gradients: 10\nrandom_seed: 4',
  'solver_type: RMSPROP\nbase_lr: 0.01\nrms_decay: 0.98\nlr_policy: "multistep"\ngamma: 0.1\nstepvalue: 5\nstepvalue: 10\nmax_iter: 20\niter_size: 2\nweight_decay: 0.001\nregularization_type: "L1"',
];
const CAFFE_NUMBERS = ['-1', '0', '1e40', 'nan', 'inf', '-inf', '0.5', '3000000000', '-0.5', '1e-45', '2.5'];
const CAFFE_STRINGS = ['"cosine"', '""', '"Adam"', '"sigmoid"', '"poly"', '"L3"', '"AdaDelta"', '"exp"'];

/** A Caffe solver with one line deleted, or a number or a quoted string in it replaced. */
function damagedCaffeSolver(rng: FuzzRng): { text: string; desc: string } {
  const lines = rng.pick(CAFFE_SOLVERS).split('\n');
  const i = rng.int(0, lines.length - 1);
  const was = lines[i]!;
  switch (rng.int(0, 2)) {
    case 0: lines.splice(i, 1); break;
    case 1: lines[i] = was.replace(/-?[\d.]+(e-?\d+)?(?=\s*$)|[A-Z]+$/, () => rng.pick(CAFFE_NUMBERS)); break;
    default: lines[i] = was.includes('"') ? was.replace(/"[^"]*"/, () => rng.pick(CAFFE_STRINGS)) : `${was.split(':')[0]}: ${rng.pick(CAFFE_STRINGS)}`;
  }
  return { text: lines.join('\n'), desc: `Caffe solver, line "${was}" → ${i < lines.length && lines[i] !== was ? `"${lines[i]}"` : 'deleted'}` };
}

export async function solverCase(rng: FuzzRng, ctx: CaseContext): Promise<CaseOutcome> {
  if (rng.chance(0.2)) return caffeSolverCase(rng, ctx);
  const config = rng.pick(BASES)();
  const base = [...namesIn(config), ...namesIn(mlp())];
  let seed: unknown = 3;
  const descs: string[] = [];
  // Invalid fields by path: a later mutation of a field, or of an object holding it, undoes the mark.
  const invalid = new Set<string>();
  const touched = new Set<string>();
  for (let k = rng.int(1, 3); k > 0; k--) {
    if (rng.chance(0.1)) {
      seed = rng.pick(SEEDS);
      descs.push(`net seed ${show(seed)}`);
      invalid.add('seed');
      continue;
    }
    const [obj, where] = rng.pick(objectsIn(config, 'solver'));
    const m = mutateFields(obj, rng, where);
    descs.push(m.desc);
    const path = m.path ?? where;
    // A second mutation of a field is judged against the first one's value, not the valid one: unknown.
    const again = touched.has(path);
    touched.add(path);
    for (const gone of [path, m.from]) {
      if (gone === undefined) continue;
      touched.add(gone);
      for (const p of [...invalid]) if (p === gone || p.startsWith(`${gone}.`) || p.startsWith(`${gone}[`)) invalid.delete(p);
    }
    if (m.validity === 'invalid' && !again) invalid.add(path);
  }
  const validity: Validity = invalid.size > 0 ? 'invalid' : 'unknown';
  const input = `${JSON.stringify(config, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}; ${descs.join('; ')}`;
  ctx.announce(input);
  return runSolver(() => ({ config: config as unknown as SolverConfig, seed }), input, validity, () => [...base, ...namesIn(config), 'seed']);
}

async function caffeSolverCase(rng: FuzzRng, ctx: CaseContext): Promise<CaseOutcome> {
  const { text, desc } = damagedCaffeSolver(rng);
  ctx.announce(desc);
  // A path, as the CLI gives: messages name the file.
  const file = join(ctx.dir, 'solver.prototxt');
  const read = () => {
    const r = importCaffeSolver(text, file);
    return { config: r.solver, seed: r.seed ?? 3 };
  };
  const names = () => [file, ...text.split('\n').flatMap((l) => [l.split(':')[0]!.trim(), ...[...l.matchAll(/"([^"]*)"/g)].map((q) => q[1]!)]), ...namesIn(mlp())];
  return runSolver(read, desc, 'unknown', names);
}

/** Reads the settings and seed (which may throw), builds a Solver on the MLP, checks them and takes three steps. */
async function runSolver(settings: () => { config: SolverConfig; seed: unknown }, input: string, validity: Validity, names: () => string[]): Promise<CaseOutcome> {
  let net: Net | null = null;
  try {
    const { config, seed } = settings();
    net = new Net(mlp() as unknown as LayerConfig[], { backend, seed: seed as number });
    const solver = new Solver(net, config);
    const why = nonsense(solver);
    if (why) return { cls: 'silent', input, detail: `accepted settings giving ${why}` };
    // A step of a million forward passes (iterSize up to 2^20 is allowed) is work, not a hang: such
    // settings are judged on being accepted, without stepping.
    if (solver.settings.iterSize > 1000) return accepted(input, validity);
    for (let i = 0; i < 3; i++) solver.step();
    const bad = net.learnableParams.find((p) => p.blob.read().some((v) => !Number.isFinite(v)));
    if (bad) return { cls: 'silent', input, detail: `accepted settings; parameter "${bad.key}" is not finite after 3 steps` };
    return accepted(input, validity);
  } catch (e) {
    return classifyError(e, input, names());
  } finally {
    net?.destroy();
  }
}
