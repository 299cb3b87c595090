/**
 * The cortado_cuda addon (native/cuda/) as TypeScript sees it, and how it is found. Node-only.
 *
 * The addon holds no kernels: it opens the CUDA driver, NVRTC, cuBLAS and cuDNN with dlopen and
 * exposes them as a few calls. Device pointers are plain numbers; every call but `download`,
 * `synchronize`, `sdot`, `sasum` and `convPlan` is queued on the device and returns at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type InitResult =
  | {
      ok: true;
      device: string;
      ccMajor: number;
      ccMinor: number;
      multiprocessors: number;
      totalMemory: number;
      /** e.g. 13000 for CUDA 13.0. */
      driverVersion: number;
      /** e.g. '13.0'. */
      nvrtcVersion: string;
      /** Compute capabilities NVRTC can compile for, e.g. [75, 80, 86, 89, 90, 100, 120]. */
      nvrtcArchs: number[];
      cublasVersion: number;
      /** 0 when cuDNN is absent or disabled (`cudnnNote` says why). */
      cudnnVersion: number;
      cudnnNote: string;
      cudaPath: string;
      nvrtcPath: string;
      cublasPath: string;
      cudnnPath: string;
    }
  | { ok: false; code: 'nodriver' | 'driver' | 'nodevice' | 'nvrtc' | 'cublas' | 'again'; message: string };

export interface CudaAddon {
  /**
   * Opens the libraries (the override folder first), the device and its primary context. Once.
   * deterministic limits cuDNN's convolution algorithms to those that give the same bits every run.
   */
  init(overrideDir: string, deviceIndex: number, useCudnn: boolean, tf32: boolean, deterministic: boolean): InitResult;
  /** NVRTC: source -> CUBIN (cubin true) or NUL-terminated PTX. Throws with the compiler log. */
  compile(source: string, name: string, headerNames: string[], headerSources: string[], options: string[],
    cubin: boolean): { image: Uint8Array; log: string };
  loadModule(image: Uint8Array): number;
  getFunction(module: number, name: string): number;
  /** The 8-byte argument slots `launch` passes to the kernel, in parameter order. */
  setArgBuffer(buffer: ArrayBuffer): void;
  launch(fn: number, gx: number, gy: number, gz: number, bx: number, by: number, bz: number,
    sharedBytes: number, nargs: number): void;
  /** Zero-filled device memory. */
  malloc(bytes: number): number;
  free(ptr: number): void;
  memset32(ptr: number, bits: number, count: number): void;
  upload(ptr: number, src: Float32Array): void;
  /** Waits for queued work, then copies `dst.byteLength` bytes. */
  download(ptr: number, dst: Float32Array): void;
  copy(dst: number, src: number, bytes: number): void;
  synchronize(): void;
  memInfo(): [number, number];
  /** cuBLAS, column-major, as cublasSgemm. */
  sgemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number,
    B: number, ldb: number, beta: number, C: number, ldc: number): void;
  /**
   * sgemm's call with A and B in a 16-bit format (1 binary16, 2 bfloat16) and C in float32, summed
   * in float32 (cublasGemmEx): the matrix products of mixed precision.
   */
  gemmEx(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number,
    B: number, ldb: number, beta: number, C: number, ldc: number, format: number): void;
  /** `batch` of sgemm's products, product i on A + i strideA, B + i strideB, C + i strideC (elements): cublasSgemmStridedBatched. */
  sgemmStridedBatched(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number,
    B: number, ldb: number, beta: number, C: number, ldc: number, strideA: number, strideB: number, strideC: number,
    batch: number): void;
  /** sgemmStridedBatched's call with A and B in gemmEx's 16-bit format (cublasGemmStridedBatchedEx). */
  gemmStridedBatchedEx(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number,
    B: number, ldb: number, beta: number, C: number, ldc: number, strideA: number, strideB: number, strideC: number,
    batch: number, format: number): void;
  sgemv(trans: number, m: number, n: number, alpha: number, A: number, lda: number, x: number, beta: number,
    y: number): void;
  sdot(n: number, x: number, y: number): number;
  sasum(n: number, x: number): number;
  /**
   * cuDNN: descriptors and the measured fastest algorithms for one geometry and tensor format (0
   * float32, 1 binary16, 2 bfloat16; sums in float32) -> [plan, workspace bytes, forward,
   * backward-data and backward-filter algorithm (cuDNN's enum values), their measured ms].
   */
  convPlan(num: number, channels: number, height: number, width: number, numOutput: number, kernelH: number,
    kernelW: number, padH: number, padW: number, strideH: number, strideW: number, dilationH: number,
    dilationW: number, group: number, outH: number, outW: number, format: number): [number, number, number, number, number, number, number, number];
  convForward(plan: number, x: number, w: number, y: number, workspace: number, workspaceBytes: number): void;
  convBackwardData(plan: number, dy: number, w: number, dx: number, workspace: number, workspaceBytes: number): void;
  /** Accumulates into dw with a float32 plan; a 16-bit plan overwrites dw. */
  convBackwardFilter(plan: number, x: number, dy: number, dw: number, workspace: number, workspaceBytes: number): void;
  /**
   * Waits for the device, then captures the queued calls that follow (graph.cc) until captureEnd.
   * With `stageBytes` the graph is made for graphRun: a page-locked buffer of each size is made for
   * the uploads that stageUpload captures, in order, and the captured kernels are noted.
   */
  captureBegin(stageBytes?: number[]): void;
  /** Ends the capture: the graph's id (keep true), or undefined with the graph discarded (keep false). */
  captureEnd(keep: boolean): number | undefined;
  /** Queues a captured graph's work on the legacy stream. */
  graphLaunch(graph: number): void;
  graphDestroy(graph: number): void;
  /** While capturing for graphRun: copies `src` into staging buffer `index` and captures the copy from there to `ptr`. */
  stageUpload(index: number, ptr: number, src: Float32Array): void;
  /**
   * Launches a graph made for it after writing `staged`, the data of its uploads in order (each of
   * its staging buffer's size; null when it has none; the previous launch is waited for first),
   * and giving kernels new arguments: `updates` holds entries of an int32 kernel index (in launch
   * order), an int32 slot count n and n 8-byte argument slots.
   */
  graphRun(graph: number, updates: Uint8Array | null, staged: Float32Array | null): void;
}

/** The folder holding Cortado's package.json (found upwards from this file, in src/ or dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'cortado') return dir;
      } catch {
        // not ours: keep looking
      }
    }
    dir = dirname(dir);
  }
  throw new Error('Cortado: cannot find the package root (package.json named "cortado") above ' + fileURLToPath(import.meta.url));
}

/** The built addon (CORTADO_CUDA_ADDON, else build/Release/cortado_cuda.node), or why it cannot be loaded. */
export function loadAddon(): { addon?: CudaAddon; error?: string } {
  let path = process.env.CORTADO_CUDA_ADDON ?? '';
  try {
    path ||= join(packageRoot(), 'build', 'Release', 'cortado_cuda.node');
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (!existsSync(path)) {
    return { error: `the CUDA addon is not built (${path} is missing; \`npm install\` builds it with node-gyp, which needs g++ but no CUDA)` };
  }
  try {
    return { addon: createRequire(import.meta.url)(path) as CudaAddon };
  } catch (e) {
    return { error: `the CUDA addon ${path} cannot be loaded: ${(e as Error).message}` };
  }
}
