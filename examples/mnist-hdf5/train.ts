/**
 * Mocha's MNIST tutorial the HDF5 way: `cortado convert mnist` writes the data sets and list files
 * into examples/mnist-hdf5/data (when they are not there yet), `cortado train` trains lenet.json,
 * whose AsyncHDF5Data layers read them in a worker thread, and `cortado plot` draws the curves.
 *
 *   npm run mnist-hdf5 -- [cortado train flags: --backend NAME, --max-iter N, --fresh, ...]
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { convertCommand } from '../../src/node/cli/convert.js';
import { plotCommand } from '../../src/node/cli/plot.js';
import { trainCommand } from '../../src/node/cli/train.js';

const here = fileURLToPath(new URL('../../../examples/mnist-hdf5/', import.meta.url));
const data = `${here}data`;
const output = `${here}output`;

async function main(): Promise<number> {
  if (!existsSync(`${data}/train.txt`) || !existsSync(`${data}/test.txt`)) {
    const code = await convertCommand(['mnist', '--out', data, '--overwrite']);
    if (code !== 0) return code;
  }
  const code = await trainCommand([`${here}lenet.json`, '--output', output, ...process.argv.slice(2)]);
  if (code !== 0) return code;
  return plotCommand([`${output}/statistics.json`, '--out', `${output}/curves`, '--smooth', '10']);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`mnist-hdf5: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    process.exit(1);
  },
);
