/**
 * GraphBuilder: collects the nodes, initializers, inputs and outputs of an ONNX graph while the
 * exporter walks a net. ONNX values are written once (static single assignment), Cortado blobs may
 * be rewritten in place (a ReLU whose top is its bottom): `use(blob)` gives the value holding the
 * blob now, `def(blob)` a value to write it to (the blob's own name the first time, a fresh name
 * after). Helper values and nodes get fresh names that no blob or layer uses.
 */
import { floatTensor, int64Tensor, makeAttributes, type Msg } from './codec.js';

export class GraphBuilder {
  readonly nodes: Msg[] = [];
  readonly initializers: Msg[] = [];
  readonly inputs: Msg[] = [];
  readonly outputs: Msg[] = [];
  private readonly current = new Map<string, string>();
  private readonly taken: Set<string>;
  private readonly nodeNames: Set<string>;
  private readonly mains = new Set<string>();

  /** `blobs`: every blob name of the net; `layers`: every layer name (main nodes take them). */
  constructor(blobs: Iterable<string>, private readonly layers: ReadonlySet<string>) {
    this.taken = new Set(blobs);
    this.nodeNames = new Set(layers);
  }

  /** A value name no blob or earlier value has; `base` when free. */
  fresh(base: string): string {
    return freshIn(this.taken, base);
  }

  /** The value holding blob `blob` now. */
  use(blob: string): string {
    const v = this.current.get(blob);
    if (v === undefined) throw new Error(`GraphBuilder: blob "${blob}" used before it is written`);
    return v;
  }

  /** A value to write blob `blob` to (its own name unless it was written before). */
  def(blob: string): string {
    const v = this.current.has(blob) ? this.fresh(blob) : blob;
    this.taken.add(v);
    this.current.set(blob, v);
    return v;
  }

  /**
   * Adds a node; attributes as in codec.ts's makeAttributes. A layer's main node is named as the
   * layer (`name` a layer name, first use); helper nodes get fresh names from `name`.
   */
  node(op: string, name: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[] | string | string[]> = {}): void {
    const main = this.layers.has(name) && !this.mains.has(name);
    if (main) this.mains.add(name);
    const node = main ? name : freshIn(this.nodeNames, name);
    this.nodes.push({ op_type: op, name: node, input: inputs, output: outputs, attribute: makeAttributes(attrs) });
  }

  /** A float initializer (`name` made fresh if taken); returns its name. */
  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    const n = this.fresh(name);
    this.initializers.push(floatTensor(n, dims, values));
    return n;
  }

  /** An int64 initializer (a shape, axes, pads); returns its name. */
  ints(name: string, values: readonly number[]): string {
    const n = this.fresh(name);
    this.initializers.push(int64Tensor(n, [values.length], values));
    return n;
  }

  /** A float32 graph input or output of a static shape. */
  value(name: string, shape: readonly number[]): Msg {
    return { name, type: { tensor_type: { elem_type: 1, shape: { dim: shape.map((d) => ({ dim_value: d })) } } } };
  }
}

function freshIn(taken: Set<string>, base: string): string {
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}
