/**
 * ONNX's own operator tests through Cortado's import (conformance.ts): every node test of Debian's
 * libonnx-testdata (ONNX 1.12) is imported and run, and its outputs compared with ONNX's. The test
 * asserts that nothing crashes (every refusal is one of Cortado's errors), that no output differs
 * except the known cases below, each with its reason, and that at least the operators that pass
 * today still pass. It prints the tally and the operators refused most often.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { NODE_TESTS, nodeTests, runNodeTest, type Result } from './conformance.js';

/** Tests whose outputs differ by design. */
const KNOWN_MISMATCHES: Record<string, string> = {
  // Dropout with training_mode true: ONNX's expected output comes from numpy's random numbers.
  // Cortado's Dropout draws its own mask in the train phase and is the identity in the test phase.
  test_training_dropout: 'random mask',
  test_training_dropout_default: 'random mask',
};

/** Node tests that passed when this test was written (ONNX 1.12's data): none may stop passing. */
const FLOOR = 320;

test('ONNX\'s node tests (libonnx-testdata) through importOnnx: no crash, no unknown mismatch, at least as many passing as before',
  { skip: existsSync(NODE_TESTS) ? false : `no ${NODE_TESTS} (apt-get install libonnx-testdata)` }, () => {
    const results: Result[] = nodeTests().map(runNodeTest);
    const by = (o: Result['outcome']) => results.filter((r) => r.outcome === o);
    const crashed = by('crashed');
    assert.deepEqual(crashed.map((r) => `${r.test}: ${r.detail}`), [], 'every failure to import or run is a ConfigError, ShapeError or DataError');
    const unknown = by('mismatch').filter((r) => !(r.test in KNOWN_MISMATCHES));
    assert.deepEqual(unknown.map((r) => `${r.test}${r.frozen ? ' (operands as initializers)' : ''}: ${r.detail}`), []);
    const passing = by('pass');
    const refusedOps = new Map<string, number>();
    for (const r of by('refused')) {
      const op = /node "[^"]*" \((\w+)/.exec(r.detail)?.[1] ?? r.detail.split(':')[0]!;
      refusedOps.set(op, (refusedOps.get(op) ?? 0) + 1);
    }
    const top = [...refusedOps].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([op, n]) => `${op} ${n}`).join(', ');
    console.log(`ONNX node tests: ${results.length}; pass ${passing.length} (${passing.filter((r) => r.frozen).length} with their operands as initializers), `
      + `known mismatches ${by('mismatch').length}, refused ${by('refused').length}, skipped ${by('skipped').length} (inputs or outputs of types Cortado does not hold)`);
    console.log(`refused most often: ${top}`);
    assert.ok(passing.length >= FLOOR, `${passing.length} node tests pass, ${FLOOR} did`);
  });
