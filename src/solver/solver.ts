/**
 * The solver loop: forward, backward, regularize and update every learnable parameter, with the
 * learning rate and momentum of the iteration, then coffee breaks.
 *
 * Regularization follows Caffe: `weightDecay` × `decayMult` × w is added to the gradient (L2), or
 * × sign(w) (L1), and the loss reported excludes it. Mocha's `L2Regu(λ)` adds the gradient 2λw, so
 * it corresponds to weightDecay = 2λ. 'decoupled' (Loshchilov and Hutter's AdamW, PyTorch's
 * torch.optim.AdamW, Keras's `weight_decay`) leaves the gradient alone and shrinks the weights
 * themselves, w ← (1 - lr · weightDecay · decayMult) w with this iteration's lr (× lrMult), before
 * the update rule moves them; with Adam that is AdamW.
 *
 * One iteration follows Caffe's Solver::Step and ApplyUpdate: `iterSize` forward/backward passes
 * accumulate into the parameter diffs; if `clipGradients` is set and the global L2 norm of those
 * (summed) diffs exceeds it, every diff is scaled by clipGradients / norm; then the diffs are
 * divided by iterSize, regularized and handed to the update rule.
 *
 * Loss scaling (`lossScale`, see ./loss-scale.ts): the passes back-propagate the loss times S, and
 * the summed diffs are divided by S before clipping, so that clipping and the update see the true
 * gradients (without clipping, 1/S joins the division by iterSize). With dynamic scaling, an
 * iteration whose gradients are not finite updates nothing and lowers S.
 *
 * Data-parallel training: with a `gradientSync` (see ./gradient-sync.ts), the diffs are made the
 * mean over the ranks before clipping and the update, the reported loss is the mean over the
 * ranks, and a stop requested on any rank stops every rank before the same iteration.
 *
 * Exactness: everything a run depends on (weights, update-rule history, iteration, lrScale, the
 * dynamic loss scale, random state, data position) is in `getState`, so that a run resumed from a
 * snapshot continues bit for bit.
 */
import type { Buf, HostArray, Replayer } from '../backend/backend.js';
import { ConfigReader, type Raw, type Untyped } from '../core/config.js';
import type { Param } from '../core/layer.js';
import type { Net } from '../core/net.js';
import { ConfigError, NumericError } from '../core/errors.js';
import type { BreakSchedule, CoffeeBreak } from './coffee/coffee-break.js';
import { CoffeeLounge } from './coffee/lounge.js';
import type { StepSettings, UpdateRule } from './methods/update-rule.js';
import { sgd } from './methods/sgd.js';
import { nesterov } from './methods/nesterov.js';
import { adam } from './methods/adam.js';
import { adagrad } from './methods/adagrad.js';
import { adadelta } from './methods/adadelta.js';
import { rmsprop } from './methods/rmsprop.js';
import type { GradientSync } from './gradient-sync.js';
import { YieldBudget, parseYieldEvery, type YieldEvery } from './yield.js';
import {
  FiniteCheck, MAX_LOSS_SCALE, checkLossScaleState, formatScale, parseLossScale, resolveLossScale,
  type LossScaleConfig, type LossScaleSettings, type LossScaleState,
} from './loss-scale.js';
import { learningRate, momentumAt, parseLrPolicy, parseMomentumPolicy, type LrPolicy, type MomentumPolicy } from './policies.js';

export const REGULARIZATIONS = ['L2', 'L1', 'decoupled'] as const;
export type Regularization = typeof REGULARIZATIONS[number];

export type SolverMethod = 'SGD' | 'Nesterov' | 'Adam' | 'AdaGrad' | 'AdaDelta' | 'RMSProp';

