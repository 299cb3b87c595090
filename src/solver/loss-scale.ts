/**
 * Loss scaling (NVCaffe's global_grad_scale, PyTorch's GradScaler, Keras' LossScaleOptimizer): the
 * backward pass runs on the loss times a scale S, so that gradients too small for float16 (below
 * 2^-24) stay representable, and the solver divides the parameter gradients by S before clipping
 * and the update. Net.lossScale applies S where each loss layer sends its gradient back.
 *
 *   static   S fixed. A power of two changes nothing computed in float32 or float64: multiplying
 *            by 2^k only moves the exponent, so every product and sum of the scaled pass is
 *            exactly 2^k times the unscaled one (barring overflow and subnormals), and so is
 *            the division back. Any other S rounds.
 *   dynamic  after the backward pass (and the ranks' reduction), one value read back says
 *            whether any parameter gradient holds an infinity or NaN. If one does, the update is
 *            skipped (weights and update-rule history unchanged; the iteration still counts, as
 *            for learning-rate policies), S *= backoffFactor and the count of good steps is reset;
 *            otherwise the update runs and after growthInterval good steps in a row
 *            S *= growthFactor (as long as S stays at most 2^127). A skipped iteration whose loss
 *            is not finite, or S falling below minScale, is a NumericError: the forward pass or
 *            gradients that no scale makes finite come from the data or a diverged net, not from
 *            float16's range. Defaults as PyTorch's: init 2^16, growthFactor 2, backoffFactor
 *            0.5, growthInterval 2000; minScale 2^-24, the smallest float16 subnormal (at such a
 *            scale gradients below 1/2 round to 0 in float16: hardly anything could learn).
 *
 * The check is Σ_p dot(diff_p, 0) over zeros of the backend's dtype, chunk by chunk: 0 × a finite
 * value is 0 and 0 × ±Infinity or NaN is NaN, so the sum is 0 or NaN and cannot overflow into a
 * false alarm (a sum of squares or of magnitudes could). Every backend's dotInto is a plain sum of
 * products (js, native and wasm share the TypeScript one; the CUDA and WebGPU reductions add
 * partial sums), with no max or min that could drop a NaN, so a NaN always reaches the sum.
 */
import type { Backend, Buf } from '../backend/backend.js';
import { ConfigReader, describe, type Raw } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Param } from '../core/layer.js';

/** How SolverConfig.lossScale may be given: a fixed scale, 'dynamic', or dynamic with its settings. */
export type LossScaleConfig = number | 'dynamic' | {
  /** The first scale (default 2^16 = 65536). */
  init?: number;
  /** Multiplies the scale after growthInterval good steps in a row (default 2; > 1). */
  growthFactor?: number;
  /** Multiplies the scale after a step with non-finite gradients (default 0.5; in (0, 1)). */
  backoffFactor?: number;
  /** Good steps in a row before the scale grows (default 2000; an integer >= 1). */
  growthInterval?: number;
  /** The smallest scale tried: below it, training stops with a NumericError (default 2^-24). */
  minScale?: number;
};

export type LossScaleSettings =
  | { type: 'static'; scale: number }
  | { type: 'dynamic'; init: number; growthFactor: number; backoffFactor: number; growthInterval: number; minScale: number };

/** The dynamic scale, and the steps that decide it, as getState saves them. */
export interface LossScaleState {
  scale: number;
  /** Good steps in a row since the scale last changed. */
  goodSteps: number;
  /** Steps skipped so far in the run. */
  skippedSteps: number;
}

/**
 * Scales are kept within [2^-126, 2^127]: both S and 1/S are then normal float32 numbers, which
 * backends with float32 scalars need.
 */
export const MIN_LOSS_SCALE = 2 ** -126;
export const MAX_LOSS_SCALE = 2 ** 127;

/** No scaling. */
export const NO_LOSS_SCALE: LossScaleSettings = { type: 'static', scale: 1 };

const DYNAMIC_FIELDS = '{ init, growthFactor, backoffFactor, growthInterval, minScale }';

