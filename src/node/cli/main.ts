#!/usr/bin/env node
/**
 * The cortado command.
 *
 *   cortado train <net.json> [options]          train a net from a definition file
 *   cortado convert mnist|images ... [options]   make HDF5 data sets and list files
 *   cortado plot <statistics.json> [options]     draw learning curves to SVG and PNG
 *   cortado import caffe <prototxt> [caffemodel] --out DIR   a Caffe model → definition + weights
 *   cortado import onnx <model.onnx> --out DIR                an ONNX model → definition + weights
 *   cortado export caffe <net.json> [--weights W] --out DIR   definition + weights → Caffe model
 *   cortado export onnx <net.json> [--weights W] --out F      definition + weights → ONNX model
 *   cortado draw <net.json> [--out net.svg] [--format dot]    the net's DAG as SVG or DOT
 *   cortado test <net.json> --weights W          loss and accuracy over the test set (Caffe's test)
 *   cortado summary <net.json>                   layers, top shapes, parameter counts, memory
 *   cortado time <net.json> [--backend NAME]     per-layer forward and backward time (Caffe's time)
 *   cortado schema                               the JSON Schema of definition files
 *   cortado example [NAME] [--out DIR]           copy a shipped definition file into a project
 *   cortado --version                            the package's version
 *
 * `cortado <command> --help` describes each command's options.
 */
import { convertCommand } from './convert.js';
import { drawCommand } from './draw.js';
import { exampleCommand } from './example.js';
import { exportCommand, importCommand } from './exchange.js';
import { plotCommand } from './plot.js';
import { trainCommand } from './train.js';
import { summaryCommand } from './summary.js';
import { schemaCommand } from './schema.js';
import { testCommand } from './test-net.js';
import { timeCommand } from './time.js';
import { readFileSync } from 'node:fs';
import { UsageError } from './flags.js';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  train: trainCommand, convert: convertCommand, plot: plotCommand, import: importCommand, export: exportCommand,
  draw: drawCommand, test: testCommand, summary: summaryCommand, time: timeCommand, schema: schemaCommand, example: exampleCommand,
};

const USAGE = `usage: cortado <command> [arguments]

commands:
  train <net.json>                train a net from a definition file
  convert mnist | images <dir>    convert data sets to HDF5 files and a list file
  plot <statistics.json>          draw learning curves from a run's statistics file
  import caffe <prototxt> [model] a Caffe net (and weights) to a definition (and weights file)
  import onnx <model.onnx>        an ONNX model to a definition and weights file
  export caffe <net.json>         a definition (and --weights) to a Caffe prototxt and caffemodel
  export onnx <net.json>          a definition (and --weights) to an ONNX model
  draw <net.json>                 the net's layers and blobs as an SVG (or DOT) drawing
  test <net.json> --weights W     loss and accuracy over the test set with the weights W
  summary <net.json>              each layer's top shapes and parameter count, totals, memory
  time <net.json>                 each layer's forward and backward time and share of an iteration
  schema                          the JSON Schema of definition files, for editors
  example [NAME]                  copy a shipped definition (mnist, mnist-hdf5) into a project
  --version                       the version of cortado

cortado <command> --help shows a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(version());
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`cortado: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    // A command's own flag parser (node:util parseArgs) refusing an unknown flag or a missing value.
    if (!(e instanceof UsageError) && !String((e as NodeJS.ErrnoException)?.code).startsWith('ERR_PARSE_ARGS')) throw e;
    console.error(`cortado ${command}: ${(e as Error).message}\n\ncortado ${command} --help shows its options.`);
    return 2;
  }
}

/** The package's version, from the package.json four folders above dist/src/node/cli/main.js. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`cortado: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    process.exit(1);
  },
);
