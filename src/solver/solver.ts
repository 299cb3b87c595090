/**
 * The solver loop: forward, backward, regularize and update every learnable parameter, with the
 * learning rate and momentum of the iteration, then coffee breaks.
 *
 * Regularization follows Caffe: `weightDecay` × `decayMult` × w is added to the gradient (L2), or
 * × sign(w) (L1), and the loss reported excludes it. Mocha's `L2Regu(λ)` adds the gradient 2λw, so
 * it corresponds to weightDecay = 2λ.
 *
 * Exactness: everything a run depends on (weights, momentum history, iteration, random state,
 * data position) is in `getState`, so that a run resumed from a snapshot continues bit for bit.
 */
import type { Buf, HostArray } from '../backend/backend.js';
import { ConfigReader, type Raw } from '../core/config.js';
import type { Param } from '../core/layer.js';
import type { Net } from '../core/net.js';
import { ConfigError } from '../core/errors.js';
import type { BreakSchedule, CoffeeBreak } from './coffee/coffee-break.js';
import { CoffeeLounge } from './coffee/lounge.js';
import type { UpdateRule } from './methods/update-rule.js';
import { sgd } from './methods/sgd.js';
import { learningRate, momentumAt, parseLrPolicy, parseMomentumPolicy, type LrPolicy, type MomentumPolicy } from './policies.js';

export interface SolverConfig {
  /** Update rule (default 'SGD'). */
  method?: 'SGD';
  /** Base learning rate (required). */
  baseLr: number;
  /** Learning-rate policy (default fixed), e.g. { type: 'inv', gamma: 1e-4, power: 0.75 }. */
  lrPolicy?: LrPolicy | LrPolicy['type'];
  /** Base momentum (default 0). */
  momentum?: number;
  /** Momentum policy (default fixed). */
  momentumPolicy?: MomentumPolicy | MomentumPolicy['type'];
  /** Weight decay (default 0). */
  weightDecay?: number;
  /** 'L2' (default) or 'L1'. */
  regularization?: 'L2' | 'L1';
  /** Iterations `solve` runs to (required). */
  maxIter: number;
  /** Check that the loss is finite every this many iterations (default 1 on CPU backends, 100 on devices; 0 never). */
  checkLossEvery?: number;
}

export interface SolverSettings {
  method: 'SGD';
  baseLr: number;
  lrPolicy: LrPolicy;
  momentum: number;
  momentumPolicy: MomentumPolicy;
  weightDecay: number;
  regularization: 'L2' | 'L1';
  maxIter: number;
  checkLossEvery: number | null;
}

const RULES: Record<SolverSettings['method'], UpdateRule> = { SGD: sgd };

/** Reads and checks solver settings (from code, a JSON file or CLI flags). */
export function parseSolverConfig(raw: SolverConfig | Raw, where = 'solver'): SolverSettings {
  const r = new ConfigReader(raw as Raw, where);
  const s: SolverSettings = {
    method: r.oneOf('method', ['SGD'] as const, 'SGD'),
    baseLr: r.number('baseLr', undefined, { above: 0 }),
    lrPolicy: parseLrPolicy(r.raw.lrPolicy, `${where}, field "lrPolicy"`),
    momentum: r.number('momentum', 0, { min: 0, max: 1 }),
    momentumPolicy: parseMomentumPolicy(r.raw.momentumPolicy, `${where}, field "momentumPolicy"`),
    weightDecay: r.number('weightDecay', 0, { min: 0 }),
    regularization: r.oneOf('regularization', ['L2', 'L1'] as const, 'L2'),
    maxIter: r.int('maxIter', undefined, { min: 0 }),
    checkLossEvery: r.has('checkLossEvery') ? r.int('checkLossEvery', undefined, { min: 0 }) : null,
  };
  r.accept('lrPolicy', 'momentumPolicy');
  r.finish();
  return s;
}

/** What a snapshot holds besides the weights. */
export interface SolverState {
  iter: number;
  rng: number[];
  /** Update-rule history by `<state>/<param key>`. */
  history: Map<string, HostArray>;
  data: Record<string, Record<string, unknown>>;
}

interface Scheduled {
  brk: CoffeeBreak;
  schedule: BreakSchedule;
}

export class Solver {
  readonly settings: SolverSettings;
  readonly lounge = new CoffeeLounge();
  /** Completed iterations. */
  iter = 0;
  private readonly rule: UpdateRule;
  private readonly history = new Map<Param, Buf[]>();
  private readonly breaks: Scheduled[] = [];
  private lastEpoch: number;
  private checkEvery: number;
  private stopRequested = false;