export interface SolverConfig {
  /** Update rule (default 'SGD'); see src/solver/methods/ for each formula. */
  method?: SolverMethod;
  /** Base learning rate (required). */
  baseLr: number;
  /** Learning-rate policy (default fixed), e.g. { type: 'inv', gamma: 1e-4, power: 0.75 }. */
  lrPolicy?: LrPolicy | LrPolicy['type'];
  /** Base momentum (default 0): SGD and Nesterov momentum, AdaDelta's decay rate; must stay 0 for Adam, AdaGrad and RMSProp. */
  momentum?: number;
  /** Momentum policy (default fixed). */
  momentumPolicy?: MomentumPolicy | MomentumPolicy['type'];
  /** Weight decay (default 0). */
  weightDecay?: number;
  /** 'L2' (default) or 'L1' (added to the gradient), or 'decoupled' (the weights shrink by lr · weightDecay: AdamW with Adam). */
  regularization?: Regularization;
  /** Iterations `solve` runs to (required). */
  maxIter: number;
  /** Check that the loss is finite every this many iterations (default 1 on CPU backends, 100 on devices; 0 never). */
  checkLossEvery?: number;
  /** Forward/backward passes per iteration, gradients averaged (Caffe's iter_size; default 1, at most MAX_ITER_SIZE = 2^20). */
  iterSize?: number;
  /** Scale all gradients down when their global L2 norm exceeds this (Caffe's clip_gradients; default: no clipping). */
  clipGradients?: number;
  /**
   * Loss scaling for low-precision backward passes (see ./loss-scale.ts): a number S multiplies
   * the loss's gradient before backward and divides the parameter gradients after (1: none; a
   * power of two changes nothing computed, barring overflow); 'dynamic' or { init, growthFactor,
   * backoffFactor, growthInterval, minScale } adapts S, skipping the updates whose gradients
   * overflow. Default: 'dynamic' when the backend's precision is float16, else none.
   */
  lossScale?: LossScaleConfig;
  /** AdaGrad, AdaDelta, RMSProp: added to the denominator (default 1e-8 as Caffe; AdaDelta is often run with 1e-6). */
  delta?: number;
  /** RMSProp: decay of the squared-gradient average (default 0.99). */
  rmsDecay?: number;
  /** Adam: first-moment decay (default 0.9). */
  beta1?: number;
  /** Adam: second-moment decay (default 0.999). */
  beta2?: number;
  /** Adam: denominator guard (default 1e-8). */
  epsilon?: number;
  /**
   * How often `run` / `solve` yield to the event loop, so that a page keeps painting and timers,
   * sockets and signals are served while training goes on: `{ ms: N }` after N milliseconds of
   * work (default `{ ms: 16 }`, one 60 Hz frame, in browsers and in Node alike), `{ iterations: N }`
   * after every N iterations, or `false` never. It changes nothing computed (see ./yield.ts).
   */
  yieldEvery?: YieldEvery;
  /**
   * On a backend with graphs (CUDA): run each iteration as one CUDA graph, captured once and
   * replayed with the iteration's own learning rate, random keys and data (Backend.replayer).
   * It changes nothing computed, and saves the host's launch of every kernel. An iteration that
   * reads a result back (the loss check every checkLossEvery iterations, dynamic lossScale's
   * check of the gradients) runs as a graph before the read and one after it; gradient exchange
   * between ranks runs call by call. Default false; ignored on other backends.
   */
  cudaGraphs?: boolean;
}

export interface SolverSettings {
  method: SolverMethod;
  baseLr: number;
  lrPolicy: LrPolicy;
  momentum: number;
  momentumPolicy: MomentumPolicy;
  weightDecay: number;
  regularization: Regularization;
  maxIter: number;
  checkLossEvery: number | null;
  iterSize: number;
  clipGradients: number | null;
  /** null: not set (the backend's precision decides). */
  lossScale: LossScaleSettings | null;
  delta: number;
  rmsDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  yieldEvery: YieldEvery;
  cudaGraphs: boolean;
}

/** The most passes one iteration may accumulate (iterSize): 2^20, far above any useful setting. */
export const MAX_ITER_SIZE = 1048576;

const RULES: Record<SolverMethod, UpdateRule> = { SGD: sgd, Nesterov: nesterov, Adam: adam, AdaGrad: adagrad, AdaDelta: adadelta, RMSProp: rmsprop };
const METHODS = Object.keys(RULES) as SolverMethod[];
/** Fields that only some methods read: giving one to another method is a mistake, not a no-op. */
const METHOD_FIELDS: Record<string, readonly SolverMethod[]> = {
  delta: ['AdaGrad', 'AdaDelta', 'RMSProp'],
  rmsDecay: ['RMSProp'],
  beta1: ['Adam'],
  beta2: ['Adam'],
  epsilon: ['Adam'],
  momentumPolicy: ['SGD', 'Nesterov', 'AdaDelta'],
};

/**
 * Reads and checks solver settings (from code, a JSON file or CLI flags). `reader` replaces the
 * reader of `raw` (the JSON Schema's FieldProbe lists the fields read this way).
 */
