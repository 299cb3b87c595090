/**
 * ONNX's own operator tests (the node tests of onnx/backend/test/data, Debian's libonnx-testdata)
 * run through importOnnx: each test's model, its inputs and the outputs ONNX expects. Used by
 * conformance.test.ts.
 *
 * A node test feeds every operand as a graph input, where a model holds its weights as
 * initializers, and Cortado's import needs weights, shapes and axes as constants. So a test that
 * is refused that way is tried again with every input after the first made an initializer of its
 * test value ("frozen"). An outcome is one of:
 *   pass      the outputs match ONNX's within 1e-4 + 1e-3 |expected| (ONNX's backend tests
 *             allow rtol 1e-3)
 *   mismatch  imported and ran, but an output differs (a bug, unless listed as known)
 *   refused   a ConfigError, ShapeError or DataError: something Cortado says it does not take
 *   skipped   a first input that is not float or int64 ids, or an output that is not float,
 *             int32, int64 or bool (those compare as numbers: Cortado's indices and masks are
 *             floats), or no test data set
 *   crashed   any other exception (a bug)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { decodeModel, decodeTensor, encodeModel, readTensor, FLOAT, INT64, type Msg } from '../../../src/io/onnx/codec.js';
import { importOnnx } from '../../../src/io/onnx/index.js';
import { InputLayer } from '../../../src/layers/input.js';
import { Net } from '../../../src/node/net.js';
import { load } from '../caffe/helpers.js';

export const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

export type Outcome = 'pass' | 'mismatch' | 'refused' | 'skipped' | 'crashed';

export interface Result {
  test: string;
  outcome: Outcome;
  /** Whether the inputs after the first were made initializers. */
  frozen: boolean;
  detail: string;
}

const FRAMEWORK = new Set(['ConfigError', 'ShapeError', 'DataError']);
/** Output types compared as numbers besides float: int32, int64 and bool. */
const NUMERIC_OUT = new Set([6, 7, 9]);

function readPb(file: string): Msg {
  return decodeTensor(readFileSync(file), file);
}

/** The test's first data set: inputs and outputs in order. */
function dataSet(dir: string): { inputs: Msg[]; outputs: Msg[] } {
  const set = join(dir, 'test_data_set_0');
  const files = readdirSync(set);
  const pick = (prefix: string) => files.filter((f) => f.startsWith(prefix)).sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0])).map((f) => readPb(join(set, f)));
  return { inputs: pick('input_'), outputs: pick('output_') };
}

/** The model with graph inputs after the first turned into initializers holding the test's values. */
function freeze(model: Msg, inputs: Msg[]): Msg {
  const graph = model.graph as Msg;
  const declared = (graph.input ?? []) as Msg[];
  const inits = new Set(((graph.initializer ?? []) as Msg[]).map((t) => t.name as string));
  const fed = declared.filter((v) => !inits.has(v.name));
  const frozen = fed.slice(1).map((v, i) => ({ ...inputs[i + 1], name: v.name }));
  return { ...model, graph: { ...graph, input: [fed[0], ...declared.filter((v) => inits.has(v.name))].filter(Boolean), initializer: [...(graph.initializer ?? []), ...frozen] } };
}

function close(got: ArrayLike<number>, want: Float64Array): string {
  if (got.length !== want.length) return `${got.length} values, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!, g = got[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (w === g) continue;
    if (!(Math.abs(g - w) <= 1e-4 + 1e-3 * Math.abs(w))) return `value ${i}: ${g}, expected ${w}`;
  }
  return '';
}

/** Imports and runs one model on its graph inputs; '' when every output matches, else why not. */
function run(model: Msg, fedInputs: Msg[], outputs: Msg[], outputNames: string[]): string {
  const { definition, weights } = importOnnx(encodeModel(model), { file: 'model.onnx' });
  const net = new Net(definition.layers, { backend: new JsBackend('float32'), phase: 'test' });
  try {
    load(net, weights);
    const graph = model.graph as Msg;
    const inits = new Set(((graph.initializer ?? []) as Msg[]).map((t) => t.name as string));
    const names = ((graph.input ?? []) as Msg[]).map((v) => v.name as string).filter((n) => !inits.has(n));
    names.forEach((name, i) => {
      const layer = net.layers.find((l) => l instanceof InputLayer && l.config.tops!.includes(name)) as InputLayer | undefined;
      if (layer) layer.feed(name, Float32Array.from(readTensor(fedInputs[i]!, name).values));
    });
    net.forward();
    for (let k = 0; k < outputs.length; k++) {
      const why = close(net.blob(outputNames[k]!).read(), readTensor(outputs[k]!, outputNames[k]!).values);
      if (why) return `output "${outputNames[k]}": ${why}`;
    }
    return '';
  } finally {
    net.destroy();
  }
}

export function runNodeTest(test: string): Result {
  const dir = join(NODE_TESTS, test);
  if (!existsSync(join(dir, 'test_data_set_0'))) return { test, outcome: 'skipped', frozen: false, detail: 'no test_data_set_0' };
  let model: Msg, inputs: Msg[], outputs: Msg[];
  try {
    model = decodeModel(readFileSync(join(dir, 'model.onnx')), `${test}/model.onnx`);
    ({ inputs, outputs } = dataSet(dir));
  } catch (e) {
    return { test, outcome: 'skipped', frozen: false, detail: `unreadable: ${(e as Error).message}` };
  }
  const graph = model.graph as Msg;
  const outputNames = ((graph.output ?? []) as Msg[]).map((v) => v.name as string);
  // Integer and bool outputs compare as numbers: Cortado's indices and masks are floats.
  if (outputs.some((t) => t.data_type !== FLOAT && !NUMERIC_OUT.has(t.data_type))) return { test, outcome: 'skipped', frozen: false, detail: 'an output that is not a number' };
  const first = inputs[0];
  if (!first || (first.data_type !== FLOAT && first.data_type !== INT64)) return { test, outcome: 'skipped', frozen: false, detail: 'a first input that is not float (or int64 ids)' };
  const attempt = (m: Msg, fed: Msg[], frozen: boolean): Result => {
    try {
      const why = run(m, fed, outputs, outputNames);
      return { test, outcome: why ? 'mismatch' : 'pass', frozen, detail: why };
    } catch (e) {
      const err = e as Error;
      return { test, outcome: FRAMEWORK.has(err.name) ? 'refused' : 'crashed', frozen, detail: `${err.name}: ${err.message.split('\n').slice(0, 2).join(' ')}`.slice(0, 300) };
    }
  };
  const allFloat = inputs.every((t) => t.data_type === FLOAT);
  const plain = allFloat ? attempt(model, inputs, false) : undefined;
  if (plain && plain.outcome !== 'refused') return plain;
  if (inputs.length < 2) return plain ?? { test, outcome: 'skipped', frozen: false, detail: 'its input is not float' };
  const frozen = attempt(freeze(model, inputs), inputs.slice(0, 1), true);
  return frozen.outcome === 'refused' && plain ? plain : frozen;
}

export function nodeTests(): string[] {
  return readdirSync(NODE_TESTS).filter((t) => t.startsWith('test_')).sort();
}
