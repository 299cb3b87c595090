/**
 * Target "exchange": models from other tools, damaged, through the path of `cortado import` and
 * then training code. Each case takes one net (every layer case of the test harness that exports,
 * and the deploy nets of LeNet and CIFAR-10 quick and full), exports it to ONNX or Caffe with
 * Cortado's exporters, damages the files, and runs importOnnx / importCaffe, writes the imported
 * weights with saveWeights as the command does, builds the imported definition into a Net, loads
 * the weights file and runs a forward pass. ONNX files of other tools join them through
 * CORTADO_FUZZ_ONNX.
 *
 * Damage is of bytes (flipped, most often in the graph before the weights; cut) or of structure:
 * the decoded ONNX model or Caffe net edited (attributes, dims, inputs, nodes, initializers,
 * prototxt lines) and encoded again. Invalid by construction: an initializer whose dims disagree
 * with its values, and a NaN written into a weight.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsBackend } from '../src/backend/js/js-backend.js';
import { deployDefinition } from '../src/core/deploy.js';
import type { LayerConfig } from '../src/core/layer.js';
import { exportCaffe, importCaffe } from '../src/io/caffe/index.js';
import { decodeBinary, encodeBinary, type Msg as CaffeMsg } from '../src/io/caffe/codec.js';
import { decodeModel, encodeModel, FLOAT, type Msg } from '../src/io/onnx/codec.js';
import { exportOnnx, importOnnx } from '../src/io/onnx/index.js';
import { saveWeights, type ArrayEntry } from '../src/node/io/snapshot.js';
import { InputLayer } from '../src/layers/input.js';
import { Net } from '../src/node/net.js';
import { paramEntries } from '../src/node/snapshot.js';
import { layerCases } from '../test/harness/layer-cases.js';
import { accepted, classifyError, type CaseOutcome, type Validity } from './outcome.js';
import { namesIn } from './net-defs.js';
import type { FuzzRng } from './random.js';
import type { CaseContext } from './targets.js';

const backend = new JsBackend('float32');

interface Source {
  name: string;
  layers: LayerConfig[];
}

function example(path: string): LayerConfig[] {
  const def = JSON.parse(readFileSync(new URL(`../../examples/${path}`, import.meta.url), 'utf8')) as { layers: LayerConfig[] };
  return deployDefinition(def.layers);
}

/** The nets the cases start from (built lazily: a case exports only its own). */
const SOURCES: readonly (() => Source)[] = [
  () => ({ name: 'mnist/lenet.json', layers: example('mnist/lenet.json') }),
  () => ({ name: 'cifar10/quick.json', layers: example('cifar10/quick.json') }),
  () => ({ name: 'cifar10/full.json', layers: example('cifar10/full.json') }),
  ...layerCases.map((c) => () => ({
    name: `layer case ${c.name}`,
    layers: [...(c.config.bottoms ?? []).map((b, i): LayerConfig => ({ type: 'Input', name: `input_${b}`, tops: [b], shapes: [[...c.bottoms[i]!]] })), c.config],
  })),
];

interface Exported {
  name: string;
  layers: LayerConfig[];
  onnx?: Uint8Array;
  caffe?: { prototxt: string; caffemodel: Uint8Array };
}

/**
 * ONNX files of other tools named in CORTADO_FUZZ_ONNX (comma-separated paths), damaged as the
 * exported ones are: `CORTADO_FUZZ_ONNX=resnet.onnx,... npm run fuzz -- --target exchange`.
 */
const EXTRA: readonly Exported[] = (process.env.CORTADO_FUZZ_ONNX ?? '').split(',').filter(Boolean).map((f) => ({ name: f, layers: [], onnx: readFileSync(f) }));

const exported = new Map<number, Exported | null>();

/** Source `i` exported both ways (null: a net neither exporter writes, or one that does not build). */
function exportSource(i: number): Exported | null {
  if (i >= SOURCES.length) return EXTRA[i - SOURCES.length]!;
  if (exported.has(i)) return exported.get(i)!;
  let out: Exported | null = null;
  try {
    const src = SOURCES[i]!();
    const net = new Net(src.layers, { backend, phase: 'test', seed: 3 });
    try {
      out = { name: src.name, layers: src.layers };
      try { out.onnx = exportOnnx(net); } catch { /* not exportable to ONNX */ }
      try {
        const weights = paramEntries(net);
        out.caffe = exportCaffe(src.layers, weights);
      } catch { /* not exportable to Caffe */ }
      if (!out.onnx && !out.caffe) out = null;
    } finally {
      net.destroy();
    }
  } catch {
    out = null;
  }
  exported.set(i, out);
  return out;
}

