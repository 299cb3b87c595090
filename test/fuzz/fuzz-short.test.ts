/**
 * The short fuzz run of CI: a few hundred seeded cases per target (npm run fuzz runs thousands),
 * asserting issue 15's bar: no exception outside Cortado's error classes, no hang, no kill, no
 * message that names neither the layer or file nor the field, no invalid input accepted.
 *
 * Skipped until the fixes of issue 15 (findings 1-11) are merged: on the branch that added it the
 * bar is not met yet (see docs/reliability.md). Set CORTADO_FUZZ_SHORT=1 to run it anyway.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../../fuzz/fuzz.js';
import { formatReport } from '../../fuzz/report.js';
import type { TargetName } from '../../fuzz/targets.js';

const SEED = 15;
const PLAN: [TargetName, number][] = [['nets', 400], ['solver', 300], ['hdf5', 200], ['cli', 12]];
const skip = process.env.CORTADO_FUZZ_SHORT ? false : 'issue 15 fixes not merged yet; CORTADO_FUZZ_SHORT=1 runs it';

for (const [target, cases] of PLAN) {
  test(`fuzz ${target}: ${cases} cases (seed ${SEED}) meet the bar`, { skip }, async () => {
    const report = await runFuzz({ seed: SEED, targets: [target], cases });
    assert.equal(report.targets[target]!.cases, cases);
    assert.equal(report.bad, 0, formatReport(report));
  });
}
