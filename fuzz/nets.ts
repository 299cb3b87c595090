/**
 * Target "nets": mutated net definitions built on the js backend, then one forward and backward
 * pass when they build. Mutations: field mutations (mutate.ts) of a layer or of a nested object,
 * and structural ones: a duplicated layer, a dangling bottom, a duplicate top, a deleted or moved
 * layer, a wrong type. A metamorphic case renames a blob (or a layer) to a name like an automatic
 * split's (`x_split_0`, `x_split`) and compares the loss with the same rename to a plain name:
 * a difference is a silent rewiring (issue 15, finding 3).
 */
import { JsBackend } from '../src/backend/js/js-backend.js';
import { Net } from '../src/node/net.js';
import { layerTypes } from '../src/layers/index.js';
import type { LayerConfig } from '../src/core/layer.js';
import { accepted, classifyError, type CaseOutcome, type Validity } from './outcome.js';
import { mutateFields, typo, type Json, type Mutation } from './mutate.js';
import { BASE_NETS, branchNet, namesIn } from './net-defs.js';
import type { FuzzRng } from './random.js';
import type { CaseContext } from './targets.js';

const backend = new JsBackend('float32');

function objectsIn(layer: Json, where: string, into: [Json, string][] = []): [Json, string][] {
  into.push([layer, where]);
  for (const [k, v] of Object.entries(layer)) {
    if (Array.isArray(v)) v.forEach((e, i) => { if (e && typeof e === 'object' && !Array.isArray(e)) objectsIn(e as Json, `${where}.${k}[${i}]`, into); });
    else if (v && typeof v === 'object') objectsIn(v as Json, `${where}.${k}`, into);
  }
  return into;
}

const nameOf = (l: Json): string => String(l.name);

/** A mutation and the layer it made invalid (the object: a rename keeps it), so that later mutations can undo the mark. */
interface NetMutation extends Mutation {
  subject: Json;
}

function mutateNet(def: Json[], rng: FuzzRng): NetMutation {
  const i = rng.int(0, def.length - 1);
  const layer = def[i]!;
  const m = mutateLayer(def, i, layer, rng);
  // A layer of another phase is left out before validation (as in Caffe): its mutations may pass.
  const otherPhase = layer.include !== undefined || layer.exclude !== undefined;
  return { ...m, validity: otherPhase ? 'unknown' : m.validity, subject: layer };
}

function mutateLayer(def: Json[], i: number, layer: Json, rng: FuzzRng): Mutation {
  const others = def.filter((_, j) => j !== i);
  const blobs = (l: Json, f: 'tops' | 'bottoms'): string[] => (Array.isArray(l[f]) ? (l[f] as unknown[]).map(String) : []);
  switch (rng.int(0, 9)) {
    case 0:
      def.push(structuredClone(layer));
      return { desc: `duplicate layer "${nameOf(layer)}"`, validity: 'invalid' };
    case 1: {
      if (blobs(layer, 'bottoms').length === 0) break;
      (layer.bottoms as string[])[0] = 'nowhere';
      return { desc: `layer "${nameOf(layer)}": bottom "nowhere" (dangling)`, validity: 'invalid' };
    }
    case 2: {
      const taken = others.filter((l) => l.include === undefined && l.exclude === undefined).flatMap((l) => blobs(l, 'tops')).filter((t) => !blobs(layer, 'bottoms').includes(t));
      if (taken.length === 0 || blobs(layer, 'tops').length === 0) break;
      const t = rng.pick(taken);
      (layer.tops as string[])[0] = t;
      return { desc: `layer "${nameOf(layer)}": top "${t}" (another layer's)`, validity: 'invalid' };
    }
    case 3:
      def.splice(i, 1);
      return { desc: `delete layer "${nameOf(layer)}"`, validity: 'unknown' };
    case 4:
      def.splice(i, 1);
      def.splice(rng.int(0, def.length), 0, layer);
      return { desc: `move layer "${nameOf(layer)}"`, validity: 'unknown' };
    case 5: {
      const t = typo(String(layer.type), rng);
      layer.type = t;
      return { desc: `layer "${nameOf(layer)}": type "${t}"`, validity: layerTypes.has(t) ? 'unknown' : 'invalid' };
    }
    case 6:
      layer.type = rng.pick(['Convolution', 'Pooling', 'InnerProduct', 'ReLU', 'SoftmaxLoss', 'Concat', 'Eltwise', 'BatchNorm', 'Dropout', 'Split', 'Accuracy']);
      return { desc: `layer "${nameOf(layer)}": type changed to ${String(layer.type)}`, validity: 'unknown' };
    default:
      break;
  }
  const [obj, where] = rng.pick(objectsIn(layer, `layer "${nameOf(layer)}"`));
  return mutateFields(obj, rng, where);
}

