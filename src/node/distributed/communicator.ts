/**
 * Communicators: the collective operations data-parallel training needs (sum-allreduce in place,
 * broadcast, barrier), over MPI (MpiCommunicator, one per process) or for one process alone
 * (SoloCommunicator: every call a no-op, so the distributed code paths also run without MPI).
 * Node-only.
 *
 * Every MPI call waits at most `timeoutSeconds` (CORTADO_MPI_TIMEOUT, default 120): a rank that died
 * or hangs turns the next collective on every other rank into a DistributedError naming the
 * operation and the rank, instead of a hang; the caller then aborts the job (abort()).
 */
import { writeSync } from 'node:fs';
import { loadMpiAddon, mpiLibraryCandidates, type MpiAddon } from './mpi-addon.js';

/** MPI is missing or failed, a collective timed out, or ranks disagree. */
export class DistributedError extends Error {
  override name = 'DistributedError';
}

export interface Communicator {
  readonly rank: number;
  readonly size: number;
  /** Rank among the processes of this machine, and their number (chooses the GPU). */
  readonly localRank: number;
  readonly localSize: number;
  /** One line for logs: the library and the layout. */
  readonly description: string;
  /** values = scale × (sum over ranks), in place. */
  allreduce(values: Float32Array | Float64Array, scale?: number): void;
  /** The same, started now and finished by `wait(id)`; `values` must not be touched meanwhile. */
  allreduceStart(values: Float32Array | Float64Array, scale?: number): number;
  wait(id: number): void;
  /** Every rank's `values` (the same byte length everywhere) get root's. */
  broadcast(values: ArrayBufferView, root?: number): void;
  /** Root's bytes to every rank, whatever their length (others pass anything, e.g. null). */
  broadcastBytes(bytes: Uint8Array | null, root?: number): Uint8Array;
  barrier(): void;
  /** Ends MPI (call once, on every rank, after the last collective). */
  finalize(): void;
  /** Prints `message` on stderr and stops the whole job with exit status `code`. */
  abort(message: string, code?: number): never;
}

/** One process, no MPI: the identity for every collective. */
export class SoloCommunicator implements Communicator {
  readonly rank = 0;
  readonly size = 1;
  readonly localRank = 0;
  readonly localSize = 1;
  readonly description = 'one process (no MPI)';

  allreduce(values: Float32Array | Float64Array, scale = 1): void {
    if (scale !== 1) for (let i = 0; i < values.length; i++) values[i] *= scale;
  }

  allreduceStart(values: Float32Array | Float64Array, scale = 1): number {
    this.allreduce(values, scale);
    return 0;
  }

  wait(_id: number): void {}
  broadcast(_values: ArrayBufferView, _root = 0): void {}

  broadcastBytes(bytes: Uint8Array | null): Uint8Array {
    if (!bytes) throw new DistributedError('broadcastBytes: the root (rank 0) must give the bytes');
    return bytes;
  }

  barrier(): void {}
  finalize(): void {}

  abort(message: string, code = 1): never {
    console.error(message);
    process.exit(code);
  }
}

/** The seconds a collective may take: CORTADO_MPI_TIMEOUT, default 120. */
export function collectiveTimeout(): number {
  const raw = process.env.CORTADO_MPI_TIMEOUT;
  if (raw === undefined || raw === '') return 120;
  const s = Number(raw);
  if (!(s > 0) || !Number.isFinite(s)) throw new DistributedError(`CORTADO_MPI_TIMEOUT must be a positive number of seconds, found "${raw}"`);
  return s;
}

export class MpiCommunicator implements Communicator {
  readonly rank: number;
  readonly size: number;
  readonly localRank: number;
  readonly localSize: number;
  readonly description: string;
  readonly library: string;
  private finalized = false;
  private readonly timeoutMs: number;

