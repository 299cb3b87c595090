/**
 * Caffe's MNIST LeNet as a TF.js layers model, shared by the Node peer (tfjs-lenet.ts) and the
 * browser benchmark (bench/browser/page.ts): conv 20 5x5, max-pool 2/2, conv 50 5x5, max-pool 2/2,
 * fc 500 + ReLU, fc 10 + softmax, on NHWC input [N, 28, 28, 1]; SGD with momentum 0.9, lr 0.01,
 * and Caffe's weight decay 5e-4 as L2 2.5e-4 on every kernel and bias.
 */
import type * as TF from '@tensorflow/tfjs';

export function tfjsLenet(tf: typeof TF): TF.LayersModel {
  const reg = () => tf.regularizers.l2({ l2: 2.5e-4 });
  const w = () => ({ kernelRegularizer: reg(), biasRegularizer: reg() });
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 20, kernelSize: 5, ...w() }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  m.add(tf.layers.conv2d({ filters: 50, kernelSize: 5, ...w() }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 500, activation: 'relu', ...w() }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax', ...w() }));
  m.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
  return m;
}
