/**
 * Setting up a data-parallel run on a communicator: the backend's GPU chosen by local rank, the
 * gradient reduction (NCCL or MPI with host staging), and rank 0's weights, solver history and
 * state handed to every rank. Node-only.
 */
import { join } from 'node:path';
import type { HostArray } from '../../backend/backend.js';
import { loadCuda } from '../backend/cuda/load.js';
import type { Net } from '../../core/net.js';
import type { GradientSync } from '../../solver/gradient-sync.js';
import type { Solver, SolverState } from '../../solver/solver.js';
import { DistributedError, MpiCommunicator, type Communicator } from './communicator.js';
import { HostGradientSync, type BucketOptions } from './gradient-sync.js';
import { NcclGradientSync, startNccl } from './nccl.js';

/** Layer types that can split their data across ranks (core/shard.ts). */
export const SHARDED_DATA_TYPES: readonly string[] = ['MemoryData', 'HDF5Data', 'AsyncHDF5Data'];

/** Refuses a net whose data layers cannot be split across ranks, naming them. */
export function checkShardable(net: Net): void {
  const bad = net.dataLayers.filter((l) => !SHARDED_DATA_TYPES.includes(l.type));
  if (bad.length > 0) {
    throw new DistributedError(`${net.name} net: data layer${bad.length > 1 ? 's' : ''} ${bad.map((l) => `"${l.name}" (${l.type})`).join(', ')} cannot split ` +
      `their samples across ranks; distributed training reads its data through ${SHARDED_DATA_TYPES.join(', ')}`);
  }
}

/** The CUDA devices of this machine (0 without a driver), as the MPI addon counts them. */
export function cudaDeviceCount(comm: Communicator): number {
  if (!(comm instanceof MpiCommunicator)) return 0;
  const dir = process.env.CORTADO_CUDA_LIB_DIR;
  return comm.addon.cudaDeviceCount([...(dir ? [join(dir, 'libcuda.so.1')] : []), 'libcuda.so.1']);
}

/**
 * Starts the CUDA backend on this rank's GPU (CORTADO_CUDA_DEVICE when set, else local rank modulo
 * the devices), before createBackend('cuda' | 'auto') asks for it. Returns the device index, or
 * null when there is no GPU (then 'auto' goes on to the CPU backends).
 */
export function startCudaForRank(comm: Communicator): number | null {
  const env = process.env.CORTADO_CUDA_DEVICE;
  const count = cudaDeviceCount(comm);
  if (env === undefined && count === 0) return null;
  const device = env !== undefined ? Number(env) : comm.localRank % count;
  const r = loadCuda({ device });
  return r.backend ? device : null;
}

/**
 * The gradient reduction for `net`: NCCL when the backend is CUDA, there are several ranks, each
 * rank of a machine has a GPU of its own and NCCL loads everywhere; else MPI with host staging.
 * `note` hears which was chosen and why.
 */
export function createGradientSync(comm: Communicator, net: Net, options: BucketOptions = {}, note: (line: string) => void = () => {}): GradientSync {
  if (net.backend.name === 'cuda' && comm instanceof MpiCommunicator && comm.size > 1) {
    const nccl = startNccl(comm, cudaDeviceCount(comm));
    if (nccl.ok) {
      note(`gradients: NCCL ${nccl.version} across ${comm.size} GPUs`);
      return new NcclGradientSync(comm, net, options);
    }
    note(`gradients: MPI with host staging (NCCL not used: ${nccl.reason})`);
  } else {
    note(`gradients: ${comm.size > 1 ? 'MPI' : 'no reduction needed (one rank)'}${net.backend.name === 'cuda' ? ' with host staging' : ''}`);
  }
  return new HostGradientSync(comm, net, options);
}

/**
 * Hands rank 0's training state to every rank: all parameters (learned or not), the update-rule
 * history, and the iteration, random state, data position, lrScale and dynamic loss scale. Call on
 * every rank after rank 0 has resumed or loaded its initial weights, before the first iteration.
 */
export function broadcastTrainingState(comm: Communicator, solver: Solver): void {
  if (comm.size === 1) return;
  const { net } = solver;
  const backend = net.backend;
  for (const p of net.params) {
    const host = backend.download(p.blob.data);
    comm.broadcast(host, 0);
    if (comm.rank !== 0) backend.upload(p.blob.data, host);
  }
  const state = solver.getState();
  const meta = comm.rank === 0 ? new TextEncoder().encode(JSON.stringify({ iter: state.iter, rng: state.rng, data: state.data, lrScale: state.lrScale ?? 1, lossScale: state.lossScale })) : null;
  const received = JSON.parse(new TextDecoder().decode(comm.broadcastBytes(meta, 0))) as Omit<SolverState, 'history'>;
  const history = new Map<string, HostArray>();
  for (const [name, values] of state.history) {
    comm.broadcast(values, 0);
    history.set(name, values);
  }
  if (comm.rank !== 0) solver.setState({ ...received, history });
}

/**
 * Checks that every rank holds the same weights (a sum of squares per parameter, compared with rank
 * 0's); a mismatch is a DistributedError naming the first parameter that differs.
 */
export function checkSameWeights(comm: Communicator, net: Net): void {
  const params = net.params;
  const mine = Float64Array.from(params, (p) => net.backend.dot(p.blob.count, p.blob.data, p.blob.data));
  const root = Float64Array.from(mine);
  comm.broadcast(root, 0);
  const differs = new Float64Array([mine.some((v, i) => v !== root[i]) ? 1 : 0]);
  comm.allreduce(differs);
  if (differs[0]! > 0) {
    const i = mine.findIndex((v, k) => v !== root[k]);
    throw new DistributedError(`rank ${comm.rank}: the weights differ between ranks${i >= 0 ? ` (first: "${params[i]!.key}")` : ''}; every rank must start from rank 0's`);
  }
}
