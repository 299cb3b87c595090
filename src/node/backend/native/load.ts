/**
 * Loads the native CPU addon, build/Release/cortado.node under the package root (built by
 * `npm install` through scripts/install-native.mjs). Node-only.
 *
 * The addon works in place on the Float32Arrays it is given (no copies) and checks every length
 * and geometry before touching memory. Enumerations travel as small integers (the constants below).
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendError } from '../../../core/errors.js';

type F32 = Float32Array;

/** The functions of build/Release/cortado.node (see the table in native/src/entries.cc). */
export interface NativeAddon {
  /** Instruction set of the kernels in use: 'avx512', 'avx2' or 'portable'. */
  readonly isa: string;
  /** Threads in the addon's pool (cores, or CORTADO_NUM_THREADS). */
  readonly numThreads: number;
  setErrorClass(ctor: new (message: string) => Error): void;

  set(n: number, alpha: number, y: F32): void;
  copy(n: number, x: F32, y: F32): void;
  scal(n: number, alpha: number, x: F32): void;
  axpy(n: number, alpha: number, x: F32, y: F32): void;
  axpby(n: number, alpha: number, x: F32, beta: number, y: F32): void;
  dot(n: number, x: F32, y: F32): number;
  asum(n: number, x: F32): number;
  /** op: BINARY_OP */
  binary(op: number, n: number, a: F32, b: F32, y: F32): void;
  /** op: UNARY_OP; p is the power of powx and the scalar of addScalar. */
  unary(op: number, n: number, a: F32, p: number, y: F32): void;
  clamp(n: number, lo: number, hi: number, x: F32, y: F32): void;
  where(n: number, lo: number, hi: number, x: F32, a: F32, b: F32, y: F32): void;

  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: F32, B: F32, beta: number, C: F32): void;
  gemv(transA: boolean, M: number, N: number, alpha: number, A: F32, x: F32, beta: number, y: F32): void;
  /** `batch` gemms of matrices stored one after another (A_i from i·M·K, B_i from i·K·N, C_i from i·M·N). */
  gemmBatched(batch: number, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: F32, B: F32, beta: number, C: F32): void;

  /** -1, or (nothing written) the position of the first index that is not a row of src */
  gather(rows: number, rowSize: number, srcRows: number, src: F32, index: F32, scale: number, dst: F32): number;
  /** -1, or (nothing written) the position of the first index that is not a row of dst */
  scatterAdd(rows: number, rowSize: number, dstRows: number, src: F32, index: F32, scale: number, dst: F32): number;

  /** scale and bias: both null or both D floats */
  layerNormForward(rows: number, D: number, eps: number, x: F32, scale: F32 | null, bias: F32 | null, xhat: F32, rstd: F32, y: F32): void;
  layerNormBackward(rows: number, D: number, xhat: F32, rstd: F32, dy: F32, scale: F32 | null, dx: F32): void;

  copy2d(rows: number, cols: number, srcStride: number, dstStride: number, accumulate: boolean, src: F32, dst: F32): void;

  /** geom: the 16 ConvGeom fields in CONV_FIELDS order. */
  convForward(geom: Int32Array, x: F32, w: F32, y: F32): void;
  convBackwardData(geom: Int32Array, dy: F32, w: F32, dx: F32): void;
  convBackwardFilter(geom: Int32Array, x: F32, dy: F32, dw: F32): void;
  biasForward(outer: number, channels: number, inner: number, bias: F32, y: F32): void;
  biasBackward(outer: number, channels: number, inner: number, dy: F32, dbias: F32): void;

  /** geom: the 12 PoolGeom fields in POOL_FIELDS order; method: POOL_METHOD. */
  poolForward(geom: Int32Array, method: number, x: F32, y: F32, mask: F32): void;
  poolBackward(geom: Int32Array, method: number, dy: F32, mask: F32, dx: F32): void;
  /** geom: LRN's 6 int32 fields (lrnFields). */
  lrnForward(geom: Int32Array, alpha: number, beta: number, k: number, x: F32, scale: F32, y: F32): void;
  lrnBackward(geom: Int32Array, alpha: number, beta: number, k: number, x: F32, y: F32, scale: F32, dy: F32, dx: F32): void;

  /** op: NEURON_OP */
  neuronForward(op: number, n: number, x: F32, y: F32, alpha: number): void;
  neuronBackward(op: number, n: number, y: F32, dy: F32, dx: F32, alpha: number): void;

  softmaxForward(outer: number, classes: number, inner: number, x: F32, y: F32): void;
  softmaxBackward(outer: number, classes: number, inner: number, y: F32, dy: F32, dx: F32): void;
  logSoftmaxForward(outer: number, classes: number, inner: number, x: F32, y: F32): void;
  logSoftmaxBackward(outer: number, classes: number, inner: number, y: F32, dy: F32, dx: F32): void;
  /** Returns -1, or the position of the first label that is no class (nothing written then). */
  softmaxLossForward(outer: number, classes: number, inner: number, prob: F32, label: F32,
    ignoreLabel: number | null, normalization: number, loss: F32): number;
  softmaxLossBackward(outer: number, classes: number, inner: number, prob: F32, label: F32,
    ignoreLabel: number | null, normalization: number, lossWeight: number, dx: F32): number;

  /** y[i] = uniform in [0, 1) from (key, i), key a 32-bit unsigned integer (src/backend/js/random.ts). */
  randomUniform(n: number, key: number, y: F32): void;
  /** y = rand >= ratio ? x scale : 0 (dropout forward and backward). */
  dropout(n: number, x: F32, rand: F32, ratio: number, scale: number, y: F32): void;
  sgdUpdate(n: number, w: F32, diff: F32, hist: F32, lr: number, momentum: number, decay: number, l1: boolean): void;
}

