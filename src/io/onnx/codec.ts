/**
 * ONNX files through protobufjs and the schema of onnx-proto.ts, and the helpers every other
 * module of src/io/onnx uses: tensors to and from numbers, node attributes by name.
 *
 * Messages are plain objects with ONNX's snake_case field names (64-bit integers as numbers,
 * repeated fields as arrays, bytes as Uint8Array). Tensor data is little-endian, as ONNX writes it.
 * Every failure to read is a DataError naming the file.
 */
import protobuf from 'protobufjs';
import { DataError } from '../../core/errors.js';
import { ONNX_PROTO } from './onnx-proto.js';

/** An ONNX message as a plain object (see the module comment). */
export type Msg = { [field: string]: any };

/** ONNX's TensorProto.DataType numbers used here. */
export const FLOAT = 1, INT32 = 6, INT64 = 7, BOOL = 9, DOUBLE = 11;

let root: protobuf.Root | undefined;

function onnxType(name: string): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  return root.lookupType(`onnx.${name}`);
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, arrays: true, defaults: false };

/** Reads a ModelProto (`file` names it in messages). */
export function decodeModel(bytes: Uint8Array, file: string): Msg {
  const t = onnxType('ModelProto');
  let model: Msg;
  try {
    model = t.toObject(t.decode(bytes), TO_OBJECT);
  } catch (e) {
    throw new DataError(`${file}: not a valid ONNX model in binary protobuf (truncated or damaged?): ${(e as Error).message}`);
  }
  if (!model.graph) throw new DataError(`${file}: not an ONNX model: it has no graph`);
  return model;
}

/** Reads a TensorProto on its own (a `.pb` file of ONNX's test data; `file` names it in messages). */
export function decodeTensor(bytes: Uint8Array, file: string): Msg {
  const t = onnxType('TensorProto');
  try {
    return t.toObject(t.decode(bytes), TO_OBJECT);
  } catch (e) {
    throw new DataError(`${file}: not a valid ONNX TensorProto in binary protobuf: ${(e as Error).message}`);
  }
}

/** Writes a ModelProto. */
export function encodeModel(model: Msg): Uint8Array {
  const t = onnxType('ModelProto');
  return t.encode(t.fromObject(model)).finish();
}

/** A tensor's values as numbers (any numeric type; int64 beyond 2^53 rounds), with its dims. */
export interface Tensor {
  dims: number[];
  values: Float64Array;
  /** Of an integer type (a Div of two truncates, as ONNX's integer division does). */
  integer?: boolean;
}

/** ONNX's integer and bool element types. */
export const INTEGER_TYPES: ReadonlySet<number> = new Set([2, 3, 4, 5, 6, 7, 9, 12, 13]);

const RAW: Record<number, [number, (v: DataView, at: number) => number]> = {
  1: [4, (v, at) => v.getFloat32(at, true)],
  2: [1, (v, at) => v.getUint8(at)],
  3: [1, (v, at) => v.getInt8(at)],
  6: [4, (v, at) => v.getInt32(at, true)],
  7: [8, (v, at) => Number(v.getBigInt64(at, true))],
  9: [1, (v, at) => v.getUint8(at)],
  11: [8, (v, at) => v.getFloat64(at, true)],
};

/** The values of a TensorProto; `where` names it in messages. */
export function readTensor(t: Msg, where: string): Tensor {
  const dims: number[] = t.dims ?? [];
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new DataError(`${where}: tensor dims [${dims}] are not sizes`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.data_location === 1 || t.external_data?.length) throw new DataError(`${where}: tensor data in an external file is not supported (save the model with its weights inside)`);
  const raw = RAW[t.data_type];
  if (!raw) throw new DataError(`${where}: tensor data type ${t.data_type} is not supported (float, double, int8/32/64, uint8, bool are)`);
  let values: Float64Array;
  if (t.raw_data?.length || count === 0) {
    const bytes: Uint8Array = t.raw_data ?? new Uint8Array(0);
    if (bytes.length !== count * raw[0]) throw new DataError(`${where}: tensor [${dims}] needs ${count * raw[0]} bytes of data, found ${bytes.length}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = raw[1](view, i * raw[0]);
  } else {
    const list: number[] = t.data_type === 1 ? t.float_data : t.data_type === 7 ? t.int64_data : t.data_type === 11 ? t.double_data : t.int32_data;
    if (!list || list.length !== count) throw new DataError(`${where}: tensor [${dims}] needs ${count} values, found ${list?.length ?? 0}`);
    values = Float64Array.from(list, Number);
  }
  return { dims, values, integer: INTEGER_TYPES.has(t.data_type) };
}

/** A float32 TensorProto (raw data). */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): Msg {
  const f = Float32Array.from(values);
  return { name, dims: [...dims], data_type: FLOAT, raw_data: new Uint8Array(f.buffer) };
}

/** An int64 TensorProto. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): Msg {
  return { name, dims: [...dims], data_type: INT64, int64_data: [...values] };
}

/** A node's attributes by name: numbers, number lists, strings or tensors. */
export function attributes(node: Msg): Map<string, any> {
  const out = new Map<string, any>();
  for (const a of node.attribute ?? []) {
    switch (a.type) {
      case 1: out.set(a.name, a.f ?? 0); break;
      case 2: out.set(a.name, a.i ?? 0); break;
      case 3: out.set(a.name, new TextDecoder().decode(a.s ?? new Uint8Array(0))); break;
      case 4: out.set(a.name, a.t); break;
      case 6: out.set(a.name, a.floats ?? []); break;
      case 7: out.set(a.name, a.ints ?? []); break;
      case 8: out.set(a.name, (a.strings ?? []).map((b: Uint8Array) => new TextDecoder().decode(b))); break;
      default: out.set(a.name, { unsupported: a.type });
    }
  }
  return out;
}

/** The attribute names written as FLOAT (every other number is an INT). */
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'bias', 'epsilon', 'momentum']);

/** AttributeProtos from a record: numbers → INT (FLOAT for alpha, beta, bias, epsilon, momentum), lists → INTS, strings → STRING. */
export function makeAttributes(attrs: Record<string, number | number[] | string | string[]>): Msg[] {
  return Object.entries(attrs).map(([name, v]) => {
    if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
    if (Array.isArray(v) && v.some((e) => typeof e === 'string')) return { name, type: 8, strings: v.map((e) => new TextEncoder().encode(String(e))) };
    if (Array.isArray(v)) return { name, type: 7, ints: v as number[] };
    return FLOAT_ATTRS.has(name) ? { name, type: 1, f: v } : { name, type: 2, i: v };
  });
}
