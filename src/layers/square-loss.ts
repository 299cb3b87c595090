/**
 * SquareLoss (Mocha's SquareLossLayer): Mocha's name for Caffe's EuclideanLoss, with the same
 * normalisation. Mocha computes L(ŷ, y) = 1/2N Σ_i (ŷ_i - y_i)² with N = get_num(pred), the
 * minibatch axis (Mocha's last axis in WHCN order, Cortado's first in NCHW), which is exactly
 * Caffe's Σ (a - b)² / 2N; Mocha also propagates the negated gradient to the label. So SquareLoss
 * is EuclideanLoss under another type name: see euclidean-loss.ts for shapes and formulas.
 */
import type { LayerType } from '../core/layer.js';
import { euclideanType, type EuclideanLossConfig } from './euclidean-loss.js';

export const SquareLoss: LayerType<EuclideanLossConfig> = euclideanType('SquareLoss');
