/**
 * WGSL kernels of convolution and pooling, direct (no im2col workspace): one invocation per
 * output element, which loops over everything that element sums, so backward passes gather
 * instead of scattering and nothing races.
 *
 * Convolution words: [0 n, 1 num, 2 channels, 3 height, 4 width, 5 numOutput, 6 group, 7 kernelH,
 * 8 kernelW, 9 strideH, 10 strideW, 11 padH, 12 padW, 13 dilationH, 14 dilationW, 15 outH, 16 outW,
 * then the operands at 17, 18, 19].
 * Pooling words: [0 n, 1 height, 2 width, 3 outH, 4 outW, 5 kernelH, 6 kernelW, 7 strideH,
 * 8 strideW, 9 padH, 10 padW, 11 max?, then the operands at 12, 13, 14].
 */
import { elementwise } from './wgsl-common.js';

const CONV = /* wgsl */ `
struct Conv { num: u32, C: u32, H: u32, W: u32, NO: u32, G: u32, kH: u32, kW: u32,
  sH: u32, sW: u32, pH: u32, pW: u32, dH: u32, dW: u32, oH: u32, oW: u32 }
fn conv() -> Conv {
  return Conv(u(1), u(2), u(3), u(4), u(5), u(6), u(7), u(8), u(9), u(10), u(11), u(12), u(13), u(14), u(15), u(16));
}`;

const POOL = /* wgsl */ `
// The window of output o along an axis: [lo, hi) inside the image and its span within the
// padded input (the mean's divisor), as the TypeScript reference computes them.
fn window(o: u32, stride: u32, pad: u32, kernel: u32, size: u32) -> vec3<i32> {
  let start = i32(o * stride) - i32(pad);
  let end = min(start + i32(kernel), i32(size + pad));
  return vec3<i32>(max(start, 0), min(end, i32(size)), end - start);
}`;

function withHelpers(helpers: string, body: string): string {
  return elementwise(body).replace('@compute', `${helpers}\n@compute`);
}

