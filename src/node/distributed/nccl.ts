/**
 * NCCL for the CUDA backend: gradients summed device to device when every rank of a machine owns
 * its own GPU (NCCL 2's ncclAllReduce on the backend's device pointers and its default stream), then
 * scaled by 1/size on the device. The NCCL unique id travels from rank 0 by MPI broadcast.
 *
 * NCCL needs two GPUs to be exercised; on one GPU or none this path is never chosen (the ranks
 * would share a device, which NCCL refuses) and gradients go through MPI with host staging.
 */
import { CudaBuf } from '../backend/cuda/buffer.js';
import type { Net } from '../../core/net.js';
import { BucketedSync, type Bucket, type BucketOptions } from './gradient-sync.js';
import { DistributedError, type MpiCommunicator } from './communicator.js';
import { ncclLibraryCandidates } from './mpi-addon.js';

/** The device buffer's address; `what` names it in the error. */
function devicePtr(b: unknown, what: string): number {
  if (!(b instanceof CudaBuf)) throw new DistributedError(`NCCL: ${what} is not a CUDA buffer`);
  return b.ptr;
}

/**
 * Opens NCCL on every rank and makes the communicator; returns null with the reason (the same on
 * every rank: the ranks agree by allreduce) when some rank cannot.
 */
export function startNccl(comm: MpiCommunicator, deviceCount: number): { ok: true; version: number } | { ok: false; reason: string } {
  let reason = '';
  let version = 0;
  if (process.env.CORTADO_NCCL === '0') reason = 'CORTADO_NCCL=0';
  else if (deviceCount < comm.localSize) reason = `${comm.localSize} ranks on this machine share ${deviceCount} GPU${deviceCount === 1 ? '' : 's'}`;
  else {
    const opened = comm.addon.ncclOpen(ncclLibraryCandidates());
    if (opened.ok) version = opened.version;
    else reason = opened.message;
  }
  const failed = new Float64Array([reason ? 1 : 0]);
  comm.allreduce(failed);
  if (failed[0]! > 0) return { ok: false, reason: reason || `${failed[0]} other rank(s) cannot use NCCL` };
  const id = comm.rank === 0 ? comm.addon.ncclUniqueId() : new Uint8Array(128);
  comm.broadcast(id, 0);
  try {
    comm.addon.ncclInit(id, comm.rank, comm.size);
  } catch (e) {
    throw new DistributedError(`rank ${comm.rank}: ${(e as Error).message}`);
  }
  return { ok: true, version };
}

export class NcclGradientSync extends BucketedSync {
  constructor(readonly mpi: MpiCommunicator, net: Net, options: BucketOptions = {}) {
    super(mpi, net, options);
  }

  protected startBucket(b: Bucket): void {
    const ptrs = b.params.map((p) => devicePtr(p.blob.diff, `the diff of "${p.key}"`));
    try {
      this.mpi.addon.ncclAllreduce(ptrs, b.params.map((p) => p.blob.count));
    } catch (e) {
      throw new DistributedError(`rank ${this.mpi.rank}: ${(e as Error).message}`);
    }
    b.started = true;
  }

  protected finishBucket(b: Bucket): void {
    const failure = this.mpi.addon.ncclCheck();
    if (failure) throw new DistributedError(`rank ${this.mpi.rank}: NCCL reports ${failure}`);
    for (const p of b.params) this.net.backend.scal(p.blob.count, 1 / this.size, p.blob.diff);
  }
}
