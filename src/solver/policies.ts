/**
 * Learning-rate and momentum policies: pure functions of the iteration (Caffe's formulas, and
 * Mocha's staged and momentum policies). `iter` counts the updates already done, from 0.
 *
 *   fixed      lr = baseLr
 *   step       lr = baseLr · gamma^floor(iter / stepsize)
 *   exp        lr = baseLr · gamma^iter
 *   inv        lr = baseLr · (1 + gamma · iter)^(-power)
 *   multistep  lr = baseLr · gamma^(number of stepvalues ≤ iter)
 *   poly       lr = baseLr · (1 - iter / maxIter)^power
 *   sigmoid    lr = baseLr / (1 + exp(-gamma · (iter - stepsize)))
 *   staged     the policy of the current stage, each stage lasting `iterations` updates; a stage
 *              may set its own baseLr; the stage's policy sees the global iteration (as Mocha)
 *
 * Momentum (Mocha's MomPolicy):
 *   fixed      m = momentum
 *   step       m = min(momentum · gamma^floor(iter / stepsize), max)
 *   linear     m = min(momentum + floor(iter / stepsize) · gamma, max)
 *   staged     as for the learning rate
 *
 * Checked at parse so that no iteration leaves the meaningful range: every rate (a stage's
 * baseLr) finite and > 0, gamma finite (> 0 for step, exp and multistep; >= 0 for inv), power
 * finite and >= 0 (a negative power grows the rate without bound), stepsize and stepvalues
 * integers; momentum in [0, 1] at every iteration: a stage's momentum and `max` in [0, 1]
 * (`max` defaults to 1), gamma >= 0 (the base momentum is checked by the solver).
 */
import { ConfigError } from '../core/errors.js';
import { ConfigReader, type Raw } from '../core/config.js';

export type LrPolicy =
  | { type: 'fixed' }
  | { type: 'step'; gamma: number; stepsize: number }
  | { type: 'exp'; gamma: number }
  | { type: 'inv'; gamma: number; power: number }
  | { type: 'multistep'; gamma: number; stepvalues: number[] }
  | { type: 'poly'; power: number }
  | { type: 'sigmoid'; gamma: number; stepsize: number }
  | { type: 'staged'; stages: { iterations: number; policy: LrPolicy; baseLr?: number }[] };

export type MomentumPolicy =
  | { type: 'fixed' }
  | { type: 'step'; gamma: number; stepsize: number; max?: number }
  | { type: 'linear'; gamma: number; stepsize: number; max?: number }
  | { type: 'staged'; stages: { iterations: number; policy: MomentumPolicy; momentum?: number }[] };

export function learningRate(p: LrPolicy, baseLr: number, iter: number, maxIter: number): number {
  switch (p.type) {
    case 'fixed': return baseLr;
    case 'step': return baseLr * Math.pow(p.gamma, Math.floor(iter / p.stepsize));
    case 'exp': return baseLr * Math.pow(p.gamma, iter);
    case 'inv': return baseLr * Math.pow(1 + p.gamma * iter, -p.power);
    case 'multistep': return baseLr * Math.pow(p.gamma, p.stepvalues.filter((s) => iter >= s).length);
    case 'poly': return baseLr * Math.pow(Math.max(0, 1 - iter / maxIter), p.power);
    case 'sigmoid': return baseLr / (1 + Math.exp(-p.gamma * (iter - p.stepsize)));
    case 'staged': {
      const s = stageAt(p.stages, iter);
      return learningRate(s.policy, s.baseLr ?? baseLr, iter, maxIter);
    }
  }
}

export function momentumAt(p: MomentumPolicy, momentum: number, iter: number): number {
  switch (p.type) {
    case 'fixed': return momentum;
    // A zero momentum stays 0 (0 × an overflowed gamma^k would be NaN).
    case 'step': return momentum === 0 ? 0 : Math.min(momentum * Math.pow(p.gamma, Math.floor(iter / p.stepsize)), p.max ?? 1);
    case 'linear': return Math.min(momentum + Math.floor(iter / p.stepsize) * p.gamma, p.max ?? 1);
    case 'staged': {
      const s = stageAt(p.stages, iter);
      return momentumAt(s.policy, s.momentum ?? momentum, iter);
    }
  }
}