export function parseSolverConfig(raw: SolverConfig | Untyped, where = 'solver', reader?: ConfigReader): SolverSettings {
  const r = reader ?? new ConfigReader(raw as Raw, where);
  const s: SolverSettings = {
    method: r.oneOf('method', METHODS, 'SGD'),
    baseLr: r.number('baseLr', undefined, { above: 0 }),
    lrPolicy: r.custom('lrPolicy', parseLrPolicy),
    momentum: r.number('momentum', 0, { min: 0, max: 1 }),
    momentumPolicy: r.custom('momentumPolicy', parseMomentumPolicy),
    weightDecay: r.number('weightDecay', 0, { min: 0 }),
    regularization: r.oneOf('regularization', REGULARIZATIONS, 'L2'),
    maxIter: r.int('maxIter', undefined, { min: 0 }),
    checkLossEvery: r.has('checkLossEvery') ? r.int('checkLossEvery', undefined, { min: 0 }) : null,
    iterSize: r.int('iterSize', 1, { min: 1, max: MAX_ITER_SIZE }),
    clipGradients: r.has('clipGradients') ? r.number('clipGradients', undefined, { above: 0 }) : null,
    lossScale: r.custom('lossScale', parseLossScale),
    delta: r.number('delta', 1e-8, { above: 0 }),
    rmsDecay: r.number('rmsDecay', 0.99, { min: 0, max: 1 }),
    beta1: r.number('beta1', 0.9, { min: 0, max: 1 }),
    beta2: r.number('beta2', 0.999, { min: 0, max: 1 }),
    epsilon: r.number('epsilon', 1e-8, { above: 0 }),
    yieldEvery: r.custom('yieldEvery', parseYieldEvery),
    cudaGraphs: r.bool('cudaGraphs', false),
  };
  r.finish();
  for (const [field, methods] of Object.entries(METHOD_FIELDS)) {
    if (r.has(field) && !methods.includes(s.method)) {
      throw new ConfigError(`${where}: field "${field}" is used only by method ${methods.join(', ')}, found method "${s.method}"; remove it`);
    }
  }
  if ((s.method === 'Adam' || s.method === 'AdaGrad' || s.method === 'RMSProp') && s.momentum !== 0) {
    const hint = s.method === 'Adam' ? ' (Adam\'s momentum is beta1)' : '';
    throw new ConfigError(`${where}: field "momentum" must be 0 for method "${s.method}"${hint}, found ${s.momentum}`);
  }
  if (s.method === 'Adam' && s.beta1 === 1) throw new ConfigError(`${where}: field "beta1" must be below 1 (the bias correction divides by 1 - beta1^t), found 1`);
  checkSchedule(s, where);
  return s;
}

/**
 * Refuses policies whose learning rate leaves the finite numbers, or whose momentum leaves [0, 1],
 * before maxIter (a step policy with gamma 1e6 over a million iterations, say), rather than
 * stopping the run there. Every policy is monotonic between stage boundaries, so the ends of
 * the run and of each stage are the iterations to look at.
 */
function checkSchedule(s: SolverSettings, where: string): void {
  const at = new Set([0, s.maxIter]);
  for (const p of [s.lrPolicy, s.momentumPolicy]) {
    if (p.type !== 'staged') continue;
    let end = 0;
    for (const stage of p.stages) {
      end += stage.iterations;
      for (const it of [end - 1, end]) if (it >= 0 && it <= s.maxIter) at.add(it);
    }
  }
  for (const it of [...at].sort((a, b) => a - b)) {
    const lr = learningRate(s.lrPolicy, s.baseLr, it, s.maxIter);
    if (!Number.isFinite(lr) || lr < 0) {
      throw new ConfigError(`${where}: field "lrPolicy" (${s.lrPolicy.type}) gives a learning rate of ${lr} at iteration ${it}, before maxIter ${s.maxIter}; change its parameters or maxIter`);
    }
    const m = momentumAt(s.momentumPolicy, s.momentum, it);
    if (!(m >= 0 && m <= 1)) {
      throw new ConfigError(`${where}: field "momentumPolicy" (${s.momentumPolicy.type}) gives a momentum of ${m} at iteration ${it}, outside [0, 1]; change its parameters`);
    }
  }
}

