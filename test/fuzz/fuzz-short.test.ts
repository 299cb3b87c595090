/**
 * The short fuzz run of CI: a few hundred seeded cases per target (npm run fuzz runs thousands),
 * asserting issue 15's bar: no exception outside Cortado's error classes, no hang, no kill, no
 * message that names neither the layer or file nor the field, no invalid input accepted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../../fuzz/fuzz.js';
import { formatReport } from '../../fuzz/report.js';
import type { TargetName } from '../../fuzz/targets.js';

const SEED = 15;
const PLAN: [TargetName, number][] = [['nets', 400], ['solver', 300], ['hdf5', 200], ['cli', 24], ['exchange', 1500]];

for (const [target, cases] of PLAN) {
  test(`fuzz ${target}: ${cases} cases (seed ${SEED}) meet the bar`, async () => {
    const report = await runFuzz({ seed: SEED, targets: [target], cases });
    assert.equal(report.targets[target]!.cases, cases);
    assert.equal(report.bad, 0, formatReport(report));
  });
}
