/**
 * GoogLeNet (Szegedy et al. 2014, "Going deeper with convolutions"), written from the paper's
 * Table 1 and Figure 3 as Cortado layer configs.
 *
 *   input 3×224×224 → conv 7×7/2 (64) → maxpool 3×3/2 → LRN → conv 1×1 (64) → conv 3×3 (192)
 *   → LRN → maxpool 3×3/2 → inception 3a, 3b → maxpool 3×3/2 → inception 4a..4e → maxpool 3×3/2
 *   → inception 5a, 5b → avgpool 7×7/1 → dropout 40% → linear 1000 → softmax
 *
 * An inception module is four branches joined along the channels by a Concat (Caffe's
 * DepthConcat): 1×1; 1×1 reduce then 3×3 (pad 1); 1×1 reduce then 5×5 (pad 2); maxpool 3×3/1
 * (pad 1) then a 1×1 projection. Every convolution has a ReLU (as the conv's neuron, so its top
 * holds the activation, as Caffe's in-place ReLU leaves it). The train net adds the two auxiliary
 * classifiers on 4a and 4d (avgpool 5×5/3, conv 1×1 128, FC 1024 + ReLU, dropout 70%, FC 1000,
 * softmax loss of weight 0.3) and the main loss of weight 1.
 *
 * Layer and blob names are those of Caffe's bvlc_googlenet (conv1/7x7_s2, inception_3a/1x1,
 * inception_3a/output, loss3/classifier, prob ...), so its parameter keys are the ones that
 * `cortado import caffe` gives for that model's deploy.prototxt. Pooling rounds up, as Caffe's.
 */
import type { LayerConfig } from '../../src/core/layer.js';

/** One inception module's filter counts: Table 1's columns. */
export interface Inception {
  name: string;
  n1x1: number;
  n3x3reduce: number;
  n3x3: number;
  n5x5reduce: number;
  n5x5: number;
  poolProj: number;
}

const row = (name: string, ...n: number[]): Inception =>
  ({ name, n1x1: n[0], n3x3reduce: n[1], n3x3: n[2], n5x5reduce: n[3], n5x5: n[4], poolProj: n[5] });

/** Table 1 of the paper: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj. */
export const TABLE_1: readonly Inception[] = [
  row('3a', 64, 96, 128, 16, 32, 32), row('3b', 128, 128, 192, 32, 96, 64),
  row('4a', 192, 96, 208, 16, 48, 64), row('4b', 160, 112, 224, 24, 64, 64),
  row('4c', 128, 128, 256, 24, 64, 64), row('4d', 112, 144, 288, 32, 64, 64),
  row('4e', 256, 160, 320, 32, 128, 128), row('5a', 256, 160, 320, 32, 128, 128),
  row('5b', 384, 192, 384, 48, 128, 128),
];

/** Weights learn at the base rate with decay, biases at twice the rate without (Caffe's recipe). */
const PARAMS = [{ lrMult: 1, decayMult: 1 }, { lrMult: 2, decayMult: 0 }];

function conv(name: string, bottom: string, numOutput: number, kernel: number, stride = 1, pad = 0): LayerConfig {
  return {
    type: 'Convolution', name, bottoms: [bottom], tops: [name], numOutput, kernel, stride, pad, neuron: 'ReLU',
    weightInit: { type: 'Xavier' }, biasInit: { type: 'Constant', value: 0.2 }, params: PARAMS,
  };
}

const pool = (name: string, bottom: string, method: 'max' | 'mean', kernel: number, stride: number, pad = 0): LayerConfig =>
  ({ type: 'Pooling', name, bottoms: [bottom], tops: [name], method, kernel, stride, pad });

const lrn = (name: string, bottom: string): LayerConfig =>
  ({ type: 'LRN', name, bottoms: [bottom], tops: [name], localSize: 5, alpha: 0.0001, beta: 0.75 });

function fc(name: string, bottom: string, numOutput: number, relu: boolean): LayerConfig {
  return {
    type: 'InnerProduct', name, bottoms: [bottom], tops: [name], numOutput, ...(relu ? { neuron: 'ReLU' } : {}),
    weightInit: { type: 'Xavier' }, biasInit: { type: 'Constant', value: relu ? 0.2 : 0 }, params: PARAMS,
  };
}