/** What a snapshot holds besides the weights. */
export interface SolverState {
  iter: number;
  rng: number[];
  /** Update-rule history by `<state>/<param key>`. */
  history: Map<string, HostArray>;
  data: Record<string, Record<string, unknown>>;
  /** Learning-rate multiplier set by coffee breaks such as DecayOnValidation (1 when absent). */
  lrScale?: number;
  /** Dynamic loss scaling's scale and counts (absent without it, and in older snapshots: the scale then starts from init). */
  lossScale?: LossScaleState;
}

interface Scheduled {
  brk: CoffeeBreak;
  schedule: BreakSchedule;
}

export class Solver<N extends Net = Net> {
  readonly settings: SolverSettings;
  readonly lounge = new CoffeeLounge();
  /** Completed iterations. */
  iter = 0;
  /** Multiplies the policy's learning rate (coffee breaks such as DecayOnValidation lower it); saved in getState. */
  lrScale = 1;
  /** Data-parallel training: reduces the diffs over the ranks before each update (null: one process). */
  gradientSync: GradientSync | null = null;
  /** The loss scaling this solver runs: settings.lossScale, or the backend's default when it is not set. */
  readonly lossScaling: LossScaleSettings;
  private scale: number;
  /** Dynamic scaling: good steps in a row since the scale last changed, and steps skipped. */
  private goodSteps = 0;
  private skipped = 0;
  private readonly finiteCheck: FiniteCheck;
  private readonly rule: UpdateRule;
  private readonly history = new Map<Param, Buf[]>();
  private readonly scratch = new Map<Param, Buf[]>();
  /** Mean loss of the iterSize passes of the last step (null when iterSize is 1: read from the net). */
  private meanLoss: number | null = null;
  private readonly breaks: Scheduled[] = [];
  private lastEpoch: number;
  private checkEvery: number;
  private stopRequested = false;
  /** The runner of iterations as one graph (cudaGraphs on a backend with replayer), made at the first step. */
  private replayer: Replayer | null | undefined;

  /** `config`: a SolverConfig (checked at compile time), or settings read from JSON (Untyped: a Raw value), checked at run time. */
  constructor(readonly net: N, config: SolverConfig | Untyped) {
    this.settings = parseSolverConfig(config);
    this.rule = RULES[this.settings.method];
    const cpu = net.backend.name === 'js' || net.backend.name === 'native';
    this.checkEvery = this.settings.checkLossEvery ?? (cpu ? 1 : 100);
    this.lastEpoch = net.epoch;
    this.lossScaling = resolveLossScale(this.settings.lossScale, net.backend);
    this.scale = this.initialScale;
    this.finiteCheck = new FiniteCheck(net.backend);
    if (this.lossScaling.type === 'dynamic' || this.scale !== 1) net.checkLossScaling();
  }

  /** The loss scale of the next iteration (1 without loss scaling). */
  get lossScale(): number {
    return this.scale;
  }

  /** Iterations whose update dynamic loss scaling skipped (their gradients were not finite). */
  get skippedSteps(): number {
    return this.skipped;
  }

  private get initialScale(): number {
    const l = this.lossScaling;
    return l.type === 'static' ? l.scale : l.init;
  }

  /** Learning rate of the current iteration: policy rate × lrScale (before the lrMult of each parameter). */
  get learningRate(): number {
    const s = this.settings;
    return learningRate(s.lrPolicy, s.baseLr, this.iter, s.maxIter) * this.lrScale;
  }

  get momentum(): number {
    return momentumAt(this.settings.momentumPolicy, this.settings.momentum, this.iter);
  }

