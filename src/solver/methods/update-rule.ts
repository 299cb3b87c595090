/**
 * An update rule (SGD, Nesterov, Adam...): how one parameter moves given its gradient. Each rule
 * keeps its per-parameter history in backend buffers named `<state>/<param key>`, all of which go
 * into snapshots so that a resumed run continues exactly.
 */
import type { Backend, Buf } from '../../backend/backend.js';
import type { Param } from '../../core/layer.js';

export interface StepSettings {
  /** Learning rate for this parameter: policy rate × solver lrScale × lrMult. */
  lr: number;
  momentum: number;
  /** Weight decay for this parameter: weightDecay × decayMult. */
  decay: number;
  regularization: 'L2' | 'L1';
  /**
   * Updates applied before this one: Caffe's iter_, less the iterations whose update dynamic loss
   * scaling skipped (PyTorch's GradScaler does not call the optimizer's step on those). Adam's t is
   * applied + 1.
   */
  applied: number;
  /** Added to denominators by AdaGrad, AdaDelta and RMSProp (Caffe's delta). */
  delta: number;
  /** RMSProp's decay of the squared-gradient history. */
  rmsDecay: number;
  /** Adam's decay rates of the first and second moments, and its denominator guard. */
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface UpdateRule {
  readonly name: string;
  /** Names of the per-parameter state buffers, e.g. ['momentum']. */
  readonly stateNames: readonly string[];
  /** Temporary buffers per parameter (not saved: their content never outlives one update). */
  readonly scratch?: number;
  /**
   * Moves `param.blob.data`. Rules other than the fused SGD may overwrite `param.blob.diff` (the
   * solver clears it before the next iteration), as Caffe's Regularize does.
   */
  update(backend: Backend, param: Param, state: Buf[], s: StepSettings, scratch: Buf[]): void;
}

/**
 * Caffe's Regularize, in place: diff += decay · w (L2) or decay · sign(w) (L1). `tmp` holds
 * sign(w) for L1.
 */
export function regularize(b: Backend, p: Param, s: StepSettings, tmp: Buf): void {
  if (s.decay === 0) return;
  const n = p.blob.count;
  if (s.regularization === 'L2') {
    b.axpy(n, s.decay, p.blob.data, p.blob.diff);
  } else {
    b.sign(n, p.blob.data, tmp);
    b.axpy(n, s.decay, tmp, p.blob.diff);
  }
}