export { BINARY_OP, CONV_FIELDS, lrnFields, NEURON_OP, NORMALIZATION, POOL_FIELDS, POOL_METHOD, UNARY_OP } from '../../../backend/kernel-abi.js';

const REQUIRED: readonly (keyof NativeAddon)[] = [
  'setErrorClass', 'set', 'copy', 'scal', 'axpy', 'axpby', 'dot', 'asum', 'binary', 'unary', 'clamp', 'where', 'gemm', 'gemv', 'gemmBatched', 'gather', 'scatterAdd', 'copy2d', 'layerNormForward', 'layerNormBackward',
  'convForward', 'convBackwardData', 'convBackwardFilter', 'biasForward', 'biasBackward', 'poolForward',
  'poolBackward', 'lrnForward', 'lrnBackward', 'neuronForward', 'neuronBackward', 'softmaxForward', 'softmaxBackward',
  'logSoftmaxForward', 'logSoftmaxBackward',
  'softmaxLossForward', 'softmaxLossBackward', 'randomUniform', 'dropout', 'sgdUpdate',
];

let loaded: { addon: NativeAddon | null; error: string | null } | undefined;

/** The directory holding cortado's package.json, searched upwards from this file. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cortado') return dir;
      } catch {
        // an unreadable package.json is not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

function load(): { addon: NativeAddon | null; error: string | null } {
  const root = packageRoot();
  if (!root) return { addon: null, error: 'cannot find the cortado package root (package.json) above ' + fileURLToPath(import.meta.url) };
  const file = join(root, 'build', 'Release', 'cortado.node');
  if (!existsSync(file)) {
    return { addon: null, error: `${file} is not built; run \`npm rebuild cortado\` or \`node scripts/install-native.mjs\` (needs a C++ compiler)` };
  }
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (e) {
    return { addon: null, error: `${file} cannot be loaded: ${(e as Error).message}` };
  }
  const missing = REQUIRED.filter((k) => typeof addon[k] !== 'function');
  if (missing.length > 0) {
    return { addon: null, error: `${file} is out of date (missing ${missing.join(', ')}); rebuild it with \`node scripts/install-native.mjs\`` };
  }
  addon.setErrorClass(BackendError);
  return { addon, error: null };
}

/** The addon, loaded once; null when it is not built or cannot load (see nativeLoadError). */
export function loadNativeAddon(): NativeAddon | null {
  loaded ??= load();
  return loaded.addon;
}

/** Why loadNativeAddon() returned null, or null when it did not. */
export function nativeLoadError(): string | null {
  loaded ??= load();
  return loaded.error;
}