  /** Objective of the last forward pass (reads it from the backend); with iterSize > 1, the mean over the passes of the last step. */
  get loss(): number {
    return this.meanLoss ?? this.net.loss();
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

  /**
   * How the iterations ran as graphs (cudaGraphs): launched as the graph, captured into a new one,
   * or run call by call; null when they do not (cudaGraphs off, or a backend without graphs).
   */
  get graphStats(): Replayer['stats'] | null {
    return this.replayer?.stats ?? null;
  }

  /** One training iteration, without coffee breaks. */
  step(): void {
    if (this.replayer === undefined) {
      const b = this.net.backend;
      this.replayer = this.settings.cudaGraphs && b.replayer ? b.replayer('a training iteration') : null;
    }
    if (this.replayer) this.replayer.run(this.stepOnce);
    else this.stepOnce();
  }

  /** One iteration's work (an arrow function: the replayer runs it every step, with no closure made each time). */
  private readonly stepOnce = (): void => {
    const { net, settings: s } = this;
    net.clearParamDiffs();
    const check = this.checkEvery > 0 && (this.iter + 1) % this.checkEvery === 0;
    const sync = this.gradientSync;
    const scale = this.scale;
    let lossSum = 0;
    net.lossScale = scale;
    try {
      for (let k = 0; k < s.iterSize; k++) {
        net.forward();
        if (check || s.iterSize > 1 || sync) {
          const loss = net.loss();
          // Checked before the update, so that a diverging run stops with its weights still finite.
          if (check) net.checkFinite(loss, this.iter + 1);
          lossSum += loss;
        }
        const layerDone = sync?.layerDone && k === s.iterSize - 1 ? sync.layerDone.bind(sync) : undefined;
        net.backward(layerDone);
      }
    } finally {
      net.lossScale = 1;
    }
    this.meanLoss = s.iterSize > 1 ? lossSum / s.iterSize : null;
    const params = net.learnableParams;
    if (sync) {
      sync.reduce(params);
      const loss = new Float64Array([lossSum / s.iterSize]);
      sync.sumScalars(loss);
      this.meanLoss = loss[0]! / sync.size;
    }
    // After the reduction, so that every rank sees the same diffs and decides alike.
    if (this.lossScaling.type === 'dynamic' && !this.finiteCheck.gradientsFinite(params)) {
      this.skipStep(this.lossScaling);
      return;
    }
    // Clipping sees the true gradients; without it, 1/scale joins the division by iterSize.
    let divide = s.iterSize * scale;
    if (s.clipGradients !== null) {
      if (scale !== 1) for (const p of params) net.backend.scal(p.blob.count, 1 / scale, p.blob.diff);
      this.clipGradients(params, s.clipGradients);
      divide = s.iterSize;
    }
    const lr = this.learningRate;
    const momentum = this.momentum;
    if (!Number.isFinite(lr) || !Number.isFinite(momentum)) {
      const what = Number.isFinite(lr) ? `momentum is ${momentum}` : `learning rate is ${lr}`;
      throw new NumericError(`solver: the ${what} at iteration ${this.iter + 1} (lrPolicy "${s.lrPolicy.type}", baseLr ${s.baseLr}, momentumPolicy "${s.momentumPolicy.type}"); the policy overflows here: change its parameters or maxIter`);
    }
    const decoupled = s.regularization === 'decoupled';
    const common = {
      momentum, regularization: s.regularization === 'L1' ? 'L1' as const : 'L2' as const, applied: this.iter - this.skipped,
      delta: s.delta, rmsDecay: s.rmsDecay, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon,
    };
    for (const p of params) {
      if (divide !== 1) net.backend.scal(p.blob.count, 1 / divide, p.blob.diff);
      const decay = s.weightDecay * p.decayMult;
      const st: StepSettings = { ...common, lr: lr * p.lrMult, decay: decoupled ? 0 : decay };
      if (decoupled && decay !== 0) net.backend.scal(p.blob.count, 1 - st.lr * decay, p.blob.data);
      this.rule.update(net.backend, p, this.historyOf(p), st, this.scratchOf(p));
      p.constraint?.apply(net.backend, p.blob);
    }
    // Checked after the update too: a NaN in the data or an update that overflows can leave the
    // loss finite (a max-pooling or clamped loss hides it) while the weights are already lost.
    if (check) net.checkParamsFinite(this.iter + 1, params);
    this.iter++;
    const l = this.lossScaling;
    if (l.type === 'dynamic' && ++this.goodSteps >= l.growthInterval) {
      this.goodSteps = 0;
      if (scale * l.growthFactor <= MAX_LOSS_SCALE) this.scale = scale * l.growthFactor;
    }
  };

  /**
   * Dynamic loss scaling, gradients not finite: the iteration counts (for the learning-rate and
   * momentum policies, breaks and snapshots) but updates nothing, so Adam's step count, which
   * counts updates applied, stays (GradScaler skips the optimizer's step); and the scale backs off. A non-finite loss is the forward pass's doing, which no scale changes: it
   * stops as the NaN guard does; so does a scale that would fall below minScale.
   */
  private skipStep(l: Extract<LossScaleSettings, { type: 'dynamic' }>): void {
    const net = this.net;
    const iter = this.iter + 1;
    net.checkFinite(this.meanLoss ?? net.loss(), iter);
    const next = this.scale * l.backoffFactor;
    if (next < l.minScale) {
      throw new NumericError(
        `solver: the gradients hold an infinity or NaN at iteration ${iter} at every loss scale down to ${formatScale(this.scale)} ` +
          `(minScale ${formatScale(l.minScale)}; ${this.skipped + 1} iterations skipped in all): no scale makes them finite, so the ` +
          `data holds a non-finite value or the net diverged; ${net.findNonFinite()}. Check the data or lower the learning rate.`,
      );
    }
    this.scale = next;
    this.goodSteps = 0;
    this.skipped++;
    this.iter++;
  }

  /** Caffe's ClipGradients: scales every diff by clip / ‖all diffs‖₂ when that norm exceeds clip. */
  private clipGradients(params: Param[], clip: number): void {
    const b = this.net.backend;
    let sumsq = 0;
    for (const p of params) sumsq += b.dot(p.blob.count, p.blob.diff, p.blob.diff);
    const norm = Math.sqrt(sumsq);
    if (norm > clip) for (const p of params) b.scal(p.blob.count, clip / norm, p.blob.diff);
  }

  /**
   * Runs `iterations` more iterations (default: up to maxIter), with coffee breaks, yielding to the
   * event loop as `yieldEvery` says (the one place training yields: requestStop() from a timer, a
   * message or a signal handler takes effect at the next yield).
   */
  async run(iterations = this.settings.maxIter - this.iter): Promise<void> {
    const end = this.iter + iterations;
    this.stopRequested = false;
    const budget = new YieldBudget(this.settings.yieldEvery);
    for (const { brk } of this.breaks) await brk.init?.(this);
    try {
      while (this.iter < end && !this.stopAgreed()) {
        this.step();
        await this.coffeeBreaks();
        await budget.tick();
      }
    } finally {
      for (const { brk } of this.breaks) await brk.destroy?.(this);
      this.lounge.save();
    }
  }

  /** Whether to stop now: this process's request, or in a data-parallel run any rank's (all agree). */
  private stopAgreed(): boolean {
    if (!this.gradientSync) return this.stopRequested;
    const flag = new Float64Array([this.stopRequested ? 1 : 0]);
    this.gradientSync.sumScalars(flag);
    return flag[0]! > 0;
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
    const state: SolverState = { iter: this.iter, rng: this.net.rng.getState(), history, data: this.net.getDataState(), lrScale: this.lrScale };
    if (this.lossScaling.type === 'dynamic') state.lossScale = { scale: this.scale, goodSteps: this.goodSteps, skippedSteps: this.skipped };
    return state;
  }

  /** Restores a state from getState (weights are restored separately, by key). */
  setState(state: SolverState): void {
    const scaling = state.lossScale === undefined ? undefined : checkLossScaleState(state.lossScale, 'solver state');
    if (this.lossScaling.type === 'dynamic') {
      this.scale = scaling?.scale ?? this.initialScale;
      this.goodSteps = scaling?.goodSteps ?? 0;
      this.skipped = scaling?.skippedSteps ?? 0;
    }
    this.iter = state.iter;
    this.lrScale = state.lrScale ?? 1;
    this.net.rng.setState(state.rng);
    this.net.setDataState(state.data);
    this.setHistory(state.history);
    this.lastEpoch = this.net.epoch;
  }

  /** Restores only the update-rule history of a getState (iteration, random and data state go on). */
  setHistory(history: Map<string, HostArray>): void {
    for (const p of this.net.learnableParams) {
      this.historyOf(p).forEach((buf, i) => {
        const name = `${this.rule.stateNames[i]}/${p.key}`;
        const values = history.get(name);
        if (!values) throw new ConfigError(`solver state has no "${name}"; was the snapshot made with another net or method?`);
        if (values.length !== p.blob.count) throw new ConfigError(`solver state "${name}" has ${values.length} values, the parameter has ${p.blob.count}`);
        this.net.backend.upload(buf, values);
      });
    }
  }

  private historyOf(p: Param): Buf[] {
    let h = this.history.get(p);
    if (!h) {
      h = this.rule.stateNames.map(() => this.net.backend.alloc(p.blob.count));
      this.history.set(p, h);
    }
    return h;
  }

  private scratchOf(p: Param): Buf[] {
    let t = this.scratch.get(p);
    if (!t) {
      t = Array.from({ length: this.rule.scratch ?? 0 }, () => this.net.backend.alloc(p.blob.count));
      this.scratch.set(p, t);
    }
    return t;
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