/** Reads SolverConfig.lossScale; null when absent (the backend's precision decides: resolveLossScale). */
export function parseLossScale(raw: unknown, where: string): LossScaleSettings | null {
  if (raw === undefined) return null;
  if (typeof raw === 'number') return { type: 'static', scale: checkScale(raw, where) };
  if (raw === 'dynamic') raw = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${where}: expected a scale (a number > 0; 1: no scaling), 'dynamic' or ${DYNAMIC_FIELDS}, found ${describe(raw)}`);
  }
  const r = new ConfigReader(raw as Raw, where);
  const scale = (key: string, def: number) => {
    const v = r.number(key, def, { above: 0 });
    if (v < MIN_LOSS_SCALE || v > MAX_LOSS_SCALE) r.fail(key, 'in [2^-126, 2^127]', v);
    return v;
  };
  const s: LossScaleSettings = {
    type: 'dynamic',
    init: scale('init', 65536),
    growthFactor: r.number('growthFactor', 2, { above: 1 }),
    backoffFactor: r.number('backoffFactor', 0.5, { above: 0 }),
    growthInterval: r.int('growthInterval', 2000, { min: 1 }),
    minScale: scale('minScale', 2 ** -24),
  };
  r.finish();
  if (s.backoffFactor >= 1) r.fail('backoffFactor', 'below 1 (it lowers the scale after an overflow)', s.backoffFactor);
  if (s.init < s.minScale) r.fail('init', `at least minScale (${s.minScale})`, s.init);
  return s;
}

function checkScale(v: number, where: string): number {
  if (!Number.isFinite(v) || v <= 0) throw new ConfigError(`${where}: the scale must be a finite number > 0 (1: no scaling), found ${describe(v)}`);
  if (v < MIN_LOSS_SCALE || v > MAX_LOSS_SCALE) {
    throw new ConfigError(`${where}: the scale must lie in [2^-126, 2^127] (it and its reciprocal must be normal float32 numbers), found ${v}`);
  }
  return v;
}

/** The scaling a solver runs: the setting, or when absent dynamic on a float16 backend and none elsewhere. */
export function resolveLossScale(s: LossScaleSettings | null, backend: Backend): LossScaleSettings {
  if (s) return s;
  return backend.precision === 'float16' ? (parseLossScale('dynamic', 'lossScale') as LossScaleSettings) : NO_LOSS_SCALE;
}

/** 2^k for powers of two, else the number: how messages show a scale. */
export function formatScale(s: number): string {
  const k = Math.log2(s);
  return Number.isInteger(k) ? `2^${k}` : String(s);
}

/** Zeros the finite check multiplies the diffs with: at most this many elements (16 MiB in float32). */
const CHECK_CHUNK = 1 << 22;

/** Whether every diff of `params` is finite: the zero-product check of the file comment, one value read back. */
export class FiniteCheck {
  private zeros: Buf | null = null;
  private flag: Buf | null = null;

  constructor(private readonly backend: Backend) {}

  gradientsFinite(params: readonly Param[]): boolean {
    const b = this.backend;
    const largest = params.reduce((m, p) => Math.max(m, p.blob.count), 0);
    const chunk = Math.min(largest, CHECK_CHUNK);
    if (!this.zeros || this.zeros.length < chunk) {
      if (this.zeros) b.free(this.zeros);
      this.zeros = b.alloc(Math.max(1, chunk));
    }
    this.flag ??= b.alloc(1);
    let first = true;
    for (const p of params) {
      const n = p.blob.count;
      for (let at = 0; at < n; at += chunk) {
        const len = Math.min(chunk, n - at);
        const x = at === 0 && len === n ? p.blob.diff : b.view(p.blob.diff, at, len);
        b.dotInto(len, x, this.zeros, 1, first ? 0 : 1, this.flag);
        first = false;
      }
    }
    if (first) return true;
    return b.download(this.flag, undefined, 1)[0] === 0;
  }
}

/** Checks a LossScaleState read back from a snapshot or another rank (anything else: a ConfigError). */
export function checkLossScaleState(raw: unknown, where: string): LossScaleState {
  const o = raw as Partial<LossScaleState>;
  const ok = raw !== null && typeof raw === 'object' && !Array.isArray(raw) &&
    typeof o.scale === 'number' && o.scale >= MIN_LOSS_SCALE && o.scale <= MAX_LOSS_SCALE &&
    Number.isSafeInteger(o.goodSteps) && o.goodSteps! >= 0 &&
    Number.isSafeInteger(o.skippedSteps) && o.skippedSteps! >= 0;
  if (!ok) {
    throw new ConfigError(`${where}: "lossScale" must be { scale (in [2^-126, 2^127]), goodSteps, skippedSteps (integers >= 0) }, found ${JSON.stringify(raw)?.slice(0, 80)}`);
  }
  return { scale: o.scale!, goodSteps: o.goodSteps!, skippedSteps: o.skippedSteps! };
}
