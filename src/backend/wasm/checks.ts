/**
 * The argument checks the Node addon makes in C++ (native/src/call.h, geometry.h), made in
 * TypeScript before a wasm kernel runs, with the same messages: a wasm kernel trusts its
 * arguments, and a short buffer would otherwise overwrite its neighbours in the wasm memory.
 */
import type { ConvGeom, LRNGeom, PoolGeom } from '../backend.js';
import { BackendError } from '../../core/errors.js';

/** Throws unless v is an integer in [0, 2^31). */
export function count(op: string, name: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 31)) {
    throw new BackendError(`wasm backend ${op}: argument ${name} must be a non-negative integer below 2^31, got ${v}`);
  }
}

/** The addon's convolution geometry rules: positive sizes, divisible groups, consistent output. */
export function convGeom(op: string, g: ConvGeom): void {
  const fail = (m: string) => { throw new BackendError(`wasm backend ${op}: ${m}`); };
  if (!(g.num >= 0 && g.channels >= 1 && g.height >= 0 && g.width >= 0 && g.numOutput >= 1 && g.group >= 1 &&
    g.kernelH >= 1 && g.kernelW >= 1 && g.strideH >= 1 && g.strideW >= 1 && g.padH >= 0 && g.padW >= 0 &&
    g.dilationH >= 1 && g.dilationW >= 1 && g.outH >= 0 && g.outW >= 0)) fail(`invalid geometry ${JSON.stringify(g)}`);
  if (g.channels % g.group || g.numOutput % g.group) {
    fail(`channels ${g.channels} and numOutput ${g.numOutput} must both be divisible by group ${g.group}`);
  }
  const out = (size: number, k: number, s: number, p: number, d: number) =>
    size + 2 * p < d * (k - 1) + 1 ? 0 : Math.floor((size + 2 * p - (d * (k - 1) + 1)) / s) + 1;
  const oh = out(g.height, g.kernelH, g.strideH, g.padH, g.dilationH);
  const ow = out(g.width, g.kernelW, g.strideW, g.padW, g.dilationW);
  if (oh !== g.outH || ow !== g.outW) fail(`output ${g.outH}x${g.outW} given, geometry gives ${oh}x${ow}`);
}

export function poolGeom(op: string, g: PoolGeom): void {
  const fail = (m: string) => { throw new BackendError(`wasm backend ${op}: ${m}`); };
  if (!(g.num >= 0 && g.channels >= 0 && g.height >= 0 && g.width >= 0 && g.kernelH >= 1 && g.kernelW >= 1 &&
    g.strideH >= 1 && g.strideW >= 1 && g.padH >= 0 && g.padW >= 0 && g.outH >= 0 && g.outW >= 0)) {
    fail(`invalid geometry ${JSON.stringify(g)}`);
  }
  if (g.padH >= g.kernelH || g.padW >= g.kernelW) {
    fail(`padding ${g.padH}x${g.padW} must be smaller than the kernel ${g.kernelH}x${g.kernelW}`);
  }
}

export function lrnGeom(op: string, g: LRNGeom): void {
  if (!(g.num >= 0 && g.channels >= 0 && g.height >= 0 && g.width >= 0 && g.localSize >= 1 && g.localSize % 2 === 1)) {
    throw new BackendError(`wasm backend ${op}: invalid geometry ${JSON.stringify(g)} (localSize odd)`);
  }
}

export const convX = (g: ConvGeom) => g.num * g.channels * g.height * g.width;
export const convY = (g: ConvGeom) => g.num * g.numOutput * g.outH * g.outW;
export const convW = (g: ConvGeom) => g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
export const poolX = (g: PoolGeom) => g.num * g.channels * g.height * g.width;
export const poolY = (g: PoolGeom) => g.num * g.channels * g.outH * g.outW;
export const lrnCount = (g: LRNGeom) => g.num * g.channels * g.height * g.width;
