/**
 * `cortado import caffe` and `cortado export caffe`: Caffe models in and out
 * (docs/model-exchange.md).
 *
 *   cortado import caffe deploy.prototxt [model.caffemodel] [--solver solver.prototxt] --out DIR
 *     writes DIR/<name>.json (a definition file: { name, layers }, with a solver file also its
 *     seed, solver and coffeeBreaks) and, with a caffemodel, DIR/<name>.h5 (a weights file that
 *     net.loadWeights and `cortado train --weights` read)
 *   cortado export caffe net.json [--weights W.h5] --out DIR
 *     writes DIR/<name>.prototxt and DIR/<name>.caffemodel
 *   cortado import onnx model.onnx --out DIR
 *     writes DIR/<name>.json and DIR/<name>.h5
 *   cortado export onnx net.json [--weights W.h5] --out model.onnx
 *     writes the net's inference graph (a deploy net: Input layers, no loss)
 * <name> is the input file's name without its extension.
 */
import { readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataError } from '../../core/errors.js';
import { exportCaffe, importCaffe, importCaffeSolver } from '../../io/caffe/index.js';
import { exportOnnx, importOnnx } from '../../io/onnx/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadWeights, saveWeights } from '../io/snapshot.js';
import { nodeLayerTypes } from '../layers.js';
import { readDefinition, shapeSources, type Definition } from '../definition.js';
import { integerFlag, parseFlags } from './flags.js';
import { refuseExisting, writePair } from './outputs.js';

export const IMPORT_USAGE = `usage: cortado import caffe <net.prototxt> [<model.caffemodel>] [--solver <solver.prototxt>] --out DIR [--force]
       cortado import onnx <model.onnx> --out DIR [--batch N] [--force]

Reads a Caffe net (and its trained weights) or an ONNX model and writes DIR/<name>.json, a
Cortado definition, and DIR/<name>.h5, the weights (with a caffemodel, and always for ONNX).
--solver adds a Caffe solver's settings to the definition: method, learning rate and policy,
momentum, weight decay, clipping, iter_size and random_seed, and display, test_interval and
snapshot as coffee breaks. The fields it leaves to the command line (snapshot_prefix,
solver_mode, test_iter, ...) are listed.
--batch N sizes an ONNX model's symbolic input dimensions (a batch axis exported as dynamic;
default 1); static shapes stay as the file has them.
Unsupported layers or operators are listed all at once. Files already there are left alone
unless --force is given.`;

export const EXPORT_USAGE = `usage: cortado export caffe <net.json> [--weights W.h5] --out DIR [--force]
       cortado export onnx <net.json> [--weights W.h5] --out model.onnx [--force]

Writes DIR/<name>.prototxt and DIR/<name>.caffemodel, or the ONNX model model.onnx, with the
weights of W.h5 (a weights file or a snapshot's weights file). Without --weights the caffemodel
holds no weights and the ONNX model the net's initial ones. Layers the format cannot hold are
listed all at once. Files already there are left alone unless --force is given.`;

const stem = (file: string) => basename(file, extname(file));

/** A definition file's net as the exporters take it: its name, and its data sets' shapes standing in for their data. */
const exportable = (def: Definition) => ({ ...(def.name ? { name: def.name } : {}), layers: shapeSources(def.layers) });

function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DataError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function formatArg(args: string[], usage: string, command: string): string[] | null {
  // --help anywhere shows the usage, as for every other command.
  if (args.includes('--help') || args.includes('-h') || args.length === 0) {
    console.log(usage);
    return args.length === 0 ? null : [];
  }
  if (args[0] !== 'caffe' && args[0] !== 'onnx') {
    console.error(`cortado ${command}: unknown format "${args[0]}"; known: caffe, onnx\n\n${usage}`);
    return null;
  }
  return args;
}

