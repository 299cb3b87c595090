/**
 * Caffe's in-place layers (a top equal to one of the layer's bottoms, as ReLU, Dropout, BatchNorm
 * and Scale usually are) renamed to fresh blobs, since a Cortado blob has one producer.
 *
 * Caffe reads a blob name as "the latest value written under it, in file order". Here each write
 * is a version; when layer L writes blob t in place, the version it reads is renamed
 * `<t>_before_<L>` in its producer and every consumer so far, and L's output takes the name t, so
 * the last writer keeps the name that later layers, outputs and users know ("prob", "fc8"). A
 * net input (the top of an Input layer) keeps its name: L's output is then `<t>_<L>`. Fresh names
 * never collide with a name of the file (a suffix `_<k>` is added where they would).
 */
import type { LayerConfig } from '../../core/layer.js';

interface Version {
  name: string;
  /** Where the name is written: the producer's top and the consumers' bottoms. */
  refs: { list: string[]; index: number }[];
  input: boolean;
}

/** The layers with in-place tops renamed (new objects; the given ones are not changed). */
export function renameInPlace(layers: LayerConfig[]): LayerConfig[] {
  const out = layers.map((l) => ({ ...l, bottoms: [...(l.bottoms ?? [])], tops: [...(l.tops ?? [])] }));
  const taken = new Set<string>();
  for (const l of out) for (const b of [...l.bottoms!, ...l.tops!]) taken.add(b);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const current = new Map<string, Version>();
  for (const l of out) {
    const original = [...l.bottoms!];
    l.bottoms!.forEach((b, i) => {
      const v = current.get(b);
      if (!v) return;
      l.bottoms![i] = v.name;
      v.refs.push({ list: l.bottoms!, index: i });
    });
    l.tops!.forEach((t, j) => {
      const prev = current.get(t);
      let name = t;
      if (prev && original.includes(t)) {
        if (prev.input || prev.name !== t) name = fresh(`${t}_${l.name}`);
        else {
          const renamed = fresh(`${t}_before_${l.name}`);
          for (const r of prev.refs) r.list[r.index] = renamed;
          prev.name = renamed;
        }
      }
      l.tops![j] = name;
      current.set(t, { name, refs: [{ list: l.tops!, index: j }], input: l.type === 'Input' });
    });
  }
  return out;
}
