/**
 * An update rule (SGD, Nesterov, Adam...): how one parameter moves given its gradient. Each rule
 * keeps its per-parameter history in backend buffers named `<state>/<param key>`, all of which go
 * into snapshots so that a resumed run continues exactly.
 */
import type { Backend, Buf } from '../../backend/backend.js';
import type { Param } from '../../core/layer.js';

export interface StepSettings {
  /** Learning rate for this parameter: policy rate × lrMult. */
  lr: number;
  momentum: number;
  /** Weight decay for this parameter: weightDecay × decayMult. */
  decay: number;
  regularization: 'L2' | 'L1';
}

export interface UpdateRule {
  readonly name: string;
  /** Names of the per-parameter state buffers, e.g. ['momentum']. */
  readonly stateNames: readonly string[];
  update(backend: Backend, param: Param, state: Buf[], s: StepSettings): void;
}
