/**
 * Shared by the ONNX tests: onnxruntime-node when installed (it is not a dependency: CI installs
 * it with --no-save; tests that need it skip with this reason when it is absent), running a model,
 * and the layer cases as deploy nets.
 */
import type { LayerConfig } from '../../../src/core/layer.js';
import type { LayerCase } from '../../harness/layer-cases.js';
import { caseInputs } from '../../harness/run-case.js';

type Ort = typeof import('onnxruntime-node');

let ort: Ort | null | undefined;
let why = '';

/** onnxruntime-node, or null (then `ortMissing()` says why). */
export async function loadOrt(): Promise<Ort | null> {
  if (ort !== undefined) return ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (e) {
    ort = null;
    why = `onnxruntime-node is not installed (npm install --no-save onnxruntime-node@1.30.0): ${(e as Error).message.split('\n')[0]}`;
  }
  return ort;
}

export const ortMissing = () => why;

/** Runs a model on float32 feeds (int64 or bool where marked, from whole numbers); returns every output by name. */
export async function runOrt(model: Uint8Array, feeds: Record<string, { values: ArrayLike<number>; shape: readonly number[]; int64?: boolean; bool?: boolean }>): Promise<Map<string, { data: Float32Array; dims: number[] }>> {
  const o = (await loadOrt())!;
  const session = await o.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
  const tensorOf = (v: (typeof feeds)[string]) => {
    if (v.int64) return new o.Tensor('int64', BigInt64Array.from(Array.from(v.values, (n) => BigInt(n))), v.shape);
    if (v.bool) return new o.Tensor('bool', Uint8Array.from(v.values), v.shape);
    return new o.Tensor('float32', Float32Array.from(v.values), v.shape);
  };
  const tensors = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tensorOf(v)]));
  const out = await session.run(tensors);
  return new Map(Object.entries(out).map(([k, t]) => [k, { data: Float32Array.from(t.data as Float32Array), dims: [...t.dims] }]));
}

/** The case's layer behind one Input layer per bottom. */
export function withInput(c: LayerCase): LayerConfig[] {
  const names = c.config.bottoms ?? [];
  return [...names.map((b, i): LayerConfig => ({ type: 'Input', name: `input_${b}`, tops: [b], shapes: [[...c.bottoms[i]]] })), c.config];
}

/** The case's inputs by bottom name. */
export function inputsOf(c: LayerCase, seed = 11): Record<string, Float64Array> {
  const values = caseInputs(c, seed);
  return Object.fromEntries((c.config.bottoms ?? []).map((b, i) => [b, values[i]]));
}

/** Largest |a - b| / max(1, |a|) (Infinity when lengths differ). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return Number.isNaN(m) ? Infinity : m;
}
