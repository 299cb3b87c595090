/**
 * The solver's hook for synchronous data-parallel training (Caffe's P2PSync, Horovod's
 * DistributedOptimizer): every rank runs the same net on its own share of each global batch, and
 * before the update every learnable diff becomes the mean over the ranks, so that each rank applies
 * the same update to the same weights. With size ranks of batch b that is the gradient of one
 * process with batch size × b (losses normalized by the batch), within float32 summation order.
 *
 * Implementations (src/node/distributed/) reduce through MPI with host staging or NCCL on the
 * device, in buckets started while the backward pass goes on. Browser-safe: an interface only.
 */
import type { Layer, Param } from '../core/layer.js';

export interface GradientSync {
  /** Ranks taking part. */
  readonly size: number;
  /**
   * Called after each layer's backward in the last pass of an iteration, in backward order: the
   * parameters no earlier layer uses are final and may start reducing.
   */
  layerDone?(layer: Layer): void;
  /** Makes every diff of `params` the mean over the ranks (finishing what layerDone started). */
  reduce(params: readonly Param[]): void;
  /** Sums small host values over the ranks, in place (losses, stop requests, validation sums). */
  sumScalars(values: Float64Array): void;
}
