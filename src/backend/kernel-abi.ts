/**
 * How the C++ kernels (native/kernels, behind the Node addon and cortado.wasm alike) receive
 * geometries and enumerations: geometries as int32 fields in the order of native/include/cortado.h's
 * ConvGeom and PoolGeom, enumerations as the small integers of its enums. Browser-safe.
 */
import type { LRNGeom } from './backend.js';

export const CONV_FIELDS = ['num', 'channels', 'height', 'width', 'numOutput', 'group', 'kernelH', 'kernelW',
  'strideH', 'strideW', 'padH', 'padW', 'dilationH', 'dilationW', 'outH', 'outW'] as const;
export const POOL_FIELDS = ['num', 'channels', 'height', 'width', 'kernelH', 'kernelW', 'strideH', 'strideW',
  'padH', 'padW', 'outH', 'outW'] as const;
export const BINARY_OP = { add: 0, sub: 1, mul: 2, div: 3 } as const;
export const UNARY_OP = { exp: 0, log: 1, abs: 2, sign: 3, powx: 4, addScalar: 5 } as const;
export const NEURON_OP = { identity: 0, relu: 1, lrelu: 2, sigmoid: 3, tanh: 4, exp: 5 } as const;
export const POOL_METHOD = { max: 0, mean: 1 } as const;
export const NORMALIZATION = { valid: 0, batch: 1, full: 2, none: 3 } as const;

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
