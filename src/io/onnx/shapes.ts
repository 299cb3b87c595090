/**
 * ShapeOracle: the shape of a computed value during importOnnx, read from a Cortado net built on
 * JsBackend from the layers imported so far (built again only when layers were added since). The
 * net's parameters are freshly initialized: only shapes are read. Once an earlier node could not be
 * imported (`broken`), shapes are unknowable and asking is an error the importer lists.
 */
import { JsBackend } from '../../backend/js/js-backend.js';
import type { LayerConfig } from '../../core/layer.js';
import { Net } from '../../net.js';

export class ShapeOracle {
  broken = false;
  private shapes = new Map<string, number[]>();
  private params = new Map<string, number[]>();
  private builtWith = -1;

  constructor(private readonly layers: LayerConfig[]) {}

  shape(value: string): number[] {
    if (this.broken) throw new Error('the shape of its input is unknown (an earlier node could not be imported)');
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
    if (this.builtWith === this.layers.length) return;
    const net = new Net(this.layers, { backend: new JsBackend('float32'), phase: 'test', name: 'onnx-import' });
    this.shapes = new Map([...net.blobs].map(([k, b]) => [k, [...b.shape]]));
    this.params = new Map(net.params.map((p) => [p.key, [...p.blob.shape]]));
    this.builtWith = this.layers.length;
    net.destroy();
  }

  destroy(): void {
    this.shapes.clear();
    this.params.clear();
  }
}
