/**
 * Helpers for the emulated cuDNN tests (emulated-cudnn*.test.ts): the emulated libcudnn.so.9
 * (emu/fake_cudnn.cc) lists, per direction, a tensor-op algorithm, a non-deterministic FMA one and
 * a deterministic one, fastest first, so which one a plan holds shows how the addon filtered them.
 */
import assert from 'node:assert/strict';
import type { ConvGeom } from '../../../src/backend/backend.js';
import type { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';

/** LeNet's conv2 at batch 4: [4, 20, 12, 12] in, 50 outputs of 8x8, 5x5 kernel. */
export const CONV2: ConvGeom = {
  num: 4, channels: 20, height: 12, width: 12, numOutput: 50, group: 1, kernelH: 5, kernelW: 5,
  strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, outH: 8, outW: 8,
};

export interface PlanInfo {
  id: number;
  workspaceBytes: number;
  forward: number;
  backwardData: number;
  backwardFilter: number;
  ms: [number, number, number];
}

/** A float32 plan made through the addon directly: its 8 values, checked for shape, by name. */
export function planOf(b: CudaBackend, g: ConvGeom): PlanInfo {
  const values = b.runtime.addon.convPlan(g.num, g.channels, g.height, g.width, g.numOutput, g.kernelH, g.kernelW, g.padH, g.padW,
    g.strideH, g.strideW, g.dilationH, g.dilationW, g.group, g.outH, g.outW, 0);
  assert.equal(values.length, 8, `convPlan returned ${values.length} values, expected 8`);
  const [id, workspaceBytes, forward, backwardData, backwardFilter, ...ms] = values;
  assert.ok(Number.isInteger(id) && id >= 0, `plan id ${id}`);
  for (const t of ms) assert.ok(Number.isFinite(t) && t > 0, `measured time ${t} ms`);
  return { id, workspaceBytes, forward, backwardData, backwardFilter, ms: ms as [number, number, number] };
}

/** Bytes of one image's columns, [C kh kw, outH outW] in float32: the deterministic algorithms' workspace. */
export function columnBytes(g: ConvGeom): number {
  return g.channels * g.kernelH * g.kernelW * g.outH * g.outW * 4;
}

/**
 * Runs `fn`, watching the backend's convolutions: the addon's cuDNN calls, the column-buffer
 * kernels launched (im2col, col2im: the fallback path) and the notices printed.
 */
export function watchConvolutions<T>(b: CudaBackend, fn: () => T): { result: T; cudnnCalls: number; columnKernels: number; notices: string[] } {
  const rt = b.runtime;
  const addon = rt.addon as unknown as Record<string, (...args: unknown[]) => unknown>;
  const kernels = rt.kernels as unknown as { launch: (name: string, ...rest: unknown[]) => void };
  const names = ['convForward', 'convBackwardData', 'convBackwardFilter'];
  const saved = names.map((n) => addon[n]);
  const launch = kernels.launch;
  const notice = rt.notice;
  let cudnnCalls = 0, columnKernels = 0;
  const notices: string[] = [];
  names.forEach((n, i) => {
    addon[n] = (...args: unknown[]) => {
      cudnnCalls++;
      return saved[i].apply(rt.addon, args);
    };
  });
  kernels.launch = (name: string, ...rest: unknown[]) => {
    if (/^(im2col|col2im)/.test(name)) columnKernels++;
    return launch.call(rt.kernels, name, ...rest);
  };
  rt.notice = (m: string) => {
    notices.push(m);
    notice.call(rt, m);
  };
  try {
    return { result: fn(), cudnnCalls, columnKernels, notices };
  } finally {
    names.forEach((n, i) => { addon[n] = saved[i]; });
    kernels.launch = launch;
    rt.notice = notice;
  }
}

/** The parameters (by key) whose gradients differ between two maps of them. */
export function differingParams(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  return [...a].filter(([key, g]) => g.some((v, j) => !Object.is(v, b.get(key)![j]))).map(([key]) => key);
}
