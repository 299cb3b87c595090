/**
 * The blobs of a caffemodel → Cortado parameters, and Caffe's mean file.
 *
 * A caffemodel is a NetParameter whose layers carry `blobs`; they are matched to the prototxt's
 * layers by name, as Caffe's CopyTrainedLayersFrom does (layers of the caffemodel that the
 * prototxt lacks are skipped; prototxt layers missing from the caffemodel keep their
 * initializers). Blob i of a layer is the layer's i-th Cortado parameter (weight, bias; BatchNorm's
 * mean, variance, scale factor, kept as Caffe stores them: Cortado's BatchNorm divides by the
 * factor itself, 0 giving 0; Scale's scale, bias). Shapes are compared ignoring axes of size 1
 * (old caffemodels store an InnerProduct weight as [1, 1, N, K]); `transpose: true` InnerProduct
 * weights are transposed. Every blob that does not fit is listed in one DataError naming the
 * layer and both shapes.
 */
import { DataError, quotedList, shapeStr } from '../../core/errors.js';
import type { Net } from '../../core/net.js';
import type { Param } from '../../core/layer.js';
import { firstNonFinite, type ArrayEntry } from '../weights-layout.js';
import { decodeBinary, type Msg } from './codec.js';
import { upgradeV1Layer } from './upgrade.js';

/** A BlobProto's shape: `shape.dim`, or the legacy [num, channels, height, width]. */
export function blobShape(b: Msg): number[] {
  if (b.shape) return [...(b.shape.dim ?? [])];
  return [b.num ?? 0, b.channels ?? 0, b.height ?? 0, b.width ?? 0];
}

/** A BlobProto's values: `data` as float32, else `double_data` as float64. */
function blobValues(b: Msg): Float32Array | Float64Array {
  return b.data?.length || !b.double_data?.length ? Float32Array.from(b.data ?? []) : Float64Array.from(b.double_data);
}

const squeeze = (s: readonly number[]) => s.filter((d) => d !== 1).join(',');

export function importWeights(bytes: Uint8Array, file: string, prototxtLayers: Msg[], nets: Net[]): Map<string, ArrayEntry> {
  const model = decodeBinary('NetParameter', bytes, file);
  const layers: Msg[] = model.layer?.length ? model.layer : (model.layers ?? []).map(upgradeV1Layer);
  const byName = new Map(prototxtLayers.map((l) => [l.name, l]));
  const weights = new Map<string, ArrayEntry>();
  const problems: string[] = [];
  for (const ml of layers) {
    const blobs: Msg[] = ml.blobs ?? [];
    const pl = byName.get(ml.name);
    if (!blobs.length || !pl) continue;
    const where = `layer "${ml.name}" (${pl.type})`;
    const params = paramsOf(nets, ml.name);
    if (params.length !== blobs.length) {
      problems.push(`${where}: ${blobs.length} blob(s) in the caffemodel, the prototxt's layer has ${params.length} parameter(s)${params.length ? ` (${params.map((p) => p.name).join(', ')})` : ''}`);
      continue;
    }
    const transpose = pl.type === 'InnerProduct' && pl.inner_product_param?.transpose === true;
    blobs.forEach((b, i) => {
      const p = params[i];
      const shape = blobShape(b);
      const values = blobValues(b);
      const count = shape.reduce((a, d) => a * d, 1);
      if (values.length !== count) {
        problems.push(`${where}, blob ${i} (${p.name}): shape ${shapeStr(shape)} needs ${count} values, the caffemodel holds ${values.length}`);
        return;
      }
      const expected = transpose ? [...p.blob.shape].reverse() : p.blob.shape;
      if (squeeze(shape) !== squeeze(expected)) {
        problems.push(`${where}, blob ${i} (${p.name}): caffemodel ${shapeStr(shape)}, prototxt ${shapeStr(expected)}`);
        return;
      }
      const bad = firstNonFinite(values);
      if (bad >= 0) {
        problems.push(`${where}, blob ${i} (${p.name}): value ${bad} is ${values[bad]} (weights must be finite)`);
        return;
      }
      weights.set(p.key, { shape: [...p.blob.shape], values: transpose ? transposed(values, expected[0], expected[1]) : values });
    });
  }
  if (problems.length) {
    throw new DataError(`${file}: ${problems.length} blob(s) do not fit the prototxt:\n  ${problems.join('\n  ')}`);
  }
  // Caffe skips layers the prototxt lacks; none matching at all is the caffemodel of another net.
  const withParams = prototxtLayers.filter((l) => paramsOf(nets, l.name).length > 0).map((l) => l.name as string);
  if (weights.size === 0 && withParams.length > 0) {
    const named = layers.filter((l) => (l.blobs ?? []).length > 0).map((l) => l.name as string);
    throw new DataError(
      `${file}: no layer of the caffemodel gives weights to the prototxt's layers with parameters (${quotedList(withParams)}); ` +
        (named.length ? `the caffemodel has blobs for ${quotedList(named)}. Was it trained with another prototxt?` : 'the caffemodel holds no blobs.'),
    );
  }
  return weights;
}

function paramsOf(nets: Net[], name: string): readonly Param[] {
  for (const net of nets) {
    const layer = net.layers.find((l) => l.name === name);
    if (layer) return layer.params;
  }
  return [];
}

/** A [rows, cols] matrix transposed. */
function transposed(v: Float32Array | Float64Array, rows: number, cols: number): Float32Array | Float64Array {
  const out = new (v.constructor as Float32ArrayConstructor)(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c];
  return out;
}

/**
 * Caffe's mean file (`mean.binaryproto`, one BlobProto, usually [1, C, H, W]) as an array entry.
 * `file` names it in messages.
 */
export function importCaffeMean(bytes: Uint8Array, file = 'mean file'): ArrayEntry {
  const blob = decodeBinary('BlobProto', bytes, file);
  const shape = blobShape(blob);
  const values = blobValues(blob);
  const count = shape.reduce((a, d) => a * d, 1);
  if (values.length === 0 || values.length !== count) {
    throw new DataError(`${file}: a Caffe mean (BlobProto) of shape ${shapeStr(shape)} needs ${count} values, found ${values.length}`);
  }
  return { shape, values };
}
