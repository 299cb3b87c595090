/**
 * The guard for HDF5 files without Cortado's seal: a file that makes HDF5 loop for ever (one byte
 * of damage in its global heap, see damageGlobalHeap) or abort is refused with a DataError naming
 * it within the time limit, for weights files, HDF5Data's list files and AsyncHDF5Data's reader;
 * HDF5 keeps working afterwards; AsyncHDF5Data's own limit stops a reader stuck in a read. The
 * limit is 2 s here (CORTADO_HDF5_TIME_LIMIT).
 */
import assert from 'node:assert/strict';
import { closeSync, constants, copyFileSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, DataError } from '../../src/core/errors.js';
import type { AsyncHDF5DataLayer } from '../../src/node/data/async-hdf5-data.js';
import { DEFAULT_TIME_LIMIT, hdf5TimeLimit } from '../../src/node/io/hdf5-guard.js';
import { loadWeights, saveWeights } from '../../src/node/io/snapshot.js';
import { buildLayer } from '../harness/context.js';
import { nodeLayerTypes } from '../../src/node/layers.js';
import { damageGlobalHeap, standardDatasets, tempDir, writeH5 } from '../data/h5-fixtures.js';

const LIMIT = 2;
const tmp = tempDir();
const savedLimit = process.env.CORTADO_HDF5_TIME_LIMIT;
let weights = '';

before(async () => {
  process.env.CORTADO_HDF5_TIME_LIMIT = String(LIMIT);
  weights = await saveWeights(join(tmp.dir, 'weights.h5'), new Map([['ip___weight', { shape: [2, 3], values: new Float32Array([1, 2, 3, 4, 5, 6]) }]]));
});
after(() => {
  if (savedLimit === undefined) delete process.env.CORTADO_HDF5_TIME_LIMIT;
  else process.env.CORTADO_HDF5_TIME_LIMIT = savedLimit;
  tmp.cleanup();
});

// The reader thread's own guard and forward's timer share the limit: under load either may fire first.
const timedOut = (file: string) => (e: unknown) =>
  e instanceof DataError && e.message.includes(`"${file}"`) && new RegExp(`did not finish (.* )?within ${LIMIT} s`).test(e.message) && /CORTADO_HDF5_TIME_LIMIT/.test(e.message);

/** A data file for HDF5Data with a "format" string attribute (so it has a global heap). */
async function dataFile(name: string, first: number, rows: number): Promise<string> {
  const file = join(tmp.dir, name);
  await writeH5(file, standardDatasets(first, rows), false, { format: 'samples' });
  return file;
}

