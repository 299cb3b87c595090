/**
 * Neurons: activations attached to a Convolution, InnerProduct or Pooling layer and applied in
 * place to its top, as in Mocha. `neuron: 'ReLU'` or `neuron: { type: 'LReLU', slope: 0.01 }`.
 *
 *   Identity  y = x
 *   ReLU      y = max(x, 0)
 *   LReLU     y = x > 0 ? x : slope x          (slope default 0.01)
 *   Sigmoid   y = 1 / (1 + exp(-x))
 *   Tanh      y = tanh(x)
 *   Exponential y = exp(x)
 *
 * Every derivative is computed from y, so the neuron needs no copy of x.
 */
import type { Backend, NeuronOp } from '../backend/backend.js';
import type { Blob } from '../core/blob.js';
import { ConfigReader, type Raw } from '../core/config.js';

export interface Neuron {
  readonly op: NeuronOp;
  readonly alpha: number;
}

const OPS: Record<string, NeuronOp> = {
  Identity: 'identity', ReLU: 'relu', LReLU: 'lrelu', Sigmoid: 'sigmoid', Tanh: 'tanh', Exponential: 'exp',
};

/** Reads a neuron definition; `where` names the field for messages. */
export function parseNeuron(raw: unknown, where: string): Neuron {
  if (raw === undefined) return { op: 'identity', alpha: 0 };
  const obj = (typeof raw === 'string' ? { type: raw } : raw) as Raw;
  const r = new ConfigReader(obj, where);
  const type = r.oneOf('type', Object.keys(OPS));
  const alpha = type === 'LReLU' ? r.number('slope', 0.01, { min: 0 }) : 0;
  r.finish();
  return { op: OPS[type], alpha };
}

/** Reads the `neuron` field of a layer definition (Identity when absent). */
export function readNeuron(r: ConfigReader): Neuron {
  return r.custom('neuron', parseNeuron);
}

/** Applies the neuron in place to a top's data. */
export function neuronForward(b: Backend, n: Neuron, top: Blob): void {
  if (n.op !== 'identity') b.neuronForward(n.op, top.count, top.data, top.data, n.alpha);
}

/** Turns the top's diff w.r.t. the neuron output into the diff w.r.t. its input, in place. */
export function neuronBackward(b: Backend, n: Neuron, top: Blob): void {
  if (n.op !== 'identity') b.neuronBackward(n.op, top.count, top.data, top.diff, top.diff, n.alpha);
}