interface Damaged {
  desc: string;
  validity: Validity;
}

function flipBytes(bytes: Uint8Array, rng: FuzzRng, head: boolean): Uint8Array {
  const out = Uint8Array.from(bytes);
  const span = head ? Math.min(out.length, 2000) : out.length;
  for (let k = 0, n = rng.int(1, head ? 3 : 8); k < n; k++) {
    const at = rng.int(0, span - 1);
    out[at] = out[at]! ^ (1 << rng.int(0, 7));
  }
  return out;
}

function damageBytes(bytes: Uint8Array, rng: FuzzRng): { out: Uint8Array } & Damaged {
  switch (rng.int(0, 2)) {
    case 0: return { out: flipBytes(bytes, rng, false), desc: 'bits flipped', validity: 'unknown' };
    case 1: return { out: flipBytes(bytes, rng, true), desc: 'bits flipped in the first 2,000 bytes', validity: 'unknown' };
    default: {
      const len = rng.int(0, bytes.length - 1);
      return { out: bytes.subarray(0, len), desc: `cut to ${len} of ${bytes.length} bytes`, validity: 'unknown' };
    }
  }
}

const ODD_INTS = [0, -1, 1, 2, 3, 7, 1000, 2 ** 31 - 1, -(2 ** 31), 2 ** 40];
const ODD_NAMES = ['', 'nowhere', 'data', 'x', 'input'];

/** Edits the decoded ONNX model in place; says what it did. */
function mutateOnnx(m: Msg, rng: FuzzRng, heavy: boolean): Damaged {
  const g = m.graph as Msg;
  const nodes = (g.node ?? []) as Msg[];
  const inits = (g.initializer ?? []) as Msg[];
  const inputs = ((g.input ?? []) as Msg[]).filter((v) => !inits.some((t) => t.name === v.name));
  const floatInits = inits.filter((t) => t.data_type === FLOAT && (t.float_data?.length || t.raw_data?.length));
  switch (rng.int(0, 8)) {
    case 0: {
      const withAttrs = nodes.filter((n) => (n.attribute ?? []).length > 0);
      if (!withAttrs.length) break;
      const n = rng.pick(withAttrs);
      const a = rng.pick(n.attribute as Msg[]);
      if (rng.chance(0.25)) {
        n.attribute = (n.attribute as Msg[]).filter((x) => x !== a);
        return { desc: `attribute "${a.name}" of node "${n.name}" (${n.op_type}) deleted`, validity: 'unknown' };
      }
      const v = rng.pick(ODD_INTS);
      if (a.ints?.length) a.ints[rng.int(0, a.ints.length - 1)] = v;
      else if (a.f !== undefined && a.type === 1) a.f = rng.pick([0, -1, NaN, Infinity, 1e30]);
      else a.i = v;
      return { desc: `attribute "${a.name}" of node "${n.name}" (${n.op_type}) set to ${v}`, validity: 'unknown' };
    }
    case 1: {
      if (!inits.length) break;
      const t = rng.pick(inits);
      const dims = (t.dims ?? []) as number[];
      if (dims.length && rng.chance(0.5)) dims[rng.int(0, dims.length - 1)] = rng.pick([0, 1, 3, 1000]);
      else t.dims = [...dims, rng.pick([1, 2])];
      const count = (t.dims as number[]).reduce((a, b) => a * Number(b), 1);
      const values = t.data_type === FLOAT ? (t.float_data?.length ?? (t.raw_data?.length ?? 0) / 4) : undefined;
      const invalid = values !== undefined && values > 0 && count !== values;
      return { desc: `dims of initializer "${t.name}" set to [${(t.dims as number[]).join(', ')}]`, validity: invalid ? 'invalid' : 'unknown' };
    }
    case 2: {
      if (!inits.length) break;
      const t = rng.pick(inits);
      g.initializer = inits.filter((x) => x !== t);
      return { desc: `initializer "${t.name}" removed`, validity: 'unknown' };
    }
    case 3: {
      if (!nodes.length) break;
      const n = rng.pick(nodes);
      if (!(n.input ?? []).length) break;
      const k = rng.int(0, n.input.length - 1);
      const to = rng.chance(0.5) ? rng.pick(ODD_NAMES) : rng.pick(nodes.flatMap((x) => x.output ?? []) as string[]);
      n.input[k] = to;
      return { desc: `input ${k} of node "${n.name}" (${n.op_type}) renamed "${to}"`, validity: 'unknown' };
    }
    case 4: {
      if (!nodes.length) break;
      const n = rng.pick(nodes);
      g.node = nodes.filter((x) => x !== n);
      return { desc: `node "${n.name}" (${n.op_type}) removed`, validity: 'unknown' };
    }
    case 5: {
      if (!nodes.length) break;
      const n = rng.pick(nodes);
      const op = rng.pick(['Conv', 'Relu', 'MaxPool', 'Gemm', 'Add', 'Concat', 'Softmax', 'Reshape', 'BatchNormalization', 'Transpose', 'Identity']);
      const was = n.op_type;
      n.op_type = op;
      return { desc: `node "${n.name}" (${was}) made a ${op}`, validity: 'unknown' };
    }
    case 6: {
      if (!inputs.length) break;
      const v = rng.pick(inputs);
      const dims = (v.type?.tensor_type?.shape?.dim ?? []) as Msg[];
      if (!dims.length) break;
      const d = rng.pick(dims);
      // A real net on an input 1000 wide takes longer than a case may (nothing wrong with it).
      const to = rng.pick(heavy ? [0, 1, 2, 5] : [0, 1, 2, 5, 1000]);
      d.dim_value = to;
      delete d.dim_param;
      return { desc: `a dimension of graph input "${v.name}" set to ${to}`, validity: 'unknown' };
    }
    case 7: {
      if (!floatInits.length) break;
      const t = rng.pick(floatInits);
      const values = t.float_data?.length ? Float32Array.from(t.float_data as number[]) : new Float32Array(Uint8Array.from(t.raw_data as Uint8Array).buffer);
      const at = rng.int(0, values.length - 1);
      const v = rng.pick([NaN, Infinity, -Infinity]);
      values[at] = v;
      if (t.float_data?.length) t.float_data = Array.from(values);
      else t.raw_data = new Uint8Array(values.buffer);
      return { desc: `value ${at} of initializer "${t.name}" set to ${v}`, validity: 'invalid' };
    }
    default: {
      const o = ((m.opset_import ?? []) as Msg[])[0];
      if (!o) break;
      o.version = rng.pick([1, 6, 9, 13, 30]);
      return { desc: `opset set to ${o.version}`, validity: 'unknown' };
    }
  }
  return { desc: 'undamaged', validity: 'unknown' };
}

