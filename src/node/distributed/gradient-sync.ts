/**
 * Gradient reduction for data-parallel training (the solver's GradientSync), in buckets:
 * parameters are grouped, in the order their gradients become final during the backward pass, into
 * buckets of about `bucketBytes`; a bucket starts reducing as soon as the layer using its last
 * parameter has run backward, while the backward pass goes on with the layers below (Horovod's
 * tensor fusion, PyTorch DDP's buckets). `reduce` then finishes every bucket.
 *
 * HostGradientSync copies each bucket's diffs into one host array, sums it over the ranks through
 * MPI on the communicator's own thread (so the reduction overlaps the main thread's backward), and
 * copies the mean back. It works for every backend (a CUDA backend's diffs are downloaded: that is
 * the host-staged path used when ranks share a GPU or NCCL is missing).
 * NcclGradientSync (./nccl.ts) sums CUDA device buffers with NCCL instead.
 */
import type { Backend, HostArray } from '../../backend/backend.js';
import type { Layer, Param } from '../../core/layer.js';
import type { Net } from '../../core/net.js';
import type { GradientSync } from '../../solver/gradient-sync.js';
import type { Communicator } from './communicator.js';

export interface BucketOptions {
  /** Target bucket size in bytes (default 4 MiB); 0 puts every parameter in its own bucket. */
  bucketBytes?: number;
  /** Start each bucket during backward as soon as it is final (default true); false: all after backward. */
  overlap?: boolean;
}

export const DEFAULT_BUCKET_BYTES = 4 * 1024 * 1024;

/** Where the main thread spent its time on gradient reduction, summed over iterations (for benchmarks). */
export interface SyncTiming {
  iterations: number;
  /** Starting buckets (copying diffs to the host, queuing the allreduce), during and after backward. */
  startMs: number;
  /** In reduce(): waiting for the reductions and copying the means back. */
  finishMs: number;
  /** Values reduced per iteration. */
  values: number;
}

export interface Bucket {
  params: Param[];
  /** Element offset of each parameter in the bucket. */
  offsets: number[];
  count: number;
  /** Parameters of the bucket not final yet in this iteration. */
  missing: number;
  started: boolean;
}

/**
 * Groups `params` into buckets in the order backward finishes them: a parameter is final after the
 * first layer (in forward order) that uses it has run backward.
 */
export function planBuckets(net: Net, params: readonly Param[], bucketBytes: number, bytesPer: number): { buckets: Bucket[]; finalAfter: Map<Layer, Param[]> } {
  const wanted = new Set(params);
  const firstUse = new Map<Param, number>();
  const finalAfter = new Map<Layer, Param[]>();
  net.layers.forEach((layer, i) => {
    for (const p of layer.params) {
      if (!wanted.has(p) || firstUse.has(p)) continue;
      firstUse.set(p, i);
      finalAfter.set(layer, [...(finalAfter.get(layer) ?? []), p]);
    }
  });
  // Parameters no layer of this net uses (none in practice) go last.
  const order = [...params].sort((a, b) => (firstUse.get(b) ?? -1) - (firstUse.get(a) ?? -1));
  const buckets: Bucket[] = [];
  let cur: Bucket | undefined;
  for (const p of order) {
    if (!cur || (cur.count > 0 && (cur.count + p.blob.count) * bytesPer > bucketBytes)) {
      cur = { params: [], offsets: [], count: 0, missing: 0, started: false };
      buckets.push(cur);
    }
    cur.params.push(p);
    cur.offsets.push(cur.count);
    cur.count += p.blob.count;
  }
  return { buckets, finalAfter };
}

/** Shared bookkeeping: which bucket a parameter is in, and starting buckets as they become final. */
export abstract class BucketedSync implements GradientSync {
  readonly size: number;
  protected buckets: Bucket[] = [];
  private finalAfter = new Map<Layer, Param[]>();
  private bucketOf = new Map<Param, Bucket>();
  private planned: readonly Param[] = [];
  private readonly bucketBytes: number;
  private readonly overlap: boolean;
  readonly timing: SyncTiming = { iterations: 0, startMs: 0, finishMs: 0, values: 0 };