  constructor(readonly net: Net, config: SolverConfig | Raw) {
    this.settings = parseSolverConfig(config);
    this.rule = RULES[this.settings.method];
    const cpu = net.backend.name === 'js' || net.backend.name === 'native';
    this.checkEvery = this.settings.checkLossEvery ?? (cpu ? 1 : 100);
    this.lastEpoch = net.epoch;
  }

  /** Learning rate of the current iteration (before the lrMult of each parameter). */
  get learningRate(): number {
    const s = this.settings;
    return learningRate(s.lrPolicy, s.baseLr, this.iter, s.maxIter);
  }

  get momentum(): number {
    return momentumAt(this.settings.momentumPolicy, this.settings.momentum, this.iter);
  }

  /** Objective of the last forward pass (reads it from the backend). */
  get loss(): number {
    return this.net.loss();
  }

  addCoffeeBreak(brk: CoffeeBreak, schedule: BreakSchedule): this {
    const n = 'everyIter' in schedule ? schedule.everyIter : schedule.everyEpoch;
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`coffee break schedule must be a positive integer, found ${n}`);
    this.breaks.push({ brk, schedule });
    return this;
  }

  /** Asks `run` / `solve` to stop after the current iteration (for breaks such as early stopping). */
  requestStop(): void {
    this.stopRequested = true;
  }

  /** One training iteration, without coffee breaks. */
  step(): void {
    const { net, settings: s } = this;
    net.clearParamDiffs();
    net.forward();
    // Checked before the update, so that a diverging run stops with its weights still finite.
    if (this.checkEvery > 0 && (this.iter + 1) % this.checkEvery === 0) net.checkFinite(net.loss(), this.iter + 1);
    net.backward();
    const lr = this.learningRate;
    const momentum = this.momentum;
    for (const p of net.learnableParams) {
      this.rule.update(net.backend, p, this.historyOf(p), {
        lr: lr * p.lrMult,
        momentum,
        decay: s.weightDecay * p.decayMult,
        regularization: s.regularization,
      });
    }
    this.iter++;
  }

  /** Runs `iterations` more iterations (default: up to maxIter), with coffee breaks. */
  async run(iterations = this.settings.maxIter - this.iter): Promise<void> {
    const end = this.iter + iterations;
    this.stopRequested = false;
    for (const { brk } of this.breaks) await brk.init?.(this);
    try {
      while (this.iter < end && !this.stopRequested) {
        this.step();
        await this.coffeeBreaks();
      }
    } finally {
      for (const { brk } of this.breaks) await brk.destroy?.(this);
      this.lounge.save();
    }
  }

  /** Trains until maxIter. */
  solve(): Promise<void> {
    return this.run();
  }

  getState(): SolverState {
    const history = new Map<string, HostArray>();
    for (const p of this.net.learnableParams) {
      this.historyOf(p).forEach((buf, i) => history.set(`${this.rule.stateNames[i]}/${p.key}`, this.net.backend.download(buf)));
    }
    return { iter: this.iter, rng: this.net.rng.getState(), history, data: this.net.getDataState() };
  }

  /** Restores a state from getState (weights are restored separately, by key). */
  setState(state: SolverState): void {
    this.iter = state.iter;
    this.net.rng.setState(state.rng);
    this.net.setDataState(state.data);
    for (const p of this.net.learnableParams) {
      this.historyOf(p).forEach((buf, i) => {
        const name = `${this.rule.stateNames[i]}/${p.key}`;
        const values = state.history.get(name);
        if (!values) throw new ConfigError(`solver state has no "${name}"; was the snapshot made with another net or method?`);
        if (values.length !== p.blob.count) throw new ConfigError(`solver state "${name}" has ${values.length} values, the parameter has ${p.blob.count}`);
        this.net.backend.upload(buf, values);
      });
    }
    this.lastEpoch = this.net.epoch;
  }

  private historyOf(p: Param): Buf[] {
    let h = this.history.get(p);
    if (!h) {
      h = this.rule.stateNames.map(() => this.net.backend.alloc(p.blob.count));
      this.history.set(p, h);
    }
    return h;
  }

  private async coffeeBreaks(): Promise<void> {
    const epoch = this.net.epoch;
    const newEpoch = epoch !== this.lastEpoch;
    this.lastEpoch = epoch;
    for (const { brk, schedule } of this.breaks) {
      const due = 'everyIter' in schedule ? this.iter % schedule.everyIter === 0 : newEpoch && epoch % schedule.everyEpoch === 0;
      if (due) await brk.enjoy(this);
    }
    if (this.lounge.store && this.iter % this.lounge.saveEvery === 0) this.lounge.save();
  }
}