function damageText(text: string, rng: FuzzRng): string {
  const lines = text.split('\n');
  const i = rng.int(0, lines.length - 1);
  switch (rng.int(0, 3)) {
    case 0: lines.splice(i, 1); break;
    case 1: lines[i] = lines[i]!.replace(/\d+(\.\d+)?/, () => String(rng.pick(ODD_INTS))); break;
    case 2: lines[i] = lines[i]!.replace(/"[^"]*"/, () => `"${rng.pick(ODD_NAMES)}"`); break;
    default: {
      const j = rng.int(0, lines.length - 1);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    }
  }
  return lines.join('\n');
}

/** Edits a blob of the decoded caffemodel in place. */
function mutateCaffemodel(m: CaffeMsg, rng: FuzzRng): Damaged {
  const blobs = ((m.layer ?? []) as CaffeMsg[]).flatMap((l) => ((l.blobs ?? []) as CaffeMsg[]).map((b) => ({ l, b })));
  if (!blobs.length) return { desc: 'undamaged', validity: 'unknown' };
  const { l, b } = rng.pick(blobs);
  if (rng.chance(0.5) && b.data?.length) {
    const at = rng.int(0, b.data.length - 1);
    const v = rng.pick([NaN, Infinity, -Infinity]);
    b.data[at] = v;
    return { desc: `value ${at} of a blob of layer "${l.name}" set to ${v}`, validity: 'invalid' };
  }
  const dims = (b.shape?.dim ?? []) as number[];
  if (!dims.length) return { desc: 'undamaged', validity: 'unknown' };
  dims[rng.int(0, dims.length - 1)] = rng.pick([0, 1, 3, 1000]);
  const count = dims.reduce((a, c) => a * Number(c), 1);
  return { desc: `shape of a blob of layer "${l.name}" set to [${dims.join(', ')}]`, validity: count !== b.data?.length ? 'invalid' : 'unknown' };
}

