/**
 * The committed wasm/cortado.wasm and wasm/cortado-threads.wasm are what their sources build to:
 * scripts/build-wasm.mjs rebuilds both into a temporary folder (the build is deterministic) and
 * the bytes must be equal. Skipped, with the reason, where clang, wasm-ld or wasi-libc is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('wasm/cortado.wasm and wasm/cortado-threads.wasm match their sources (rebuilt when clang and lld are installed)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-wasm-test-'));
  try {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), dir], { encoding: 'utf8', timeout: 600_000 });
    if (r.status === 2) return t.skip(`no wasm toolchain: ${r.stderr.trim()}`);
    assert.equal(r.status, 0, r.stderr);
    for (const file of ['cortado.wasm', 'cortado-threads.wasm']) {
      const built = readFileSync(join(dir, file)), committed = readFileSync(join(root, 'wasm', file));
      assert.ok(built.equals(committed),
        `wasm/${file} (${committed.length} bytes) differs from a fresh build (${built.length} bytes): run node scripts/build-wasm.mjs and commit it`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
