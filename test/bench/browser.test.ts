/** The browser rows of `npm run bench`: the row table, and one row measured end to end in headless Chromium. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BROWSER_ROWS, browserRowMissing } from '../../bench/browser/rows.js';

const run = fileURLToPath(new URL('../../bench/browser/run.js', import.meta.url));

test('browser rows: unique ids under browser-, Cortado and TF.js both present, each with a backend', () => {
  const ids = BROWSER_ROWS.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of BROWSER_ROWS) {
    assert.match(r.id, /^browser-(cortado|tfjs)-/);
    assert.ok(r.id.startsWith(`browser-${r.system}-`), `${r.id} names its system`);
    assert.ok(r.backend.length > 0);
  }
  for (const id of ['browser-cortado-js', 'browser-cortado-wasm', 'browser-tfjs-cpu', 'browser-tfjs-wasm', 'browser-tfjs-webgl']) assert.ok(ids.includes(id), id);
});

test('bench/browser/run.js refuses an unknown row, naming the rows there are', () => {
  const r = spawnSync(process.execPath, [run, '--row', 'browser-nothing'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--row must be one of browser-cortado-js, browser-cortado-wasm, .*found "browser-nothing"/);
});

const wasm = BROWSER_ROWS.find((r) => r.id === 'browser-cortado-wasm')!;
test('browser-cortado-wasm --quick: LeNet trains and infers in a cross-origin isolated page and reports one JSON line', { skip: browserRowMissing(wasm) ?? false, timeout: 180_000 }, () => {
  const r = spawnSync(process.execPath, [run, '--row', wasm.id, '--quick'], { encoding: 'utf8', timeout: 170_000 });
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(result.system, 'browser-cortado-wasm');
  assert.equal(result.crossOriginIsolated, true, 'COOP/COEP make the page cross-origin isolated');
  assert.equal(result.threads, 1);
  for (const k of ['trainIps', 'inferIps', 'latencyMs', 'finalLoss']) assert.ok(Number.isFinite(result[k]) && (result[k] as number) > 0, `${k}: ${String(result[k])}`);
  assert.match(String(result.browser), /^Chromium \d+/);
  const agreement = result.agreement as { lossRelDiff: number; gradRelDiff: number };
  assert.ok(agreement.lossRelDiff < 1e-5 && agreement.gradRelDiff < 1e-4, `wasm against js in the page: ${JSON.stringify(agreement)}`);
});
