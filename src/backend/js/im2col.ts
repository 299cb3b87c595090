/**
 * im2col and col2im for one image (Caffe's layout).
 *
 * The column matrix has channels·kernelH·kernelW rows and outH·outW columns:
 *   col[(c·kernelH + kh)·kernelW + kw, oh·outW + ow] = x[c, oh·strideH - padH + kh·dilationH,
 *                                                       ow·strideW - padW + kw·dilationW]
 * and 0 where the input position falls in the padding. col2im is its transpose: every column
 * entry is added back to the input position it was read from.
 *
 * The range of output positions that read inside the image is computed once per kernel offset,
 * so the inner loops carry no bounds tests.
 */
import type { ConvGeom, HostArray } from '../backend.js';

/** [lo, hi): the output indices o < out with 0 <= start + o·stride < size. */
function validRange(start: number, stride: number, size: number, out: number): [number, number] {
  const lo = Math.min(out, start >= 0 ? 0 : Math.ceil(-start / stride));
  const hi = Math.min(out, start > size - 1 ? 0 : Math.floor((size - 1 - start) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** col[colOff ...] = the column matrix of the image at x[xOff ...] (all `g.channels` channels). */
export function im2col(g: ConvGeom, x: HostArray, xOff: number, col: HostArray, colOff: number): void {
  const { channels, height: H, width: W, kernelH, kernelW, strideH, strideW, outH, outW } = g;
  let d = colOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * H * W;
    for (let kh = 0; kh < kernelH; kh++) {
      const rowStart = kh * g.dilationH - g.padH;
      const [ohLo, ohHi] = validRange(rowStart, strideH, H, outH);
      for (let kw = 0; kw < kernelW; kw++) {
        const colStart = kw * g.dilationW - g.padW;
        const [owLo, owHi] = validRange(colStart, strideW, W, outW);
        col.fill(0, d, d + ohLo * outW);
        d += ohLo * outW;
        for (let oh = ohLo; oh < ohHi; oh++) {
          const src = plane + (rowStart + oh * strideH) * W + colStart;
          let ow = 0;
          for (; ow < owLo; ow++) col[d++] = 0;
          if (strideW === 1) {
            for (; ow < owHi; ow++) col[d++] = x[src + ow];
          } else {
            for (; ow < owHi; ow++) col[d++] = x[src + ow * strideW];
          }
          for (; ow < outW; ow++) col[d++] = 0;
        }
        col.fill(0, d, d + (outH - ohHi) * outW);
        d += (outH - ohHi) * outW;
      }
    }
  }
}

/** x[xOff ...] = col2im(col[colOff ...]): overwrites the image, summing overlapping windows. */
export function col2im(g: ConvGeom, col: HostArray, colOff: number, x: HostArray, xOff: number): void {
  const { channels, height: H, width: W, kernelH, kernelW, strideH, strideW, outH, outW } = g;
  x.fill(0, xOff, xOff + channels * H * W);
  let d = colOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * H * W;
    for (let kh = 0; kh < kernelH; kh++) {
      const rowStart = kh * g.dilationH - g.padH;
      const [ohLo, ohHi] = validRange(rowStart, strideH, H, outH);
      for (let kw = 0; kw < kernelW; kw++) {
        const colStart = kw * g.dilationW - g.padW;
        const [owLo, owHi] = validRange(colStart, strideW, W, outW);
        for (let oh = ohLo; oh < ohHi; oh++) {
          const dst = plane + (rowStart + oh * strideH) * W + colStart;
          const s = d + oh * outW;
          for (let ow = owLo; ow < owHi; ow++) x[dst + ow * strideW] += col[s + ow];
        }
        d += outH * outW;
      }
    }
  }
}
