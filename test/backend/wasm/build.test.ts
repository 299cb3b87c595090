/**
 * The committed wasm/cortado.wasm is what its sources build to: scripts/build-wasm.mjs rebuilds
 * it into a temporary folder (the build is deterministic) and the bytes must be equal. Skipped,
 * with the reason, where clang, wasm-ld or wasi-libc is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('wasm/cortado.wasm matches its sources (rebuilt when clang and lld are installed)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-wasm-test-'));
  try {
    const out = join(dir, 'cortado.wasm');
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), out], { encoding: 'utf8', timeout: 600_000 });
    if (r.status === 2) return t.skip(`no wasm toolchain: ${r.stderr.trim()}`);
    assert.equal(r.status, 0, r.stderr);
    const built = readFileSync(out), committed = readFileSync(join(root, 'wasm', 'cortado.wasm'));
    assert.ok(built.equals(committed),
      `wasm/cortado.wasm (${committed.length} bytes) differs from a fresh build (${built.length} bytes): run node scripts/build-wasm.mjs and commit it`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