  /** Use startMpi(): MPI starts once per process. */
  constructor(readonly addon: MpiAddon, init: Extract<ReturnType<MpiAddon['init']>, { ok: true }>, timeoutSeconds: number) {
    this.rank = init.rank;
    this.size = init.size;
    this.localRank = init.localRank;
    this.localSize = init.localSize;
    this.library = init.library;
    this.timeoutMs = timeoutSeconds * 1000;
    const version = init.version.split('\n')[0]!.replace(/,.*$/, '');
    this.description = `${version} (${init.library}): rank ${this.rank} of ${this.size}, local rank ${this.localRank} of ${this.localSize}`;
  }

  allreduce(values: Float32Array | Float64Array, scale = 1): void {
    this.call(() => this.addon.allreduce(values, scale, this.timeoutMs));
  }

  allreduceStart(values: Float32Array | Float64Array, scale = 1): number {
    return this.call(() => this.addon.allreduceStart(values, scale));
  }

  wait(id: number): void {
    this.call(() => this.addon.wait(id, this.timeoutMs));
  }

  broadcast(values: ArrayBufferView, root = 0): void {
    this.call(() => this.addon.broadcast(values, root, this.timeoutMs));
  }

  broadcastBytes(bytes: Uint8Array | null, root = 0): Uint8Array {
    const length = new Float64Array([this.rank === root ? (bytes?.length ?? -1) : 0]);
    this.broadcast(length, root);
    if (length[0]! < 0) throw new DistributedError(`broadcastBytes: rank ${root} (the root) gave no bytes`);
    const out = this.rank === root ? bytes! : new Uint8Array(length[0]!);
    this.broadcast(out, root);
    return out;
  }

  barrier(): void {
    this.call(() => this.addon.barrier(this.timeoutMs));
  }

  finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    this.call(() => this.addon.finalize(this.timeoutMs));
  }

  get isFinalized(): boolean {
    return this.finalized;
  }

  abort(message: string, code = 1): never {
    // Written synchronously: MPI_Abort ends the process before a queued write would go out.
    writeSync(2, `${message}\n`);
    this.addon.abort(code);
  }

  private call<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code === 'timeout' || err.code === 'broken' || err.code === 'mpi' || err.code === 'state') {
        throw new DistributedError(`rank ${this.rank} of ${this.size}: ${err.message}`);
      }
      throw e;
    }
  }
}

/** Open MPI's setting (documented in docs/environment.md as OMPI_MCA_mpi_yield_when_idle). */
const YIELD_WHEN_IDLE = 'OMPI_MCA_mpi_yield_when_idle';

let started: MpiCommunicator | undefined;

/**
 * Starts MPI in this process (once; later calls return the same communicator). Throws a
 * DistributedError naming what is missing: the addon, or an MPI library (with the paths tried).
 */
export function startMpi(): MpiCommunicator {
  if (started) return started;
  const timeout = collectiveTimeout();
  const { addon, error } = loadMpiAddon();
  if (!addon) throw new DistributedError(`distributed training needs the MPI addon: ${error}`);
  // Open MPI spins while it waits unless told to yield; here the waiting happens on the addon's
  // communication thread while the main thread (and the native backend's pool) compute, so a
  // spinning wait takes a core from the computation. A value the user set is kept.
  process.env[YIELD_WHEN_IDLE] ??= '1';
  const init = addon.init(mpiLibraryCandidates());
  if (!init.ok) {
    const hint = init.code === 'nolib'
      ? '. Install an MPI library (Debian/Ubuntu: apt-get install openmpi-bin; Fedora: dnf install openmpi) or set CORTADO_MPI_LIB to the path of libmpi.so'
      : '';
    throw new DistributedError(`MPI could not start: ${init.message}${hint}`);
  }
  started = new MpiCommunicator(addon, init, timeout);
  const comm = started;
  // A process that ends without MPI_Finalize is reported by mpirun as failed.
  process.once('exit', () => {
    if (comm.isFinalized) return;
    try {
      comm.finalize();
    } catch {
      // the job is being torn down anyway
    }
  });
  return started;
}

/** Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMI). */
export function launchedByMpi(): boolean {
  const e = process.env;
  return e.OMPI_COMM_WORLD_SIZE !== undefined || e.PMI_SIZE !== undefined || e.PMIX_RANK !== undefined;
}
