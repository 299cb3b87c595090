/**
 * Convolution by im2col + GEMM, one image at a time, one GEMM per group (Caffe's scheme).
 *
 * With Cg = channels / group input channels and Mg = numOutput / group filters per group,
 * Kg = Cg·kernelH·kernelW and P = outH·outW, for image n and group g:
 *   forward          y[n, g]  = W[g] (Mg×Kg) · col[g] (Kg×P)
 *   backward data    col[g]   = W[g]ᵀ · dy[n, g],  then dx[n] = col2im(col)
 *   backward filter  dW[g]   += dy[n, g] · col[g]ᵀ
 * where col = im2col(x[n]) holds every group's rows, stacked.
 *
 * Workspace: one image's column matrix, channels·kernelH·kernelW·outH·outW elements. A 1×1
 * kernel with stride 1 and no padding needs no im2col: x itself is the column matrix.
 */
import type { ConvGeom, HostArray } from '../backend.js';
import { BackendError } from '../../core/errors.js';
import type { Gemm } from './gemm.js';
import { col2im, im2col } from './im2col.js';

export function convWorkspaceSize(g: ConvGeom): number {
  return g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
}

function isPointwise(g: ConvGeom): boolean {
  return g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.strideW === 1 &&
    g.padH === 0 && g.padW === 0;
}

/** Throws when the geometry is inconsistent or a buffer is too short for it. */
export function checkConv(op: string, g: ConvGeom, x: HostArray, w: HostArray, y: HostArray, ws: HostArray): void {
  const fail = (what: string) => { throw new BackendError(`js backend ${op}: ${what}`); };
  if (g.channels % g.group !== 0 || g.numOutput % g.group !== 0) {
    fail(`channels ${g.channels} and numOutput ${g.numOutput} must both be divisible by group ${g.group}`);
  }
  const outH = Math.floor((g.height + 2 * g.padH - (g.dilationH * (g.kernelH - 1) + 1)) / g.strideH) + 1;
  const outW = Math.floor((g.width + 2 * g.padW - (g.dilationW * (g.kernelW - 1) + 1)) / g.strideW) + 1;
  if (outH !== g.outH || outW !== g.outW) fail(`output ${g.outH}×${g.outW} given, geometry gives ${outH}×${outW}`);
  const need = (name: string, buf: HostArray, n: number) => {
    if (buf.length < n) fail(`${name} has ${buf.length} elements, needs ${n}`);
  };
  need('input', x, g.num * g.channels * g.height * g.width);
  need('weights', w, g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW);
  need('output', y, g.num * g.numOutput * g.outH * g.outW);
  if (!isPointwise(g)) need('workspace', ws, convWorkspaceSize(g));
}

/**
 * The column matrix of the image at x[xOff ...], as [array, offset]: x itself for a pointwise
 * kernel, else im2col of the image written to the start of the workspace.
 */
function imageColumns(g: ConvGeom, x: HostArray, xOff: number, ws: HostArray): [HostArray, number] {
  if (isPointwise(g)) return [x, xOff];
  im2col(g, x, xOff, ws, 0);
  return [ws, 0];
}

interface Dims { Kg: number; Mg: number; P: number; imageIn: number; imageOut: number }

function dims(g: ConvGeom): Dims {
  const P = g.outH * g.outW;
  return {
    Kg: (g.channels / g.group) * g.kernelH * g.kernelW,
    Mg: g.numOutput / g.group,
    P,
    imageIn: g.channels * g.height * g.width,
    imageOut: g.numOutput * P,
  };
}

export function convForward(gemm: Gemm, g: ConvGeom, x: HostArray, w: HostArray, y: HostArray, ws: HostArray): void {
  checkConv('convForward', g, x, w, y, ws);
  const { Kg, Mg, P, imageIn, imageOut } = dims(g);
  for (let n = 0; n < g.num; n++) {
    const [col, colOff] = imageColumns(g, x, n * imageIn, ws);
    for (let gi = 0; gi < g.group; gi++) {
      gemm.run(false, false, Mg, P, Kg, 1, w, gi * Mg * Kg, col, colOff + gi * Kg * P,
        0, y, n * imageOut + gi * Mg * P);
    }
  }
}

export function convBackwardData(gemm: Gemm, g: ConvGeom, dy: HostArray, w: HostArray, dx: HostArray, ws: HostArray): void {
  checkConv('convBackwardData', g, dx, w, dy, ws);
  const { Kg, Mg, P, imageIn, imageOut } = dims(g);
  const direct = isPointwise(g);
  for (let n = 0; n < g.num; n++) {
    const col = direct ? dx : ws;
    const colOff = direct ? n * imageIn : 0;
    for (let gi = 0; gi < g.group; gi++) {
      gemm.run(true, false, Kg, P, Mg, 1, w, gi * Mg * Kg, dy, n * imageOut + gi * Mg * P,
        0, col, colOff + gi * Kg * P);
    }
    if (!direct) col2im(g, ws, 0, dx, n * imageIn);
  }
}

export function convBackwardFilter(gemm: Gemm, g: ConvGeom, x: HostArray, dy: HostArray, dw: HostArray, ws: HostArray): void {
  checkConv('convBackwardFilter', g, x, dw, dy, ws);
  const { Kg, Mg, P, imageIn, imageOut } = dims(g);
  for (let n = 0; n < g.num; n++) {
    const [col, colOff] = imageColumns(g, x, n * imageIn, ws);
    for (let gi = 0; gi < g.group; gi++) {
      gemm.run(false, true, Mg, Kg, P, 1, dy, n * imageOut + gi * Mg * P, col, colOff + gi * Kg * P,
        1, dw, gi * Mg * Kg);
    }
  }
}