describe('HDF5 foreign-file guard', () => {
  it('the time limit: 10 s, CORTADO_HDF5_TIME_LIMIT seconds, or the option; nonsense is a ConfigError naming it', () => {
    assert.equal(DEFAULT_TIME_LIMIT, 10);
    assert.equal(hdf5TimeLimit(), LIMIT);
    assert.equal(hdf5TimeLimit(0.5), 0.5);
    process.env.CORTADO_HDF5_TIME_LIMIT = 'soon';
    try {
      assert.throws(() => hdf5TimeLimit(), (e: unknown) => e instanceof ConfigError && /CORTADO_HDF5_TIME_LIMIT="soon".*positive number of seconds/.test(e.message));
    } finally {
      process.env.CORTADO_HDF5_TIME_LIMIT = String(LIMIT);
    }
    assert.throws(() => hdf5TimeLimit(-1), ConfigError);
  });

  it('a weights file without its seal that makes HDF5 loop for ever is refused within the limit, naming it; HDF5 keeps working', async () => {
    const file = join(tmp.dir, 'looping-weights.h5');
    damageGlobalHeap(weights, file);
    await assert.rejects(loadWeights(file), timedOut(file));
    assert.deepEqual([...(await loadWeights(weights)).get('ip___weight')!.values], [1, 2, 3, 4, 5, 6]);
  });

  it('a file that makes HDF5 abort is refused as corrupt, and HDF5 keeps working', async () => {
    const file = join(tmp.dir, 'aborting-weights.h5');
    damageGlobalHeap(weights, file, 4096);
    await assert.rejects(loadWeights(file), (e: unknown) => e instanceof DataError && e.message.includes(`"${file}"`) && /HDF5 library failed on the file.*corrupt/.test(e.message));
    assert.equal((await loadWeights(weights)).size, 1);
  });

  it('HDF5Data: a listed file that makes HDF5 loop for ever fails setup, naming the list line and the file', async () => {
    const good = await dataFile('good.h5', 0, 4);
    const bad = join(tmp.dir, 'looping.h5');
    damageGlobalHeap(await dataFile('to-damage.h5', 4, 4), bad);
    const list = join(tmp.dir, 'looping-list.txt');
    writeFileSync(list, `${good}\n${bad}\n`);
    const c = { type: 'HDF5Data', name: 'h5', tops: ['data', 'label'], source: list, batchSize: 2 };
    assert.throws(() => buildLayer(new JsBackend('float32'), c, [], { seed: 1, layerTypes: nodeLayerTypes }), (e: unknown) => timedOut(bad)(e) && /line 2/.test((e as Error).message));
  });

  it('AsyncHDF5Data: a file replaced after setup by one that makes HDF5 loop for ever stops the reader with a DataError naming it', async () => {
    const first = await dataFile('async-0.h5', 0, 4);
    const second = await dataFile('async-1.h5', 4, 4);
    const list = join(tmp.dir, 'async-list.txt');
    writeFileSync(list, `${first}\n${second}\n`);
    const c = { type: 'AsyncHDF5Data', name: 'h5', tops: ['data', 'label'], source: list, batchSize: 4, chunkSize: 4, readAhead: 1 };
    const b = buildLayer(new JsBackend('float32'), c, [], { seed: 1, layerTypes: nodeLayerTypes });
    const layer = b.layer as AsyncHDF5DataLayer;
    try {
      // Same size, new contents: the guard's record of the checked file no longer applies.
      damageGlobalHeap(second, `${second}.damaged`);
      renameSync(`${second}.damaged`, second);
      layer.forward([], b.tops);
      assert.deepEqual([...b.tops[1].read()], [0, 1, 2, 3]);
      assert.throws(() => layer.forward([], b.tops), timedOut(second));
      assert.throws(() => layer.forward([], b.tops), timedOut(second), 'the failure stays');
    } finally {
      layer.destroy();
      await layer.whenStopped();
    }
  });

  it('AsyncHDF5Data: a reader stuck in a read (allowed external storage naming a FIFO) is stopped after the limit, naming the file and rows', async (t) => {
    const dir = join(tmp.dir, 'fifo');
    mkdirSync(dir);
    const fifo = join(dir, 'external-data.bin');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('mkfifo is not available');
    const file = join(dir, 'external.h5');
    copyFileSync(resolve(fileURLToPath(import.meta.url), '../../../../test/io/fixtures/external.h5'), file);
    const list = join(dir, 'list.txt');
    writeFileSync(list, `${file}\n`);
    const c = { type: 'AsyncHDF5Data', name: 'h5', tops: ['data', 'label'], source: list, batchSize: 2, chunkSize: 2, allowExternalStorage: true };
    const cwd = process.cwd();
    process.chdir(dir); // HDF5 looks for the relative external file name in the working directory
    const b = buildLayer(new JsBackend('float32'), c, [], { seed: 1, layerTypes: nodeLayerTypes });
    const layer = b.layer as AsyncHDF5DataLayer;
    try {
      assert.throws(() => layer.forward([], b.tops), (e: unknown) => e instanceof DataError && e.message.includes(`HDF5 file "${file}"`) && /line 1/.test(e.message) && new RegExp(`rows \\[0, 2\\) did not finish within ${LIMIT} s`).test(e.message));
    } finally {
      // The stopped reader is blocked opening the FIFO (no thread can be interrupted there): open its other end to let it go.
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // no reader was blocked on it
      }
      process.chdir(cwd);
      layer.destroy();
      await layer.whenStopped();
    }
  });
});
