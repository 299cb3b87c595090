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
 * A window that misses the image entirely (Caffe's size rule allows one when stride > kernel and
 * there is no padding) gives y = 0, mask = -1 and no gradient, as on every backend.
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

/**
 * The windows of the `out` outputs along one axis of length `size`: output o reads [lo[o], hi[o])
 * (its window clipped to the image), and span[o] is its extent clipped to the padded input only,
 * the mean's divisor along this axis.
 */
interface Windows { lo: number[]; hi: number[]; span: number[] }

function windows(out: number, stride: number, pad: number, kernel: number, size: number): Windows {
  const lo: number[] = [];
  const hi: number[] = [];
  const span: number[] = [];
  for (let o = 0; o < out; o++) {
    const start = o * stride - pad;
    const end = Math.min(start + kernel, size + pad);
    lo.push(Math.max(start, 0));
    hi.push(Math.min(end, size));
    span.push(end - start);
  }
  return { lo, hi, span };
}

export function poolForward(g: PoolGeom, method: PoolMethod, x: HostArray, y: HostArray, mask: HostArray): void {
  check('poolForward', g, x, y, method === 'max' ? mask : null);
  const { height: H, width: W, outH, outW } = g;
  const planes = g.num * g.channels;
  const isMax = method === 'max';
  const rows = windows(outH, g.strideH, g.padH, g.kernelH, H);
  const cols = windows(outW, g.strideW, g.padW, g.kernelW, W);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const hs = rows.lo[oh];
      const he = rows.hi[oh];
      for (let ow = 0; ow < outW; ow++, o++) {
        const ws = cols.lo[ow];
        const we = cols.hi[ow];
        if (hs >= he || ws >= we) {
          // Caffe's output size can leave a last window past the image (stride > kernel, no pad).
          y[o] = 0;
          if (isMax) mask[o] = -1;
        } else if (isMax) {
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
          y[o] = sum / (rows.span[oh] * cols.span[ow]);
        }
      }
    }
  }
}

export function poolBackward(g: PoolGeom, method: PoolMethod, dy: HostArray, mask: HostArray, dx: HostArray): void {
  check('poolBackward', g, dx, dy, method === 'max' ? mask : null);
  const { height: H, width: W, outH, outW } = g;
  const planes = g.num * g.channels;
  const plane = H * W;
  dx.fill(0, 0, planes * plane);
  let o = 0;
  if (method === 'max') {
    for (let pl = 0; pl < planes; pl++) {
      const base = pl * plane;
      const end = o + outH * outW;
      for (; o < end; o++) if (mask[o] >= 0) dx[base + mask[o]] += dy[o];
    }
    return;
  }
  const rows = windows(outH, g.strideH, g.padH, g.kernelH, H);
  const cols = windows(outW, g.strideW, g.padW, g.kernelW, W);
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * plane;
    for (let oh = 0; oh < outH; oh++) {
      const hs = rows.lo[oh];
      const he = rows.hi[oh];
      for (let ow = 0; ow < outW; ow++, o++) {
        const ws = cols.lo[ow];
        const we = cols.hi[ow];
        const v = dy[o] / (rows.span[oh] * cols.span[ow]);
        for (let h = hs; h < he; h++) {
          const row = base + h * W;
          for (let w = ws; w < we; w++) dx[row + w] += v;
        }
      }
    }
  }
}
