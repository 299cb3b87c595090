/**
 * Target "solver": mutated solver settings (fields, learning-rate and momentum policies, staged
 * policies) and net seeds, given to `new Solver` on a tiny MLP, then a few `step()`s. Accepted
 * settings must also make sense: a learning rate that is finite and not negative and a momentum
 * in [0, 1] at every iteration up to maxIter, and finite weights after the steps (issue 15,
 * finding 7); otherwise the case is a silent acceptance.
 */
import { JsBackend } from '../src/backend/js/js-backend.js';
import { Net } from '../src/node/net.js';
import type { LayerConfig } from '../src/core/layer.js';
import { Solver } from '../src/solver/solver.js';
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

export async function solverCase(rng: FuzzRng, ctx: CaseContext): Promise<CaseOutcome> {
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
  let net: Net | null = null;
  try {
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
    return classifyError(e, input, [...base, ...namesIn(config), 'seed']);
  } finally {
    net?.destroy();
  }
}