/** Builds, runs forward and backward, returns the loss; the net is destroyed after. */
function build(def: Json[]): number {
  // A budget well inside the child's memory limit: a net too big for it is refused, not killed.
  const net = new Net(def as unknown as LayerConfig[], { backend, seed: 7, memoryBudget: 128 * 2 ** 20 });
  try {
    net.forward();
    net.backward();
    return net.loss();
  } finally {
    net.destroy();
  }
}

/** Renames blob `from` in every layer of `def`. */
function renameBlob(def: Json[], from: string, to: string): Json[] {
  return def.map((l) => ({ ...l, tops: (l.tops as string[]).map((t) => (t === from ? to : t)), bottoms: ((l.bottoms as string[] | undefined) ?? []).map((t) => (t === from ? to : t)) }));
}

function splitCollision(rng: FuzzRng, ctx: CaseContext): CaseOutcome {
  const def = branchNet();
  const blob = rng.pick(['a', 'b', 's', 'c', 'score']);
  const fake = rng.pick(['x_split_0', 'x_split_1', 'a_split_0', 'a_split_1']);
  const input = fake.startsWith(blob) ? 'skip' : `branch net, blob "${blob}" renamed "${fake}" vs "${blob}_plain"`;
  if (input === 'skip') return { cls: 'ok', input: 'split collision: skipped (self)', detail: '' };
  ctx.announce(input);
  let want: number;
  try {
    want = build(renameBlob(def, blob, `${blob}_plain`));
  } catch (e) {
    return classifyError(e, `${input} (the plain rename failed)`, namesIn(def));
  }
  try {
    const got = build(renameBlob(def, blob, fake));
    return Object.is(got, want) ? accepted(input, 'unknown') : { cls: 'silent', input, detail: `renaming changed the loss: ${want} -> ${got} (a generated split name collided)` };
  } catch (e) {
    return classifyError(e, input, [...namesIn(def), fake]);
  }
}

export async function netCase(rng: FuzzRng, ctx: CaseContext): Promise<CaseOutcome> {
  if (rng.chance(0.04)) return splitCollision(rng, ctx);
  const def = rng.pick(BASE_NETS)();
  const base = namesIn(def);
  const descs: string[] = [];
  const invalid = new Set<Json>();
  const touched = new Set<Json>();
  const n = rng.int(1, 3);
  for (let k = 0; k < n && def.length > 0; k++) {
    const m = mutateNet(def, rng);
    descs.push(m.desc);
    // A later mutation can undo an earlier one: a layer counts by its last mutation, and deleting a
    // layer or changing a type (which can free a top or drop a field's meaning) clears every mark.
    if (m.desc.startsWith('delete layer') || m.desc.includes(': type changed to')) invalid.clear();
    else invalid.delete(m.subject);
    // A second mutation of a layer is judged against the first one's result, not the valid layer.
    const again = touched.has(m.subject);
    touched.add(m.subject);
    if (m.validity === 'invalid' && !again) invalid.add(m.subject);
  }
  const validity: Validity = invalid.size > 0 ? 'invalid' : 'unknown';
  const input = `${def.length} layers; ${descs.join('; ')}`;
  ctx.announce(input);
  try {
    build(def);
    return accepted(input, validity);
  } catch (e) {
    return classifyError(e, input, [...base, ...namesIn(def)]);
  }
}
