/**
 * The webgpu tests on SwiftShader (a CPU Vulkan from Debian's chromium package) when this process
 * has no adapter: the Vulkan loader reads its environment only at start, so they run in a child
 * node started with it, selected by name (--test-name-pattern=webgpu): backend.test.ts, the
 * layer-case table, the update rules, the NaN guards and the iteration that must stay on the
 * device. SwiftShader checks correctness only; it says nothing about speed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { swiftShaderEnv, SWIFTSHADER_ICD } from '../../../src/node/webgpu.js';

const env = swiftShaderEnv();
const skip = process.env.VK_ICD_FILENAMES !== undefined
  ? 'VK_ICD_FILENAMES is set: the webgpu tests run in this process already'
  : env === null ? `no SwiftShader Vulkan driver at ${SWIFTSHADER_ICD} (install Debian's chromium, as .ci/run does)` : undefined;

const files = ['backend/webgpu/backend.test.js', 'layers/layer-cases.test.js', 'solver/backends.test.js', 'solver/nan-guard.test.js', 'layers/device-resident.test.js']
  .map((f) => fileURLToPath(new URL(`../../${f}`, import.meta.url)));

test('webgpu tests pass on SwiftShader (child process)', { skip, timeout: 300_000 }, () => {
  // NODE_TEST_CONTEXT would make the child report to this runner in its own format instead of TAP.
  const { NODE_TEST_CONTEXT: _, ...parentEnv } = process.env;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', '--test-name-pattern=webgpu', ...files], {
    env: { ...parentEnv, ...env }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(out)?.[1] ?? NaN);
  const failures = out.split('\n').filter((l) => /^\s*not ok /.test(l)).join('\n');
  assert.equal(r.status, 0, `the child failed (status ${r.status}, signal ${r.signal}):\n${failures}\n${out.slice(-4000)}`);
  assert.equal(count('fail'), 0, failures);
  // backend.test.ts's 5, 167-odd layer cases and the update rules: far more than 100 must have run.
  assert.ok(count('pass') > 100, `only ${count('pass')} webgpu tests passed:\n${out.slice(-2000)}`);
  assert.doesNotMatch(out, /# Subtest: layer cases: webgpu[^\n]*\n[^\n]*# SKIP/, 'the layer cases were skipped on webgpu');
  assert.match(out, /^ok \d+ - webgpu: the random layers, the losses and the metrics make no host transfer/m, 'the device-resident iteration did not pass on webgpu');
});