/** The stage covering `iter`; the last stage lasts for ever. */
function stageAt<S extends { iterations: number }>(stages: S[], iter: number): S {
  let end = 0;
  for (const s of stages) {
    end += s.iterations;
    if (iter < end) return s;
  }
  return stages[stages.length - 1];
}

/** Reads and checks a learning-rate policy definition. */
export function parseLrPolicy(raw: unknown, where = 'lrPolicy'): LrPolicy {
  if (raw === undefined) return { type: 'fixed' };
  const r = new ConfigReader((typeof raw === 'string' ? { type: raw } : raw) as Raw, where);
  const type = r.oneOf('type', ['fixed', 'step', 'exp', 'inv', 'multistep', 'poly', 'sigmoid', 'staged'] as const);
  let p: LrPolicy;
  switch (type) {
    case 'fixed': p = { type }; break;
    case 'step': p = { type, gamma: r.number('gamma', undefined, { above: 0 }), stepsize: r.int('stepsize', undefined, { min: 1 }) }; break;
    case 'exp': p = { type, gamma: r.number('gamma', undefined, { above: 0 }) }; break;
    case 'inv': p = { type, gamma: r.number('gamma', undefined, { min: 0 }), power: r.number('power', undefined, { min: 0 }) }; break;
    case 'multistep': {
      const stepvalues = r.numbers('stepvalues', undefined, { min: 0 });
      if (stepvalues.some((v) => !Number.isSafeInteger(v))) r.fail('stepvalues', 'a list of iteration numbers (integers)', stepvalues);
      if (stepvalues.some((v, i) => i > 0 && v <= stepvalues[i - 1])) r.fail('stepvalues', 'increasing', stepvalues);
      p = { type, gamma: r.number('gamma', undefined, { above: 0 }), stepvalues };
      break;
    }
    case 'poly': p = { type, power: r.number('power', undefined, { min: 0 }) }; break;
    case 'sigmoid': p = { type, gamma: r.number('gamma'), stepsize: r.int('stepsize', undefined, { min: 0 }) }; break;
    case 'staged': p = { type, stages: parseStages(r, (s, w) => parseLrPolicy(s, w), 'baseLr', { above: 0 }) }; break;
  }
  r.finish();
  return p;
}

export function parseMomentumPolicy(raw: unknown, where = 'momentumPolicy'): MomentumPolicy {
  if (raw === undefined) return { type: 'fixed' };
  const r = new ConfigReader((typeof raw === 'string' ? { type: raw } : raw) as Raw, where);
  const type = r.oneOf('type', ['fixed', 'step', 'linear', 'staged'] as const);
  let p: MomentumPolicy;
  switch (type) {
    case 'fixed': p = { type }; break;
    case 'step':
    case 'linear':
      p = { type, gamma: r.number('gamma', undefined, { min: 0 }), stepsize: r.int('stepsize', undefined, { min: 1 }), max: r.number('max', 1, { min: 0, max: 1 }) };
      break;
    case 'staged': p = { type, stages: parseStages(r, (s, w) => parseMomentumPolicy(s, w), 'momentum', { min: 0, max: 1 }) }; break;
  }
  r.finish();
  return p;
}

/** The stages of a staged policy; `baseRule` bounds a stage's own baseLr or momentum. */
function parseStages<P, K extends string>(r: ConfigReader, parse: (raw: unknown, where: string) => P, baseKey: K, baseRule: { min?: number; max?: number; above?: number }) {
  const raw = r.raw.stages;
  r.accept('stages');
  if (!Array.isArray(raw) || raw.length === 0) r.fail('stages', 'a non-empty list of { iterations, policy }', raw);
  return raw.map((s, i) => {
    const sr = new ConfigReader(s as Raw, `${r.where}, stages[${i}]`);
    const stage = {
      iterations: sr.int('iterations', undefined, { min: 1 }),
      policy: sr.custom('policy', parse),
      ...(sr.has(baseKey) ? { [baseKey]: sr.number(baseKey, undefined, baseRule) } : {}),
    } as { iterations: number; policy: P } & Partial<Record<K, number>>;
    sr.finish();
    if ((stage.policy as { type: string }).type === 'staged') throw new ConfigError(`${sr.where}: stages cannot be nested`);
    return stage;
  });
}
