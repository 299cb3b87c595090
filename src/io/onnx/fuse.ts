/**
 * Rewrites of the imported layers, after every node is in: the exact GELU that PyTorch and
 * exportOnnx write as ONNX nodes (opset 17 has no Gelu),
 *
 *   x / √2 → Erf → + 1 → × x → × 0.5        (nn.GELU)
 *
 * or any order of the same product, arrives as Power (x/√2), Erf, affine Powers and one Eltwise
 * PROD with x. When every value between them is read only by the next of them, the chain is one
 * GELU layer, named as the chain's last layer, whose top is the chain's last value. Anything else keeps its
 * layers (an Erf layer computes erf on its own).
 */
import type { LayerConfig } from '../../core/layer.js';

const CLOSE = 1e-6;
const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

/** Power with power 1: its (scale, shift), else null. */
function affine(l: LayerConfig | undefined): [number, number] | null {
  if (!l || l.type !== 'Power' || num(l.power, 1) !== 1) return null;
  return [num(l.scale, 1), num(l.shift, 0)];
}

/** Replaces each GELU chain of `layers` (in place) by one GELU layer; `outputs` are the graph's outputs. */
export function fuseGelu(layers: LayerConfig[], outputs: readonly string[]): void {
  for (;;) {
    const chain = findChain(layers, outputs);
    if (!chain) return;
    const at = Math.max(...chain.remove.map((l) => layers.indexOf(l)));
    layers.splice(at, 1, { type: 'GELU', name: chain.name, bottoms: [chain.input], tops: [chain.output] });
    for (const l of chain.remove) {
      const i = layers.indexOf(l);
      if (i >= 0) layers.splice(i, 1);
    }
  }
}

function findChain(layers: LayerConfig[], outputs: readonly string[]) {
  const readers = (v: string) => layers.filter((l) => l.bottoms?.includes(v));
  const producer = (v: string) => layers.find((l) => l.tops?.includes(v));
  /** The one layer reading `v`, when v is no graph output. */
  const only = (v: string) => {
    const r = readers(v);
    return r.length === 1 && !outputs.includes(v) ? r[0] : undefined;
  };
  for (const erf of layers) {
    if (erf.type !== 'Erf') continue;
    const pre = producer(erf.bottoms![0]!);
    const p = affine(pre);
    if (!p || p[1] !== 0 || Math.abs(p[0] * Math.SQRT2 - 1) > CLOSE || only(erf.bottoms![0]!) !== erf) continue;
    const x = pre!.bottoms![0]!;
    const remove: LayerConfig[] = [pre!, erf];
    // value = alpha erf + beta, then times gamma x
    let [alpha, beta, gamma] = [1, 0, 1];
    let v = erf.tops![0]!;
    let next = only(v);
    for (let a = affine(next); next && a; next = only(v), a = affine(next)) {
      [alpha, beta] = [a[0] * alpha, a[0] * beta + a[1]];
      remove.push(next);
      v = next.tops![0]!;
    }
    if (!next || next.type !== 'Eltwise' || next.operation !== 'PROD' || next.bottoms?.length !== 2) continue;
    const w = next.bottoms[0] === v ? next.bottoms[1]! : next.bottoms[0]!;
    if (w !== x) {
      const half = producer(w);
      const a = affine(half);
      if (!a || a[1] !== 0 || half!.bottoms![0] !== x || only(w) !== next) continue;
      gamma = a[0];
      remove.push(half!);
    }
    remove.push(next);
    v = next.tops![0]!;
    for (let k = only(v), a = affine(k); k && a && a[1] === 0; k = only(v), a = affine(k)) {
      gamma *= a[0];
      remove.push(k);
      v = k.tops![0]!;
    }
    if (Math.abs(alpha * gamma - 0.5) > CLOSE || Math.abs(beta * gamma - 0.5) > CLOSE) continue;
    return { name: remove[remove.length - 1]!.name, input: x, output: v, remove };
  }
  return null;
}