/** The names in a model (nodes, values, initializers) that a message may quote; none if it does not decode. */
function onnxNames(bytes: Uint8Array): string[] {
  try {
    const g = decodeModel(bytes, 'model.onnx').graph as Msg;
    const values = [...(g.input ?? []), ...(g.output ?? []), ...(g.initializer ?? [])].map((v: Msg) => v.name as string);
    const nodes = ((g.node ?? []) as Msg[]).flatMap((n) => [n.name, n.op_type, ...(n.input ?? []), ...(n.output ?? []), ...((n.attribute ?? []) as Msg[]).map((a) => a.name)]);
    return [...values, ...nodes].filter((n): n is string => typeof n === 'string');
  } catch {
    return [];
  }
}

export async function exchangeCase(rng: FuzzRng, ctx: CaseContext): Promise<CaseOutcome> {
  let src: Exported | null = null;
  // Files of other tools, when given, are drawn half the time.
  if (EXTRA.length && rng.chance(0.5)) src = exportSource(SOURCES.length + rng.int(0, EXTRA.length - 1));
  // Most layer cases export; a few tries find one that does.
  for (let k = 0; k < 8 && !src; k++) src = exportSource(rng.int(0, SOURCES.length - 1));
  if (!src) return { cls: 'ok', input: 'no exportable source drawn', detail: '' };
  const onnxFile = join(ctx.dir, 'model.onnx');
  const prototxtFile = join(ctx.dir, 'net.prototxt');
  const caffemodelFile = join(ctx.dir, 'net.caffemodel');
  const weightsFile = join(ctx.dir, 'weights.h5');
  const useOnnx = src.onnx && (!src.caffe || rng.chance(0.5));
  let damaged: Damaged;
  let read: () => { definition: { layers: LayerConfig[] }; weights: Map<string, ArrayEntry> };
  let names: string[];
  if (useOnnx) {
    let bytes = src.onnx!;
    if (rng.chance(0.5)) {
      const d = damageBytes(bytes, rng);
      bytes = d.out;
      damaged = d;
    } else {
      const m = decodeModel(bytes, onnxFile);
      damaged = mutateOnnx(m, rng, src.layers.length === 0);
      bytes = encodeModel(m);
    }
    damaged.desc = `ONNX of ${src.name}: ${damaged.desc}`;
    writeFileSync(onnxFile, bytes);
    read = () => importOnnx(bytes, { file: onnxFile });
    names = [onnxFile, ...onnxNames(bytes)];
  } else {
    let { prototxt, caffemodel } = src.caffe!;
    const how = rng.int(0, 2);
    if (how === 0) {
      prototxt = damageText(prototxt, rng);
      damaged = { desc: 'a prototxt line edited', validity: 'unknown' };
    } else if (how === 1) {
      const d = damageBytes(caffemodel, rng);
      caffemodel = d.out;
      damaged = { desc: `caffemodel ${d.desc}`, validity: d.validity };
    } else {
      const m = decodeBinary('NetParameter', caffemodel, caffemodelFile);
      damaged = mutateCaffemodel(m, rng);
      caffemodel = encodeBinary('NetParameter', m);
    }
    damaged.desc = `Caffe files of ${src.name}: ${damaged.desc}`;
    writeFileSync(prototxtFile, prototxt);
    writeFileSync(caffemodelFile, caffemodel);
    read = () => importCaffe(prototxt, caffemodel, { prototxtName: prototxtFile, caffemodelName: caffemodelFile });
    names = [prototxtFile, caffemodelFile, ...[...prototxt.matchAll(/"([^"]*)"/g)].map((q) => q[1]!)];
  }
  const input = damaged.desc;
  ctx.announce(input);
  // Layer by layer: namesIn leaves out lists of 64 entries or more.
  names.push(...src.layers.flatMap((l) => namesIn(l)));
  try {
    const imported = read();
    names.push(weightsFile, ...imported.definition.layers.flatMap((l) => namesIn(l)));
    await saveWeights(weightsFile, imported.weights);
    const net = new Net(imported.definition.layers, { backend, phase: 'test', seed: 1, memoryBudget: 128 * 2 ** 20 });
    try {
      await net.loadWeights(weightsFile);
      for (const l of net.layers) {
        if (!(l instanceof InputLayer)) continue;
        for (const top of l.config.tops ?? []) l.feed(top, new Float32Array(net.blob(top).count).fill(0.5));
      }
      net.forward();
    } finally {
      net.destroy();
    }
    return accepted(input, damaged.validity);
  } catch (e) {
    return classifyError(e, input, names);
  }
}
