/**
 * ShapeOracle: the shape of a computed value during importOnnx, read from a Cortado net built on
 * JsBackend from the layers imported so far (built again when a layer was added or removed, or its
 * tops renamed, since). The net's parameters are freshly initialized: only shapes are read. The
 * importer takes back what a refused node added, so the layers always make a net.
 */
import { JsBackend } from '../../backend/js/js-backend.js';
import type { LayerConfig } from '../../core/layer.js';
import { Net } from '../../net.js';

export class ShapeOracle {
  private shapes = new Map<string, number[]>();
  private params = new Map<string, number[]>();
  /** The layers' names and tops when last built: a net to build again after any change of them. */
  private builtWith = '';

  constructor(private readonly layers: LayerConfig[]) {}

  shape(value: string): number[] {
    if (!this.shapes.has(value)) this.build();
    const s = this.shapes.get(value);
    if (!s) throw new Error(`no computed value "${value}" before this node`);
    return s;
  }

  /** The shapes of the parameters of all the layers, by key. */
  paramShapes(): Map<string, number[]> {
    this.build();
    return this.params;
  }

  private build(): void {
    const signature = this.layers.map((l) => `${l.name}>${(l.tops ?? []).join(',')}`).join('|');
    if (this.builtWith === signature) return;
    const net = new Net(this.layers, { backend: new JsBackend('float32'), phase: 'test', name: 'onnx-import' });
    this.shapes = new Map([...net.blobs].map(([k, b]) => [k, [...b.shape]]));
    this.params = new Map(net.params.map((p) => [p.key, [...p.blob.shape]]));
    this.builtWith = signature;
    net.destroy();
  }

  destroy(): void {
    this.shapes.clear();
    this.params.clear();
  }
}
