/**
 * What every WGSL kernel of the WebGPU backend shares: the arena bound as one read-write float
 * array `m` (every operand is an element offset into it), a 256-byte uniform slot of parameter
 * words read with u(i) (u32), f(i) (f32 bits) and s(i) (i32 bits), and two entry-point shapes.
 *
 * Element kernels run one invocation per output element: `elementwise(body)` gives `i`, the
 * element number, already checked against u(0). Workgroups are laid out in 2-d (x up to 65535)
 * so that a kernel reaches 2^32 elements.
 */
import { DEVICE_ERROR } from '../kernel-abi.js';

export const PRELUDE = /* wgsl */ `
struct Params { v: array<vec4<u32>, 16> }
@group(0) @binding(0) var<storage, read_write> m: array<f32>;
@group(0) @binding(1) var<uniform> P: Params;
fn u(i: u32) -> u32 { return P.v[i / 4u][i % 4u]; }
fn f(i: u32) -> f32 { return bitcast<f32>(u(i)); }
fn s(i: u32) -> i32 { return bitcast<i32>(u(i)); }
// The arena's first element is the error flag, read back (and cleared) with every download, and
// its fourth the failing position (a label's or an index's) as u32 bits.
fn fail(code: f32, at: u32) { m[3] = bitcast<f32>(at); m[0] = code; }
const FLT_MIN: f32 = 1.17549435e-38;
// From the bits: compilers may treat x != x as false, and max(NaN, y) may give y.
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
`;

/** Math.pow in f32: WGSL's pow is undefined for a <= 0, so those cases are spelled out. */
export const POWX = /* wgsl */ `
fn powx(a: f32, p: f32) -> f32 {
  if (p == 0.0) { return 1.0; }
  if (a > 0.0) { return pow(a, p); }
  let whole = p == trunc(p);
  if (a == 0.0) { return select(1.0 / a, 0.0, p > 0.0); }
  if (!whole) { return sqrt(a); }
  let r = pow(-a, p);
  return select(r, -r, trunc(p * 0.5) * 2.0 != p);
}`;

/** Threads per workgroup of every element and reduction kernel. */
export const WORKGROUP = 256;

/** A kernel with one invocation per element i < u(0); `helpers` are module-scope declarations it uses. */
export function elementwise(body: string, helpers = ''): string {
  return `${PRELUDE}
${helpers}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nw.x + wg.x) * 256u + li;
  if (i >= u(0)) { return; }
${body}
}`;
}

/**
 * A kernel with one workgroup per row r < u(0) (workgroups laid out as for `elementwise`), its 256
 * invocations `li` across the row; rowMax(v, li) and rowSum(v, li) reduce over the workgroup and
 * give every invocation the result (a fixed tree: the same order every run).
 */
export function rowwise(body: string, helpers = ''): string {
  return `${PRELUDE}
${helpers}
var<workgroup> rr: array<f32, 256>;
fn rowReduce(v: f32, li: u32, isMax: bool) -> f32 {
  workgroupBarrier();  // an earlier reduction may still be reading rr[0]
  rr[li] = v;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h >>= 1u) {
    if (li < h) { rr[li] = select(rr[li] + rr[li + h], max(rr[li], rr[li + h]), isMax); }
    workgroupBarrier();
  }
  return rr[0];
}
fn rowMax(v: f32, li: u32) -> f32 { return rowReduce(v, li, true); }
fn rowSum(v: f32, li: u32) -> f32 { return rowReduce(v, li, false); }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let r = wg.y * nw.x + wg.x;
  if (r >= u(0)) { return; }
${body}
}`;
}

/**
 * A single-workgroup reduction: `loop` runs for each j < u(0) (strided over the 256 invocations)
 * and adds to the private sums a and b; `finish` runs once with their totals in a and b.
 */
export function reduction(loop: string, finish: string, helpers = ''): string {
  return `${PRELUDE}
${helpers}
var<workgroup> ra: array<f32, 256>;
var<workgroup> rb: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  var a = 0.0;
  var b = 0.0;
  for (var j = li; j < u(0); j += 256u) {
${loop}
  }
  ra[li] = a;
  rb[li] = b;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h >>= 1u) {
    if (li < h) {
      ra[li] += ra[li + h];
      rb[li] += rb[li + h];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    a = ra[0];
    b = rb[0];
${finish}
  }
}`;
}

/**
 * The class index of a label stored as a float (truncated, as Caffe casts it): -1 when it is the
 * ignore label (u(hi) != 0 and it equals f(hi + 1)), -2 when it is not a class in [0, classes).
 */
export const LABEL = /* wgsl */ `
fn labelOf(v: f32, classes: u32, hasIgnore: u32, ignore: f32) -> i32 {
  let t = trunc(v);
  if (hasIgnore != 0u && t == ignore) { return -1; }
  if (!(t >= 0.0 && t < f32(classes))) { return -2; }
  return i32(t);
}`;

/** Error flag codes (the flag holds the code of a kernel that failed since the last download). */
export const FLAG = DEVICE_ERROR;
