/**
 * 2-d max and mean pooling, Caffe's semantics, over each [height, width] plane of the input.
 *
 * The window of output (oh, ow) starts at (oh·strideH - padH, ow·strideW - padW) and spans
 * kernelH × kernelW, clipped to the image.
 *   max   y = the largest input in the window; mask = its index h·width + w within the plane,
 *         the first one in row-major order on ties.  dx[mask] += dy.
 *   mean  y = sum of the window / size, where size is the window clipped to the padded input
 *         (height + padH, width + padW) BEFORE clipping to the image, so padding counts as zeros
 *         except past the bottom/right padding (Caffe's AVE).  dx += dy / size over the window.
 */
import type { HostArray, PoolGeom, PoolMethod } from '../backend.js';
import { BackendError } from '../../core/errors.js';

function check(op: string, g: PoolGeom, x: HostArray, y: HostArray, mask: HostArray | null): void {
  const planes = g.num * g.channels;
  if (g.padH >= g.kernelH || g.padW >= g.kernelW) {
    throw new BackendError(`js backend ${op}: padding ${g.padH}×${g.padW} must be smaller than the kernel ${g.kernelH}×${g.kernelW}`);
  }
  const fail = (name: string, buf: HostArray, n: number) => {
    throw new BackendError(`js backend ${op}: ${name} has ${buf.length} elements, needs ${n} (${planes} planes)`);
  };
  if (x.length < planes * g.height * g.width) fail('input', x, planes * g.height * g.width);
  if (y.length < planes * g.outH * g.outW) fail('output', y, planes * g.outH * g.outW);
  if (mask && mask.length < planes * g.outH * g.outW) fail('mask', mask, planes * g.outH * g.outW);
}

export function poolForward(g: PoolGeom, method: PoolMethod, x: HostArray, y: HostArray, mask: HostArray): void {
  check('poolForward', g, x, y, method === 'max' ? mask : null);
  const { height: H, width: W, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW } = g;
  const planes = g.num * g.channels;
  const isMax = method === 'max';
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - padH;
      const hPad = Math.min(h0 + kernelH, H + padH);
      const hs = Math.max(h0, 0);
      const he = Math.min(hPad, H);
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * strideW - padW;
        const wPad = Math.min(w0 + kernelW, W + padW);
        const ws = Math.max(w0, 0);
        const we = Math.min(wPad, W);
        if (isMax) {
          let best = hs * W + ws;
          let bestVal = x[base + best];
          for (let h = hs; h < he; h++) {
            const row = h * W;
            for (let w = ws; w < we; w++) {
              const v = x[base + row + w];
              if (v > bestVal) { bestVal = v; best = row + w; }
            }
          }
          y[o] = bestVal;
          mask[o] = best;
        } else {
          let sum = 0;
          for (let h = hs; h < he; h++) {
            const row = base + h * W;
            for (let w = ws; w < we; w++) sum += x[row + w];
          }
          y[o] = sum / ((hPad - h0) * (wPad - w0));
        }
      }
    }
  }
}

export function poolBackward(g: PoolGeom, method: PoolMethod, dy: HostArray, mask: HostArray, dx: HostArray): void {
  check('poolBackward', g, dx, dy, method === 'max' ? mask : null);
  const { height: H, width: W, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW } = g;
  const planes = g.num * g.channels;
  const plane = H * W;
  dx.fill(0, 0, planes * plane);
  let o = 0;
  if (method === 'max') {
    for (let pl = 0; pl < planes; pl++) {
      const base = pl * plane;
      const end = o + outH * outW;
      for (; o < end; o++) dx[base + mask[o]] += dy[o];
    }
    return;
  }
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * plane;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - padH;
      const hPad = Math.min(h0 + kernelH, H + padH);
      const hs = Math.max(h0, 0);
      const he = Math.min(hPad, H);
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * strideW - padW;
        const wPad = Math.min(w0 + kernelW, W + padW);
        const ws = Math.max(w0, 0);
        const we = Math.min(wPad, W);
        const v = dy[o] / ((hPad - h0) * (wPad - w0));
        for (let h = hs; h < he; h++) {
          const row = base + h * W;
          for (let w = ws; w < we; w++) dx[row + w] += v;
        }
      }
    }
  }
}