export async function importCommand(args: string[]): Promise<number> {
  const all = formatArg(args, IMPORT_USAGE, 'import');
  if (!all) return 2;
  if (all.length === 0) return 0;
  if (all[0] === 'onnx') return importOnnxCommand(all.slice(1));
  const rest = all.slice(1);
  const { values: f, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, solver: { type: 'string' }, force: { type: 'boolean' } } });
  if (positionals.length < 1 || positionals.length > 2 || !f.out) {
    console.error(`cortado import caffe: expected a prototxt, an optional caffemodel and --out DIR\n\n${IMPORT_USAGE}`);
    return 2;
  }
  const [prototxt, model] = positionals;
  const json = join(f.out, `${stem(prototxt)}.json`);
  const h5 = join(f.out, `${stem(prototxt)}.h5`);
  refuseExisting(model ? [json, h5] : [json], f.force, 'cortado import caffe');
  const solver = f.solver === undefined ? undefined : importCaffeSolver(new TextDecoder().decode(readBytes(f.solver)), f.solver);
  const result = importCaffe(new TextDecoder().decode(readBytes(prototxt)), model ? readBytes(model) : undefined, { prototxtName: prototxt, caffemodelName: model, layerTypes: nodeLayerTypes });
  const { name, layers } = result.definition;
  const definition = solver
    ? { ...(name ? { name } : {}), ...(solver.seed !== undefined ? { seed: solver.seed } : {}), solver: solver.solver, coffeeBreaks: solver.coffeeBreaks, layers }
    : result.definition;
  await writePair(() => writeOut(json, JSON.stringify(definition, null, 2) + '\n', 'cortado import caffe'), model ? () => saveWeights(h5, result.weights) : undefined);
  console.log(`wrote ${json} (${layers.length} layers${solver ? `, the solver of ${f.solver}` : ''})`);
  for (const note of solver?.notes ?? []) console.log(`  ${f.solver}: ${note}`);
  if (model) console.log(`wrote ${resolve(h5)} (${result.weights.size} parameters)`);
  return 0;
}

export async function exportCommand(args: string[]): Promise<number> {
  const all = formatArg(args, EXPORT_USAGE, 'export');
  if (!all) return 2;
  if (all.length === 0) return 0;
  if (all[0] === 'onnx') return exportOnnxCommand(all.slice(1));
  const rest = all.slice(1);
  const { values: f, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, weights: { type: 'string' }, force: { type: 'boolean' } } });
  if (positionals.length !== 1 || !f.out) {
    console.error(`cortado export caffe: expected one net definition file and --out DIR\n\n${EXPORT_USAGE}`);
    return 2;
  }
  const base = join(f.out, stem(positionals[0]));
  refuseExisting([`${base}.prototxt`, `${base}.caffemodel`], f.force, 'cortado export caffe');
  const def = readDefinition(positionals[0]);
  const weights = f.weights ? await loadWeights(resolve(f.weights)) : new Map();
  const { prototxt, caffemodel } = exportCaffe(exportable(def), weights, { layerTypes: nodeLayerTypes });
  await writePair(() => writeOut(`${base}.prototxt`, prototxt, 'cortado export caffe'), () => writeOut(`${base}.caffemodel`, caffemodel, 'cortado export caffe'));
  console.log(`wrote ${base}.prototxt and ${base}.caffemodel (${weights.size} parameters)`);
  return 0;
}

async function importOnnxCommand(args: string[]): Promise<number> {
  const { values: f, positionals } = parseFlags(args, { out: { type: 'string' }, batch: { type: 'string' }, force: { type: 'boolean' } });
  if (positionals.length !== 1 || !f.out) {
    console.error(`cortado import onnx: expected one model file and --out DIR\n\n${IMPORT_USAGE}`);
    return 2;
  }
  const batchSize = integerFlag('batch', f.batch, 1);
  const [model] = positionals;
  const json = join(f.out, `${stem(model)}.json`);
  const h5 = join(f.out, `${stem(model)}.h5`);
  refuseExisting([json, h5], f.force, 'cortado import onnx');
  const result = importOnnx(readBytes(model), { file: model, ...(batchSize ? { batchSize } : {}) });
  await writePair(() => writeOut(json, JSON.stringify(result.definition, null, 2) + '\n', 'cortado import onnx'), () => saveWeights(h5, result.weights));
  console.log(`wrote ${json} (${result.definition.layers.length} layers) and ${resolve(h5)} (${result.weights.size} parameters)`);
  return 0;
}

async function exportOnnxCommand(args: string[]): Promise<number> {
  const { values: f, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, weights: { type: 'string' }, force: { type: 'boolean' } } });
  if (positionals.length !== 1 || !f.out) {
    console.error(`cortado export onnx: expected one net definition file and --out model.onnx\n\n${EXPORT_USAGE}`);
    return 2;
  }
  refuseExisting([f.out], f.force, 'cortado export onnx');
  const def = readDefinition(positionals[0]);
  const weights = f.weights ? await loadWeights(resolve(f.weights)) : undefined;
  const bytes = exportOnnx(exportable(def), weights, { layerTypes: nodeLayerTypes });
  writeOut(f.out, bytes, 'cortado export onnx');
  console.log(`wrote ${f.out} (${bytes.length} bytes${weights ? `, ${weights.size} parameters` : ', initial weights'})`);
  return 0;
}

/**
 * Writes an output file atomically (its folder too): a crash or a full disk leaves the old file or
 * none, never a partial one, and a failure is a DataError naming the file. The names come from the
 * user's --out, so a `<name>.tmp` already there is refused rather than replaced.
 */
function writeOut(path: string, data: string | Uint8Array, command: string): string {
  return writeFileAtomic(path, data, `${command}: ${path}`, { exclusive: true });
}
