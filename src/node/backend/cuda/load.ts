/**
 * loadCuda(): a CudaBackend, or the reason there is none. Node-only.
 *
 * Nothing of CUDA is needed to install Cortado: the addon opens the driver (libcuda.so.1), NVRTC,
 * cuBLAS and cuDNN at run time and compiles the kernels for the card it finds. The first call
 * starts the device (once per process); later calls return new backends on the same device, or
 * the same error.
 *
 * Environment: CORTADO_CUDA_LIB_DIR (a folder searched first for every library),
 * CORTADO_CUDA_DEVICE (device index, default 0), CORTADO_CUDNN=0 (convolution without cuDNN),
 * CORTADO_CUDA_TF32=1 (allow TF32 tensor cores in cuBLAS and cuDNN: faster, ~1e-3 relative error),
 * CORTADO_CUDA_DETERMINISTIC=1 (the same bits every run: see CudaOptions.deterministic),
 * CORTADO_CUDA_PRECISION=float16|bfloat16 (mixed precision: see CudaOptions.precision),
 * CORTADO_CACHE_DIR (compiled kernels, default ~/.cache/cortado).
 */
import type { DType } from '../../../backend/backend.js';
import { BackendError } from '../../../core/errors.js';
import { loadAddon, packageRoot } from './addon.js';
import { CUDA_PRECISIONS, CudaBackend, type CudaPrecision, type CudaRuntime } from './cuda-backend.js';
import { defaultCacheDir, Kernels } from './kernels.js';
import { CallRecorder } from './replay.js';

export interface CudaOptions {
  /** Only 'float32' runs on CUDA; 'float64' throws a BackendError saying so. */
  dtype?: DType;
  libDir?: string;
  device?: number;
  cudnn?: boolean;
  tf32?: boolean;
  /**
   * The same bits from the same calls, run after run (as PyTorch's torch.use_deterministic_algorithms):
   * cuDNN convolution only with its deterministic algorithms, and the backend's own sums over
   * blocks (bias gradients, scatterAdd's repeated rows) in a fixed order instead of by atomicAdd.
   * Off by default: the fastest algorithms may differ in the last bits from run to run.
   */
  deterministic?: boolean;
  /**
   * What convolutions and GEMMs compute in: 'float32' (default), or mixed precision, 'float16' or
   * 'bfloat16': their operands rounded to the 16-bit format and summed in float32, on tensor cores;
   * every buffer (weights, activations, gradients) stays float32. Per backend, unlike the options
   * above. A solver on a 'float16' backend scales the loss by default (SolverConfig.lossScale).
   */
  precision?: CudaPrecision;
  cacheDir?: string;
}

const REASONS: Record<string, string> = {
  nodriver: 'no NVIDIA driver',
  driver: 'the NVIDIA driver did not start',
  nodevice: 'no CUDA device',
  nvrtc: 'NVRTC (the CUDA runtime compiler) not found; install the CUDA toolkit\'s NVRTC or set CORTADO_CUDA_LIB_DIR to the folder holding libnvrtc.so',
  cublas: 'cuBLAS not found; install the CUDA toolkit\'s cuBLAS or set CORTADO_CUDA_LIB_DIR to the folder holding libcublas.so',
  again: 'the device was already started in this process',
};

let started: { runtime?: CudaRuntime; error?: string } | undefined;

function start(opts: CudaOptions): { runtime?: CudaRuntime; error?: string } {
  const loaded = loadAddon();
  if (!loaded.addon) return { error: `CUDA backend unavailable: ${loaded.error}` };
  const recorder = new CallRecorder(loaded.addon);
  const addon = recorder.addon;
  const env = process.env;
  const deterministic = opts.deterministic ?? env.CORTADO_CUDA_DETERMINISTIC === '1';
  const device = addon.init(
    opts.libDir ?? env.CORTADO_CUDA_LIB_DIR ?? '',
    opts.device ?? Number(env.CORTADO_CUDA_DEVICE ?? 0),
    opts.cudnn ?? env.CORTADO_CUDNN !== '0',
    opts.tf32 ?? env.CORTADO_CUDA_TF32 === '1',
    deterministic,
  );
  if (!device.ok) return { error: `CUDA backend unavailable: ${REASONS[device.code] ?? device.code} (${device.message})` };
  let kernels: Kernels;
  try {
    kernels = new Kernels(addon, {
      cc: device.ccMajor * 10 + device.ccMinor,
      archs: device.nvrtcArchs,
      nvrtcVersion: device.nvrtcVersion,
      cacheDir: opts.cacheDir ?? defaultCacheDir(),
    }, packageRoot());
  } catch (e) {
    return { error: `CUDA backend unavailable: ${(e as Error).message}` };
  }
  const seen = new Set<string>();
  const notice = (message: string) => {
    if (seen.has(message)) return;
    seen.add(message);
    console.warn(`cortado (cuda): ${message}`);
  };
  if (device.cudnnVersion === 0 && device.cudnnNote !== 'disabled') {
    notice(`cuDNN not loaded (${device.cudnnNote}); convolution runs on im2col + cuBLAS`);
  }
  return { runtime: { addon, recorder, kernels, device, cudnn: device.cudnnVersion > 0, deterministic, notice } };
}

/**
 * A new CudaBackend on this process's device, or `error` naming what is missing (the addon, the
 * driver, a device, NVRTC, cuBLAS, a kernel that does not compile). Options other than dtype and
 * precision apply to the first call only. Asking for dtype 'float64' throws (a request no device can serve).
 */
export function loadCuda(opts: CudaOptions = {}): { backend?: CudaBackend; error?: string } {
  if (opts.dtype !== undefined && opts.dtype !== 'float32') {
    throw new BackendError(`CUDA backend: dtype ${opts.dtype} is not supported, the CUDA backend computes in float32 only (use the js backend for float64, e.g. for gradient checks)`);
  }
  const precision = opts.precision ?? process.env.CORTADO_CUDA_PRECISION ?? 'float32';
  if (!(CUDA_PRECISIONS as readonly string[]).includes(precision)) {
    const where = opts.precision === undefined ? 'CORTADO_CUDA_PRECISION' : 'precision';
    throw new BackendError(`CUDA backend: ${where} "${precision}" is not one of ${CUDA_PRECISIONS.join(', ')}`);
  }
  started ??= start(opts);
  if (!started.runtime) return { error: started.error };
  return { backend: new CudaBackend(started.runtime, opts.dtype, { precision: precision as CudaPrecision }) };
}

/** The device's description once started (for reports), or undefined. */
export function cudaRuntime(): CudaRuntime | undefined {
  return started?.runtime;
}