  constructor(readonly comm: Communicator, readonly net: Net, options: BucketOptions = {}) {
    this.size = comm.size;
    this.bucketBytes = options.bucketBytes ?? DEFAULT_BUCKET_BYTES;
    this.overlap = options.overlap ?? true;
    this.plan(net.learnableParams);
  }

  /** The buckets (for reports and tests). */
  get bucketSizes(): number[] {
    return this.buckets.map((b) => b.count);
  }

  layerDone(layer: Layer): void {
    if (!this.overlap) return;
    for (const p of this.finalAfter.get(layer) ?? []) {
      const b = this.bucketOf.get(p);
      if (b && --b.missing === 0 && !b.started) this.timedStart(b);
    }
  }

  reduce(params: readonly Param[]): void {
    if (!sameParams(params, this.planned)) {
      // Parameters were frozen or unfrozen since: plan again (nothing was started for them).
      this.finishAll(false);
      this.plan(params);
    }
    for (const b of this.buckets) if (!b.started) this.timedStart(b);
    const t = performance.now();
    this.finishAll(true);
    this.timing.finishMs += performance.now() - t;
    this.timing.iterations++;
    this.timing.values = this.buckets.reduce((n, b) => n + b.count, 0);
  }

  private timedStart(b: Bucket): void {
    const t = performance.now();
    this.startBucket(b);
    this.timing.startMs += performance.now() - t;
  }

  sumScalars(values: Float64Array): void {
    this.comm.allreduce(values);
  }

  protected abstract startBucket(b: Bucket): void;
  /** Waits for a started bucket and writes the mean into the diffs. */
  protected abstract finishBucket(b: Bucket): void;

  private finishAll(apply: boolean): void {
    for (const b of this.buckets) {
      if (b.started && apply) this.finishBucket(b);
      b.started = false;
      b.missing = b.params.length;
    }
  }

  private plan(params: readonly Param[]): void {
    this.planned = [...params];
    const bytesPer = this.net.backend.dtype === 'float64' ? 8 : 4;
    const { buckets, finalAfter } = planBuckets(this.net, params, this.bucketBytes, bytesPer);
    this.buckets = buckets;
    this.finalAfter = finalAfter;
    this.bucketOf = new Map(buckets.flatMap((b) => b.params.map((p) => [p, b] as [Param, Bucket])));
    for (const b of buckets) b.missing = b.params.length;
  }
}

function sameParams(a: readonly Param[], b: readonly Param[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

/** MPI allreduce of host copies of the diffs, one array per bucket, on the communicator's thread. */
export class HostGradientSync extends BucketedSync {
  private staging = new Map<Bucket, HostArray>();
  private pending = new Map<Bucket, number>();

  protected startBucket(b: Bucket): void {
    const backend: Backend = this.net.backend;
    let host = this.staging.get(b);
    if (!host || host.length !== b.count) {
      host = backend.dtype === 'float64' ? new Float64Array(b.count) : new Float32Array(b.count);
      this.staging.set(b, host);
    }
    b.params.forEach((p, i) => backend.download(p.blob.diff, host.subarray(b.offsets[i]!, b.offsets[i]! + p.blob.count), p.blob.count));
    this.pending.set(b, this.comm.allreduceStart(host, 1 / this.size));
    b.started = true;
  }

  protected finishBucket(b: Bucket): void {
    this.comm.wait(this.pending.get(b)!);
    this.pending.delete(b);
    const host = this.staging.get(b)!;
    b.params.forEach((p, i) => this.net.backend.upload(p.blob.diff, host.subarray(b.offsets[i]!, b.offsets[i]! + p.blob.count)));
  }
}