export const convKernels: Record<string, string> = {
  /** [.. 17 x, 18 w, 19 y] y = conv(x, w), one invocation per output element */
  convForward: withHelpers(CONV, `
  let g = conv();
  let ow = i % g.oW;
  let oh = (i / g.oW) % g.oH;
  let oc = (i / (g.oW * g.oH)) % g.NO;
  let n = i / (g.oW * g.oH * g.NO);
  let cg = g.C / g.G;
  let c0 = (oc / (g.NO / g.G)) * cg;
  var acc = 0.0;
  for (var c = 0u; c < cg; c++) {
    for (var kh = 0u; kh < g.kH; kh++) {
      let ih = i32(oh * g.sH + kh * g.dH) - i32(g.pH);
      if (ih < 0 || ih >= i32(g.H)) { continue; }
      for (var kw = 0u; kw < g.kW; kw++) {
        let iw = i32(ow * g.sW + kw * g.dW) - i32(g.pW);
        if (iw < 0 || iw >= i32(g.W)) { continue; }
        acc += m[u(17) + ((n * g.C + c0 + c) * g.H + u32(ih)) * g.W + u32(iw)]
             * m[u(18) + ((oc * cg + c) * g.kH + kh) * g.kW + kw];
      }
    }
  }
  m[u(19) + i] = acc;`),
  /** [.. 17 dy, 18 w, 19 dx] dx = conv_transpose(dy, w), one invocation per input element */
  convBackwardData: withHelpers(CONV, `
  let g = conv();
  let iw = i % g.W;
  let ih = (i / g.W) % g.H;
  let c = (i / (g.W * g.H)) % g.C;
  let n = i / (g.W * g.H * g.C);
  let cg = g.C / g.G;
  let og = g.NO / g.G;
  let cl = c % cg;
  let oc0 = (c / cg) * og;
  var acc = 0.0;
  for (var kh = 0u; kh < g.kH; kh++) {
    let th = i32(ih + g.pH) - i32(kh * g.dH);
    if (th < 0 || th % i32(g.sH) != 0) { continue; }
    let oh = u32(th) / g.sH;
    if (oh >= g.oH) { continue; }
    for (var kw = 0u; kw < g.kW; kw++) {
      let tw = i32(iw + g.pW) - i32(kw * g.dW);
      if (tw < 0 || tw % i32(g.sW) != 0) { continue; }
      let ow = u32(tw) / g.sW;
      if (ow >= g.oW) { continue; }
      for (var o = 0u; o < og; o++) {
        let oc = oc0 + o;
        acc += m[u(17) + ((n * g.NO + oc) * g.oH + oh) * g.oW + ow]
             * m[u(18) + ((oc * cg + cl) * g.kH + kh) * g.kW + kw];
      }
    }
  }
  m[u(19) + i] = acc;`),
  /** [.. 17 x, 18 dy, 19 dw] dw += Σ x dy, one invocation per weight */
  convBackwardFilter: withHelpers(CONV, `
  let g = conv();
  let cg = g.C / g.G;
  let kw = i % g.kW;
  let kh = (i / g.kW) % g.kH;
  let cl = (i / (g.kW * g.kH)) % cg;
  let oc = i / (g.kW * g.kH * cg);
  let c = (oc / (g.NO / g.G)) * cg + cl;
  var acc = 0.0;
  for (var n = 0u; n < g.num; n++) {
    for (var oh = 0u; oh < g.oH; oh++) {
      let ih = i32(oh * g.sH + kh * g.dH) - i32(g.pH);
      if (ih < 0 || ih >= i32(g.H)) { continue; }
      for (var ow = 0u; ow < g.oW; ow++) {
        let iw = i32(ow * g.sW + kw * g.dW) - i32(g.pW);
        if (iw < 0 || iw >= i32(g.W)) { continue; }
        acc += m[u(17) + ((n * g.C + c) * g.H + u32(ih)) * g.W + u32(iw)]
             * m[u(18) + ((n * g.NO + oc) * g.oH + oh) * g.oW + ow];
      }
    }
  }
  m[u(19) + i] = m[u(19) + i] + acc;`),
  /** [.. 12 x, 13 y, 14 mask] one invocation per output */
  poolForward: withHelpers(POOL, `
  let ow = i % u(4);
  let oh = (i / u(4)) % u(3);
  let plane = u(12) + (i / (u(3) * u(4))) * u(1) * u(2);
  let r = window(oh, u(7), u(9), u(5), u(1));
  let q = window(ow, u(8), u(10), u(6), u(2));
  if (r.x >= r.y || q.x >= q.y) {
    m[u(13) + i] = 0.0;
    if (u(11) != 0u) { m[u(14) + i] = -1.0; }
    return;
  }
  if (u(11) != 0u) {
    var best = u32(r.x) * u(2) + u32(q.x);
    var bestV = m[plane + best];
    for (var h = r.x; h < r.y; h++) {
      for (var w = q.x; w < q.y; w++) {
        let at = u32(h) * u(2) + u32(w);
        let v = m[plane + at];
        if (v > bestV) { bestV = v; best = at; }
      }
    }
    m[u(13) + i] = bestV;
    m[u(14) + i] = f32(best);
  } else {
    var sum = 0.0;
    for (var h = r.x; h < r.y; h++) {
      for (var w = q.x; w < q.y; w++) { sum += m[plane + u32(h) * u(2) + u32(w)]; }
    }
    m[u(13) + i] = sum / f32(r.z * q.z);
  }`),
  /** [.. 12 dy, 13 mask, 14 dx] one invocation per input element, over the windows that hold it */
  poolBackward: withHelpers(POOL, `
  let w = i % u(2);
  let h = (i / u(2)) % u(1);
  let pl = i / (u(1) * u(2));
  let out = pl * u(3) * u(4);
  // outputs whose window starts at or before h and ends after it
  let hFirst = max(i32(h + u(9)) - i32(u(5)) + i32(u(7)), 0) / i32(u(7));
  let hLast = min((i32(h + u(9))) / i32(u(7)), i32(u(3)) - 1);
  let wFirst = max(i32(w + u(10)) - i32(u(6)) + i32(u(8)), 0) / i32(u(8));
  let wLast = min((i32(w + u(10))) / i32(u(8)), i32(u(4)) - 1);
  let at = f32(h * u(2) + w);
  var acc = 0.0;
  for (var oh = hFirst; oh <= hLast; oh++) {
    for (var ow = wFirst; ow <= wLast; ow++) {
      let o = out + u32(oh) * u(4) + u32(ow);
      if (u(11) != 0u) {
        if (m[u(13) + o] == at) { acc += m[u(12) + o]; }
      } else {
        let r = window(u32(oh), u(7), u(9), u(5), u(1));
        let q = window(u32(ow), u(8), u(10), u(6), u(2));
        acc += m[u(12) + o] / f32(r.z * q.z);
      }
    }
  }
  m[u(14) + i] = acc;`),
};