/** An inception module reading `bottom`; its output blob is `inception_<name>/output`. */
export function inception(m: Inception, bottom: string): LayerConfig[] {
  const p = `inception_${m.name}`;
  return [
    conv(`${p}/1x1`, bottom, m.n1x1, 1),
    conv(`${p}/3x3_reduce`, bottom, m.n3x3reduce, 1), conv(`${p}/3x3`, `${p}/3x3_reduce`, m.n3x3, 3, 1, 1),
    conv(`${p}/5x5_reduce`, bottom, m.n5x5reduce, 1), conv(`${p}/5x5`, `${p}/5x5_reduce`, m.n5x5, 5, 1, 2),
    pool(`${p}/pool`, bottom, 'max', 3, 1, 1), conv(`${p}/pool_proj`, `${p}/pool`, m.poolProj, 1),
    { type: 'Concat', name: `${p}/output`, bottoms: [`${p}/1x1`, `${p}/3x3`, `${p}/5x5`, `${p}/pool_proj`], tops: [`${p}/output`], axis: 1 },
  ];
}

/** An auxiliary classifier `loss<k>` on `bottom` (train only): its scores and its 0.3-weighted loss. */
export function auxiliary(k: number, bottom: string, label: string): LayerConfig[] {
  const p = `loss${k}`;
  const train = { include: { phase: 'train' as const } };
  return [
    pool(`${p}/ave_pool`, bottom, 'mean', 5, 3), conv(`${p}/conv`, `${p}/ave_pool`, 128, 1),
    fc(`${p}/fc`, `${p}/conv`, 1024, true),
    { type: 'Dropout', name: `${p}/drop_fc`, bottoms: [`${p}/fc`], tops: [`${p}/drop_fc`], ratio: 0.7 },
    fc(`${p}/classifier`, `${p}/drop_fc`, 1000, false),
    { type: 'SoftmaxLoss', name: `${p}/loss`, bottoms: [`${p}/classifier`, label], tops: [`${p}/loss`], lossWeight: 0.3 },
  ].map((l) => ({ ...l, ...train }));
}

/** The layers from the `data` blob to `loss3/classifier` (1000 scores), with aux heads when `label` is given. */
export function googlenetBody(label?: string): LayerConfig[] {
  const layers: LayerConfig[] = [
    conv('conv1/7x7_s2', 'data', 64, 7, 2, 3), pool('pool1/3x3_s2', 'conv1/7x7_s2', 'max', 3, 2), lrn('pool1/norm1', 'pool1/3x3_s2'),
    conv('conv2/3x3_reduce', 'pool1/norm1', 64, 1), conv('conv2/3x3', 'conv2/3x3_reduce', 192, 3, 1, 1),
    lrn('conv2/norm2', 'conv2/3x3'), pool('pool2/3x3_s2', 'conv2/norm2', 'max', 3, 2),
  ];
  let top = 'pool2/3x3_s2';
  for (const m of TABLE_1) {
    if (m.name === '4a' || m.name === '5a') {
      const name = m.name === '4a' ? 'pool3/3x3_s2' : 'pool4/3x3_s2';
      layers.push(pool(name, top, 'max', 3, 2));
      top = name;
    }
    layers.push(...inception(m, top));
    top = `inception_${m.name}/output`;
    if (label && (m.name === '4a' || m.name === '4d')) layers.push(...auxiliary(m.name === '4a' ? 1 : 2, top, label));
  }
  layers.push(
    pool('pool5/7x7_s1', top, 'mean', 7, 1),
    { type: 'Dropout', name: 'pool5/drop_7x7_s1', bottoms: ['pool5/7x7_s1'], tops: ['pool5/drop_7x7_s1'], ratio: 0.4 },
    fc('loss3/classifier', 'pool5/drop_7x7_s1', 1000, false),
  );
  return layers;
}

/** The deploy net: Input `data` [batch, 3, 224, 224] → `prob` [batch, 1000]. */
export function googlenetDeploy(batch = 10): LayerConfig[] {
  return [
    { type: 'Input', name: 'data', tops: ['data'], shapes: [[batch, 3, 224, 224]] },
    ...googlenetBody(),
    { type: 'Softmax', name: 'prob', bottoms: ['loss3/classifier'], tops: ['prob'] },
  ];
}

/**
 * The train/test net: `data` layers (given: tops `data` [N, 3, 224, 224] and `label` [N]), the
 * three losses in training, and the main head's loss and top-1 / top-5 accuracy in both phases.
 */
export function googlenetTrain(data: LayerConfig[]): LayerConfig[] {
  const test = { include: { phase: 'test' as const } };
  return [
    ...data,
    ...googlenetBody('label'),
    { type: 'SoftmaxLoss', name: 'loss3/loss3', bottoms: ['loss3/classifier', 'label'], tops: ['loss3/loss3'], lossWeight: 1 },
    { type: 'Accuracy', name: 'loss3/top-1', bottoms: ['loss3/classifier', 'label'], tops: ['loss3/top-1'], ...test },
    { type: 'Accuracy', name: 'loss3/top-5', bottoms: ['loss3/classifier', 'label'], tops: ['loss3/top-5'], topK: 5, ...test },
  ];
}
