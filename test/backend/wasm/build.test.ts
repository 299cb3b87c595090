/**
 * The four committed wasm builds (wasm/cortado.wasm, cortado-threads.wasm, cortado-relaxed.wasm,
 * cortado-threads-relaxed.wasm) are what their sources build to: scripts/build-wasm.mjs rebuilds
 * them into a temporary folder (the build is deterministic) and the bytes must be equal. Skipped,
 * with the reason, where clang-19, wasm-ld-19 or wasi-libc is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmFileNames } from '../../../src/backend/wasm/module.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('the four wasm/*.wasm builds match their sources (rebuilt when clang-19 and lld-19 are installed)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-wasm-test-'));
  try {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), dir], { encoding: 'utf8', timeout: 600_000 });
    if (r.status === 2) return t.skip(`no wasm toolchain: ${r.stderr.trim()}`);
    assert.equal(r.status, 0, r.stderr);
    const files = wasmFileNames();
    assert.deepEqual(readdirSync(dir).sort(), [...files].sort(), 'build-wasm.mjs writes exactly the four builds');
    for (const file of files) {
      const built = readFileSync(join(dir, file)), committed = readFileSync(join(root, 'wasm', file));
      assert.ok(built.equals(committed),
        `wasm/${file} (${committed.length} bytes) differs from a fresh build (${built.length} bytes): run node scripts/build-wasm.mjs and commit it`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
