/**
 * Special files and paths through the cortado command: a FIFO where a file is read (definition,
 * list file, a listed HDF5 file, a snapshot) and an output folder that cannot be made fail at once
 * with a message naming the path; outputs never destroy files Cortado did not create; list files
 * name every output so that their reader finds it. Each command runs in a child process with a
 * time limit, so a regression (a hang) fails the test instead of stalling the suite.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { readSourceList } from '../../src/node/data/hdf5-source.js';

const cli = resolve(fileURLToPath(import.meta.url), '../../../src/node/cli/main.js');
const LIMIT_MS = 60_000;
let dir = '';

/** Runs the cortado command; a run that passes the time limit has hung. */
function cortado(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: LIMIT_MS, env: { ...process.env, CORTADO_NO_CUDA: '1' } });
  assert.notEqual(r.signal, 'SIGTERM', `cortado ${args.join(' ')} hung (killed after ${LIMIT_MS / 1000} s)`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function canMakeFifo(): boolean {
  try {
    execFileSync('mkfifo', [join(dir, 'probe-fifo')], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/** A definition file whose training data come from the list file `source`. */
function definition(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({
    solver: { baseLr: 0.1, maxIter: 2 },
    layers: [
      { type: 'HDF5Data', name: 'd', tops: ['data', 'label'], source, batchSize: 2 },
      { type: 'InnerProduct', name: 'ip', bottoms: ['data'], tops: ['ip'], numOutput: 2 },
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['ip', 'label'], tops: ['loss'] },
    ],
  }));
  return file;
}

/** A folder with two classes of two 4×4 PNG images. */
async function imageFolder(): Promise<string> {
  const folder = join(dir, 'images');
  for (const [c, v] of [['a', 30], ['b', 220]] as const) {
    mkdirSync(join(folder, c), { recursive: true });
    for (let i = 0; i < 2; i++) {
      const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: v, g: v + i, b: v } } }).png().toBuffer();
      writeFileSync(join(folder, c, `${i}.png`), png);
    }
  }
  return folder;
}

describe('special files and paths', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-special-'));
    writeFileSync(join(dir, 'mlp.json'), JSON.stringify({ solver: { baseLr: 0.1, maxIter: 1 }, layers: [
      { type: 'MemoryData', name: 'd', tops: ['data', 'label'], batchSize: 1, data: [{ values: [1, 2], shape: [2, 1] }, { values: [0, 1], shape: [2] }] },
      { type: 'InnerProduct', name: 'ip', bottoms: ['data'], tops: ['ip'], numOutput: 2 },
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['ip', 'label'], tops: ['loss'] },
    ] }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a FIFO as the definition, the list file, a listed file or a snapshot is refused, naming it', (t) => {
    if (!canMakeFifo()) return t.skip('mkfifo is not available here');
    const pipeDef = fifo(join(dir, 'net-pipe.json'));
    let r = cortado(['train', pipeDef, '--backend', 'js']);
    assert.equal(r.code, 1);
    assert.match(r.err, /net definition .*net-pipe\.json: not a regular file \(found a FIFO\)/);

    const pipeList = fifo(join(dir, 'list-pipe.txt'));
    r = cortado(['train', definition('a.json', pipeList), '--backend', 'js']);
    assert.equal(r.code, 1);
    assert.match(r.err, /source list ".*list-pipe\.txt": not a regular file \(found a FIFO\)/);

    fifo(join(dir, 'data-pipe.h5'));
    writeFileSync(join(dir, 'list.txt'), 'data-pipe.h5\n');
    r = cortado(['train', definition('b.json', join(dir, 'list.txt')), '--backend', 'js']);
    assert.equal(r.code, 1);
    assert.match(r.err, /list\.txt", line 1: .*data-pipe\.h5": not a regular file \(found a FIFO\)/);

    const out = join(dir, 'run');
    mkdirSync(join(out, 'snapshots'), { recursive: true });
    fifo(join(out, 'snapshots', 'snapshot-00000005.h5'));
    const mlp = join(dir, 'mlp.json');
    r = cortado(['train', mlp, '--backend', 'js', '--output', out]);
    assert.equal(r.code, 1);
    assert.match(r.err, /snapshot-00000005\.h5": not a regular file \(found a FIFO\)/);

    const pipeOut = fifo(join(dir, 'out-pipe.h5'));
    const save = join(dir, 'save.json');
    writeFileSync(save, JSON.stringify({ solver: { baseLr: 0.1, maxIter: 1 }, layers: [
      ...JSON.parse(readFileSync(mlp, 'utf8')).layers,
      { type: 'HDF5Output', name: 'save', bottoms: ['ip'], filename: pipeOut, overwrite: true },
    ] }));
    r = cortado(['train', save, '--backend', 'js']);
    assert.equal(r.code, 1);
    assert.match(r.err, /layer "save" \(HDF5Output\): output file ".*out-pipe\.h5" exists and is a FIFO, not a regular file/);
  });

  it('an output folder that cannot be made fails before training, naming it', (t) => {
    if (process.platform !== 'linux') return t.skip('needs /proc (Linux)');
    const r = cortado(['train', join(dir, 'mlp.json'), '--backend', 'js', '--output', '/proc/cortado-test/run']);
    assert.equal(r.code, 1);
    assert.match(r.err, /DataError: output folder: cannot create the folder "\/proc\/cortado-test(\/run)?"/);
  });

  it('cortado plot refuses to replace existing images unless --force', () => {
    const stats = join(dir, 'stats.json');
    writeFileSync(stats, JSON.stringify({ loss: [[1, 0.5], [2, 0.25]] }));
    const prefix = join(dir, 'curves');
    writeFileSync(`${prefix}.png`, 'mine');
    let r = cortado(['plot', stats, '--out', prefix]);
    assert.equal(r.code, 1);
    assert.match(r.err, /curves\.png" already exists; pass --force to replace/);
    assert.equal(readFileSync(`${prefix}.png`, 'utf8'), 'mine');
    assert.ok(!existsSync(`${prefix}.svg`));
    r = cortado(['plot', stats, '--out', prefix, '--force']);
    assert.equal(r.code, 0, r.err);
    assert.notEqual(readFileSync(`${prefix}.png`, 'utf8'), 'mine');
  });

  it('convert images keeps a .tmp it did not create, refuses --list equal to --out, and lists a name starting with #', async () => {
    const folder = await imageFolder();
    const out = join(dir, 'set.h5');
    writeFileSync(`${out}.tmp`, 'mine');
    let r = cortado(['convert', 'images', folder, '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.err, /set\.h5\.tmp" already exists .*does not remove files it did not create/);
    assert.equal(readFileSync(`${out}.tmp`, 'utf8'), 'mine');
    assert.ok(!existsSync(out));

    r = cortado(['convert', 'images', folder, '--out', join(dir, 'same.h5'), '--list', join(dir, 'same.h5')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /the list file and the HDF5 file are both ".*same\.h5"/);
    assert.ok(!existsSync(join(dir, 'same.h5')));

    const hash = join(dir, '#hash.h5');
    const list = join(dir, 'hash.txt');
    r = cortado(['convert', 'images', folder, '--out', hash, '--list', list]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readSourceList(list, 'test').map((l) => l.path), [hash]);
  });
});
