/**
 * The base of the standalone activation layers (ReLU, Sigmoid, TanH, Erf, GELU), Caffe style: one
 * bottom, one top of the same shape, y = f(x) elementwise, dx = f'(x) ⊙ dy computed from y, or
 * from x for the neurons of NEURON_FROM_X (Erf, GELU).
 */
import { NEURON_FROM_X, type NeuronOp } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export abstract class NeuronLayer<C extends BaseConfig = BaseConfig> extends Layer<C> {
  /** The backend's activation and its `alpha` argument. */
  protected abstract readonly op: NeuronOp;
  protected get alpha(): number {
    return 0;
  }

  setup(bottoms: Blob[]): Shape[] {
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.neuronForward(this.op, bottoms[0].count, bottoms[0].data, tops[0].data, this.alpha);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const from = NEURON_FROM_X.has(this.op) ? bottoms[0] : tops[0];
    this.ctx.backend.neuronBackward(this.op, tops[0].count, from.data, tops[0].diff, bottoms[0].diff, this.alpha);
  }
}

/** A layer applying `op` with no setting of its own. */
class PlainNeuronLayer extends NeuronLayer {
  constructor(config: BaseConfig, protected readonly op: NeuronOp) {
    super(config);
  }
}

/** The layer type of an activation with no field besides the common ones (Sigmoid, TanH, Erf, GELU): one bottom, one top. */
export function plainNeuronType(type: string, op: NeuronOp): LayerType<BaseConfig> {
  return {
    type,
    parse(r, base) {
      expectBlobs(r, base, 1, 1);
      return base;
    },
    create: (c) => new PlainNeuronLayer(c, op),
  };
}
