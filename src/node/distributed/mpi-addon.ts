/**
 * The cortado_mpi addon (native/mpi/) as TypeScript sees it, and how it and the MPI library are
 * found. Node-only.
 *
 * Nothing of MPI is needed to install Cortado: the addon opens libmpi with dlopen when a
 * distributed run starts, and NCCL (libnccl.so.2) when a CUDA run asks for it.
 *
 * Environment: CORTADO_MPI_LIB (path of the MPI library to open, tried first), CORTADO_MPI_ADDON
 * (path of the addon), CORTADO_NCCL_LIB (path of the NCCL library, tried first).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../backend/cuda/addon.js';

export type MpiInit =
  | {
      ok: true;
      rank: number;
      size: number;
      /** Rank among the processes of this machine (MPI_COMM_TYPE_SHARED), and how many there are. */
      localRank: number;
      localSize: number;
      /** The library opened, and what MPI_Get_library_version says. */
      library: string;
      version: string;
      flavour: 'Open MPI' | 'MPICH';
      /** The thread level MPI granted (1: MPI_THREAD_FUNNELED, all the addon needs). */
      threadLevel: number;
    }
  | { ok: false; code: 'nolib' | 'init' | 'again' | 'arg'; message: string };

/** Errors thrown by the addon carry `code`: 'timeout', 'broken', 'mpi', 'nccl', 'arg' or 'state'. */
export interface MpiAddon {
  /** Opens the first usable library of `paths` and calls MPI_Init_thread (once per process). */
  init(paths: string[]): MpiInit;
  /** values = scale × (sum over ranks of values), in place; waits at most timeoutMs (0: no limit). */
  allreduce(values: Float32Array | Float64Array, scale: number, timeoutMs: number): void;
  /** The same, queued on the communication thread; returns an id for `wait`. */
  allreduceStart(values: Float32Array | Float64Array, scale: number): number;
  wait(id: number, timeoutMs: number): void;
  /** Every rank's array (same byte length everywhere) gets root's bytes. */
  broadcast(values: ArrayBufferView, root: number, timeoutMs: number): void;
  barrier(timeoutMs: number): void;
  finalize(timeoutMs: number): void;
  /** MPI_Abort(MPI_COMM_WORLD, code), then exits the process; never returns. */
  abort(code: number): never;
  /** CUDA devices the driver (first of `paths` that opens) reports; 0 when none opens. */
  cudaDeviceCount(paths: string[]): number;
  ncclOpen(paths: string[]): { ok: true; version: number; library: string } | { ok: false; message: string };
  ncclUniqueId(): Uint8Array;
  ncclInit(id: Uint8Array, rank: number, size: number): void;
  /** Sums each float32 device buffer over the ranks, in place, as one NCCL group on the default stream. */
  ncclAllreduce(ptrs: number[], counts: number[]): void;
  ncclBroadcast(ptr: number, count: number, root: number): void;
  /** '' or NCCL's asynchronous error. */
  ncclCheck(): string;
  ncclDestroy(abort: boolean): void;
}

/** The MPI libraries tried, in order: CORTADO_MPI_LIB, then the usual names and Debian/Fedora folders. */
export function mpiLibraryCandidates(): string[] {
  const out: string[] = [];
  if (process.env.CORTADO_MPI_LIB) out.push(process.env.CORTADO_MPI_LIB);
  out.push('libmpi.so.40', 'libmpi.so.12', 'libmpi.so');
  for (const dir of ['/usr/lib/x86_64-linux-gnu/openmpi/lib', '/usr/lib64/openmpi/lib', '/usr/lib/aarch64-linux-gnu/openmpi/lib',
    '/usr/lib/x86_64-linux-gnu/mpich/lib', '/usr/lib64/mpich/lib']) {
    out.push(join(dir, 'libmpi.so'));
  }
  return out;
}

/** The NCCL libraries tried: CORTADO_NCCL_LIB, the loader path, then the CUDA folders. */
export function ncclLibraryCandidates(): string[] {
  const out: string[] = [];
  if (process.env.CORTADO_NCCL_LIB) out.push(process.env.CORTADO_NCCL_LIB);
  out.push('libnccl.so.2');
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib']) {
    out.push(join(dir, 'libnccl.so.2'));
  }
  return out;
}

let loaded: { addon?: MpiAddon; error?: string } | undefined;

/** The built addon (CORTADO_MPI_ADDON, else build/Release/cortado_mpi.node), or why it cannot be loaded. */
export function loadMpiAddon(): { addon?: MpiAddon; error?: string } {
  loaded ??= load();
  return loaded;
}

function load(): { addon?: MpiAddon; error?: string } {
  let path = process.env.CORTADO_MPI_ADDON ?? '';
  try {
    path ||= join(packageRoot(), 'build', 'Release', 'cortado_mpi.node');
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (!existsSync(path)) {
    return { error: `the MPI addon is not built (${path} is missing; \`npm install\` or \`node scripts/install-native.mjs\` builds it with node-gyp, which needs g++ but no MPI)` };
  }
  try {
    return { addon: createRequire(import.meta.url)(path) as MpiAddon };
  } catch (e) {
    return { error: `the MPI addon ${path} cannot be loaded: ${(e as Error).message}` };
  }
}
