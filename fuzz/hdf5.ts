/**
 * Target "hdf5": snapshots, weights files and HDF5Data files from the project's writers, damaged
 * (bytes flipped, cut, extended, zeroed; with or without Cortado's seal) or hostile, read back
 * through readSnapshot, loadWeights, readParamsFile and an HDF5Data layer in a net. A sealed file
 * with a changed byte, a cut file and a weights file of NaN are invalid by construction.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsBackend } from '../src/backend/js/js-backend.js';
import { Net } from '../src/node/net.js';
import type { LayerConfig } from '../src/core/layer.js';
import { hdf5 } from '../src/node/io/hdf5.js';
import { loadWeights, readParamsFile, readSnapshot } from '../src/node/io/snapshot.js';
import { accepted, classifyError, type CaseOutcome, type Validity } from './outcome.js';
import { baseFiles, FILE_KINDS, HOSTILE } from './hdf5-files.js';
import type { FuzzRng } from './random.js';
import type { CaseContext } from './targets.js';

const backend = new JsBackend('float32');
const SEAL = 20;

/** Damages `bytes`; returns the new bytes, a description and whether the result is invalid by construction. */
function damage(bytes: Buffer, rng: FuzzRng): { out: Buffer; desc: string; validity: Validity } {
  const sealed = bytes.subarray(bytes.length - SEAL, bytes.length - 12).toString('latin1') === 'CRTDSEAL';
  const strip = sealed && rng.chance(0.4);
  const b = Buffer.from(strip ? bytes.subarray(0, bytes.length - SEAL) : bytes);
  const pre = strip ? 'seal stripped, ' : '';
  const checked: Validity = sealed && !strip ? 'invalid' : 'unknown';
  switch (rng.int(0, 3)) {
    case 0: {
      const n = rng.int(1, 16);
      // Damage to the seal alone makes a sound file look unsealed (as another tool's): not invalid.
      let changed = false;
      for (let k = 0; k < n; k++) {
        const at = rng.int(0, b.length - 1);
        const x = rng.int(1, 255);
        b[at] = b[at]! ^ x;
        changed ||= !sealed || strip || at < b.length - SEAL;
      }
      return { out: b, desc: `${pre}${n} bytes flipped`, validity: changed ? checked : 'unknown' };
    }
    case 1: {
      const len = rng.int(0, b.length - 1);
      const sealOnly = sealed && !strip && len >= b.length - SEAL;
      return { out: b.subarray(0, len), desc: `${pre}cut to ${len} of ${b.length} bytes`, validity: sealOnly ? 'unknown' : 'invalid' };
    }
    case 2: {
      const extra = Buffer.alloc(rng.int(1, 4096), rng.chance(0.5) ? 0 : rng.int(1, 255));
      return { out: Buffer.concat([b, extra]), desc: `${pre}${extra.length} bytes appended`, validity: 'unknown' };
    }
    default: {
      const at = rng.int(0, b.length - 1);
      const len = Math.min(rng.int(1, 256), b.length - at);
      const before = Buffer.from(b.subarray(at, at + len));
      b.fill(0, at, at + len);
      const changed = !before.equals(b.subarray(at, at + len)) && (!sealed || strip || at < b.length - SEAL);
      return { out: b, desc: `${pre}${len} bytes zeroed at ${at}`, validity: changed ? checked : 'unknown' };
    }
  }
}

async function readData(file: string, list: string): Promise<void> {
  writeFileSync(list, `${file}\n`);
  await hdf5();
  const net = new Net([{ type: 'HDF5Data', name: 'h5', tops: ['data', 'label'], source: list, batchSize: 4, shuffle: true, chunkSize: 8 }] as LayerConfig[], { backend, seed: 1 });
  try {
    for (let i = 0; i < 6; i++) net.forward();
  } finally {
    net.destroy();
  }
}

export async function hdf5Case(rng: FuzzRng, ctx: CaseContext): Promise<CaseOutcome> {
  const bases = await baseFiles(join(ctx.dir));
  // The huge file costs seconds a case while it is not refused up front: one case in 40.
  const kind = rng.chance(0.025) ? 'huge-rows' : rng.pick(FILE_KINDS.filter((k) => k !== 'huge-rows'));
  const hostile = HOSTILE[kind];
  const d = hostile && rng.chance(0.7) ? { out: bases[kind], desc: 'as written', validity: hostile } : damage(bases[kind], rng);
  // Damage can undo what made a hostile file invalid (zeroed bytes over its NaNs): only the file as
  // written, or damage that is invalid in itself, counts as invalid.
  const validity: Validity = d.desc === 'as written' ? hostile! : d.validity;
  const file = join(ctx.dir, `case-${kind}.h5`);
  writeFileSync(file, d.out);
  const reader = kind === 'data' || kind === 'huge-rows' ? 'HDF5Data' : rng.pick(['readSnapshot', 'loadWeights', 'readParamsFile']);
  const input = `${kind} file, ${d.desc}, read by ${reader}`;
  ctx.announce(input);
  const list = join(ctx.dir, 'list.txt');
  try {
    if (reader === 'HDF5Data') await readData(file, list);
    else if (reader === 'readSnapshot') await readSnapshot(file);
    else if (reader === 'loadWeights') await loadWeights(file);
    else await readParamsFile(file);
    // A snapshot read as weights (or the reverse) is refused by design; accepted means it was read.
    return accepted(input, validity);
  } catch (e) {
    return classifyError(e, input, [file, list]);
  }
}
