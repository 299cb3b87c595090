/**
 * How the C++ kernels (native/kernels, behind the Node addon and cortado.wasm alike) receive
 * geometries and enumerations: geometries as int32 fields in the order of native/include/cortado.h's
 * ConvGeom and PoolGeom, enumerations as the small integers of its enums. Browser-safe.
 */
import type { ClassGeom, LRNGeom } from './backend.js';

export const CONV_FIELDS = ['num', 'channels', 'height', 'width', 'numOutput', 'group', 'kernelH', 'kernelW',
  'strideH', 'strideW', 'padH', 'padW', 'dilationH', 'dilationW', 'outH', 'outW'] as const;
export const POOL_FIELDS = ['num', 'channels', 'height', 'width', 'kernelH', 'kernelW', 'strideH', 'strideW',
  'padH', 'padW', 'outH', 'outW'] as const;
export const BINARY_OP = { add: 0, sub: 1, mul: 2, div: 3 } as const;
export const UNARY_OP = { exp: 0, log: 1, abs: 2, sign: 3, powx: 4, addScalar: 5 } as const;
export const NEURON_OP = { identity: 0, relu: 1, lrelu: 2, sigmoid: 3, tanh: 4, exp: 5, erf: 6, gelu: 7, geluTanh: 8 } as const;
export const POOL_METHOD = { max: 0, mean: 1 } as const;
export const NORMALIZATION = { valid: 0, batch: 1, full: 2, none: 3 } as const;

/**
 * The error codes a device kernel leaves in its backend's error flag when its input is bad (the
 * WebGPU and CUDA backends cannot throw from a kernel): the flag holds the code of a kernel that
 * failed since the last read, and the next read reports it with DEVICE_ERROR_MESSAGES.
 */
export const DEVICE_ERROR = {
  none: 0,
  gather: 1,
  scatterAdd: 2,
  softmaxLossForward: 3,
  softmaxLossBackward: 4,
  accuracyForward: 5,
  nllBackward: 6,
  hingeLossForward: 7,
  hingeLossBackward: 8,
} as const;

export const DEVICE_ERROR_MESSAGES: Record<number, string> = {
  [DEVICE_ERROR.gather]: 'gather: an index is not a whole row number of its source (the gathered row was zeroed)',
  [DEVICE_ERROR.scatterAdd]: 'scatterAdd: an index is not a whole row number of its destination (that row was skipped)',
  [DEVICE_ERROR.softmaxLossForward]: 'softmaxLossForward: a label is not a class index in [0, classes) nor the ignore label',
  [DEVICE_ERROR.softmaxLossBackward]: 'softmaxLossBackward: a label is not a class index in [0, classes) nor the ignore label',
  [DEVICE_ERROR.accuracyForward]: 'accuracyForward: a label is not a class index in [0, classes) nor the ignore label',
  [DEVICE_ERROR.nllBackward]: 'nllBackward: a label is not a class index in [0, classes) nor the ignore label',
  [DEVICE_ERROR.hingeLossForward]: 'hingeLossForward: a label is not a class index in [0, classes) (the loss is NaN)',
  [DEVICE_ERROR.hingeLossBackward]: 'hingeLossBackward: a label is not a class index in [0, classes) (its row of the gradient is NaN)',
};

/**
 * A flagged error with where one of its bad values is: kernels leave the position of the label
 * or index they failed on beside the code (when several fail at once, any one of them).
 */
export function deviceErrorMessage(code: number, at: number): string {
  const base = DEVICE_ERROR_MESSAGES[code];
  if (!base) return `a kernel left error code ${code}`;
  const where = code === DEVICE_ERROR.gather || code === DEVICE_ERROR.scatterAdd ? `index ${at} of the indices`
    : code === DEVICE_ERROR.hingeLossForward || code === DEVICE_ERROR.hingeLossBackward ? `the label of item ${at}`
    : `the label at index ${at} of its blob (item ${at} when an item has one label)`;
  return `${base}; one of them: ${where}`;
}

/**
 * Appended to a flagged error by the GPU backends, whose errors come at the next read and so name
 * the method, not the layer. Net removes it where it names the layer itself (syncEachLayer).
 */
export const DEVICE_ERROR_LAYER_HINT = '; to have it name the layer, build the net with syncEachLayer: true (in Node, or set CORTADO_SYNC_LAYERS=1)';

/** LRN's int32 fields into `out` (6 long), in the order of cortado.h's LRNGeom; alpha, beta and k travel as numbers. */
export function lrnFields(g: LRNGeom, out: Int32Array): Int32Array {
  out[0] = g.num;
  out[1] = g.channels;
  out[2] = g.height;
  out[3] = g.width;
  out[4] = g.localSize;
  out[5] = g.within ? 1 : 0;
  return out;
}

/**
 * The largest float32 t32 <= t (-FLT_MIN for t just below zero): for a float32 x, x > t exactly when
 * x > t32, so a threshold a device kernel takes as a float32 compares as the float64 one does
 * (binaryAccuracy on WebGPU and CUDA).
 */
export function belowOrAt(t: number): number {
  const t32 = Math.fround(t);
  if (!(t32 > t)) return t32;
  const bits = new Uint32Array(new Float32Array([t32]).buffer);
  if (t32 > 0) bits[0]--;
  else if (t32 < 0) bits[0]++;
  else bits[0] = 0x80800000; // -FLT_MIN, not the nearest subnormal, which a device may flush to zero
  return new Float32Array(bits.buffer)[0];
}

/**
 * Whether the GPU backends (CUDA, WebGPU) run a softmax with a block or workgroup of 256 threads
 * per row: rows of a classifier's scores (inner 1) of 64 classes or more. Otherwise a thread per
 * (outer, inner) position walks its classes, with reads coalesced across the inner index; with inner
 * 1 that is a thread per row, which left a 1000-class softmax with the batch's rows as its only
 * parallelism (one thread at batch 1).
 */
export function softmaxByRows(g: ClassGeom): boolean {
  return g.inner === 1 && g.classes >= 64;
}
