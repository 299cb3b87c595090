/**
 * Settings read in Node: definition files (seed, coffeeBreaks, unknown fields), TrainOptions, and
 * snapshots whose meta would set an absurd learning-rate scale or iteration.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { Solver } from '../../src/solver/solver.js';
import { readSnapshot, writeSnapshot } from '../../src/node/io/snapshot.js';
import { readDefinition } from '../../src/node/definition.js';
import { loadFrom, saveSnapshot } from '../../src/node/snapshot.js';
import { train } from '../../src/node/train.js';
import { dataErrorNaming } from '../harness/errors.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-settings-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function layers(): LayerConfig[] {
  const x = new Float32Array(16 * 3).map((_, i) => Math.sin(i));
  const y = new Float32Array(16).map((_, i) => i % 2);
  return [
    { type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 4, data: [{ values: x, shape: [16, 3] }, { values: y, shape: [16] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['score'], numOutput: 2 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
}

/** Writes a definition file holding `extra` beside a small net; returns its path. */
function definition(extra: Record<string, unknown>): string {
  const path = join(root, `def${n++}.json`);
  writeFileSync(path, JSON.stringify({ layers: [{ type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['y'], numOutput: 2 }], ...extra }));
  return path;
}

const configError = (...parts: string[]) => (e: unknown): boolean => {
  assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
  for (const p of parts) assert.ok(e.message.includes(p), `${JSON.stringify(p)} missing in ${e.message}`);
  return true;
};

describe('definition files', () => {
  it('a seed that is not an integer in [0, 2^32 - 1] is refused, naming the file and the field', () => {
    // JSON cannot hold NaN; "abc", {}, 2^40, -1 and 1.5 can.
    for (const seed of ['abc', {}, 2 ** 40, -1, 1.5, null]) {
      const path = definition({ seed });
      assert.throws(() => readDefinition(path), configError(path, 'field "seed"', 'integer in [0, 4294967295]'), JSON.stringify(seed));
    }
    assert.equal(readDefinition(definition({ seed: 2 ** 32 - 1 })).seed, 2 ** 32 - 1);
  });

  it('unknown fields in the file and in coffeeBreaks are errors naming the field meant', () => {
    const typo = definition({ coffeeBreaks: { snapshotEvry: 10 } });
    assert.throws(() => readDefinition(typo), configError(typo, 'field "coffeeBreaks"', 'unknown field "snapshotEvry" (did you mean "snapshotEvery"?)'));
    const top = definition({ solvr: { baseLr: 0.1 } });
    assert.throws(() => readDefinition(top), configError(top, 'unknown field "solvr" (did you mean "solver"?)'));
    const negative = definition({ coffeeBreaks: { summaryEvery: -1 } });
    assert.throws(() => readDefinition(negative), configError('field "summaryEvery"', '>= 0'));
    assert.deepEqual(readDefinition(definition({ coffeeBreaks: { snapshotEvery: 10 } })).coffeeBreaks, { snapshotEvery: 10 });
  });

  it('train() checks its seed and coffeeBreaks the same way', async () => {
    const base = { backend: new JsBackend(), layers: layers(), solver: { baseLr: 0.1, maxIter: 1 }, log: () => {} };
    await assert.rejects(train({ ...base, seed: NaN }), configError('option "seed"', 'found NaN'));
    await assert.rejects(train({ ...base, coffeeBreaks: { snapshotEvry: 1 } as never }), configError('unknown field "snapshotEvry"'));
  });
});

describe('snapshots with absurd meta', () => {
  it('an lrScale of -5, 0 or "x" is a DataError naming the file, and the solver keeps its own', async () => {
    const solver = new Solver(new Net(layers(), { backend: new JsBackend(), seed: 1 }), { baseLr: 0.1, maxIter: 10 });
    await solver.run(2);
    const good = await saveSnapshot(solver, join(root, `snap${n++}`));
    for (const [patch, field] of [[{ lrScale: -5 }, /meta "lrScale" must be a finite number > 0, found -5/], [{ lrScale: 0 }, /"lrScale".*found 0/], [{ lrScale: 'x' }, /"lrScale".*found "x"/]] as const) {
      const data = await readSnapshot(good);
      data.meta = { ...data.meta, ...patch };
      const file = await writeSnapshot(join(root, `snap${n++}`), data);
      const fresh = new Solver(new Net(layers(), { backend: new JsBackend(), seed: 1 }), { baseLr: 0.1, maxIter: 10 });
      await assert.rejects(loadFrom(fresh, file, { log: () => {} }), dataErrorNaming(file, field));
      assert.equal(fresh.lrScale, 1);
    }
  });
});
